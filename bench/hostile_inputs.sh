#!/usr/bin/env bash
# The hostile-inputs campaign (issue 22; RELIABILITY.md): tests/hostile_inputs.rs's properties
# (mutated pipeline TOML through the loader, validator and planner; mutated and random bytes
# through every importer: NPY, CSV, Parquet, Arrow IPC, JSON, PNG, JPEG), round after round with
# fresh random seeds, for MINUTES minutes. Prints the cases tried and the failures (must be 0).
#
#   bash bench/hostile_inputs.sh [MINUTES] [CASES_PER_ROUND]     # defaults: 10, 2000
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
cases=${2:-2000}
properties=$(grep -cE '^    fn [a-z_]+\($' tests/hostile_inputs.rs)
cargo test --release --test hostile_inputs --no-run -q 2>/dev/null
end=$(( $(date +%s) + minutes * 60 ))
rounds=0 failures=0
while [ "$(date +%s)" -lt "$end" ]; do
  if ! PROPTEST_CASES=$cases cargo test --release -q --test hostile_inputs > /tmp/hostile-round.log 2>&1; then
    failures=$((failures + 1))
    cp /tmp/hostile-round.log "/tmp/hostile-failure-$rounds.log"
    echo "round $rounds FAILED: /tmp/hostile-failure-$rounds.log" >&2
  fi
  rounds=$((rounds + 1))
  echo "round $rounds: $((rounds * cases * properties)) cases so far, $failures failed rounds" >&2
done
echo "hostile inputs: $rounds rounds × $properties properties × $cases cases = $((rounds * cases * properties)) cases in $minutes min, $failures failed rounds"
