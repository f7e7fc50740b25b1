#!/usr/bin/env bash
# Scheduler overhead of `flow run --executor slurm`: time from start to the last submission for
# a 400-node sweep (40 betas × 10 seeds of a trivial stage), and the sbatch/squeue calls made.
# Needs root (starts the local single-node cluster) and a release build:
#   cargo build --release -p flow && bash bench/slurm_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/slurm-local.sh start
work=$(mktemp -d)
cat >"$work/sweep.toml" <<'TOML'
[executor]
kind = "slurm"
poll_seconds = 1.0

[stages.bvae]
kind = "constant"
sweep.value = { linspace = [0.5, 20.0, 40] }
sweep.seed = { range = [0, 10] }
TOML
start=$(date +%s.%N)
target/release/flow run "$work/sweep.toml" --progress lines 2>&1 | grep -E '^(slurm|flow):'
end=$(date +%s.%N)
echo "wall: $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}') s (the tasks themselves run 8 at a time on this 2-core node)"
cat "$work/.flow/slurm/submissions.log"
rm -rf "$work"
