"""Speed of `flow collect` on 2,000 nodes' results, against the hand-written alternative.

    python3 bench/collect_speed.py [--nodes 2000] [--reps 3] [--flow target/release/flow]

Runs a sweep of `--nodes` `constant` tables and their `describe` summaries (one JSON result
each, with nested fields), then times, side by side in one run:
- `flow collect p.toml stats --to stats.parquet`: the whole process (plan, cache keys, reading
  every result, flattening, typing, writing Parquet), wall-clock;
- the same with the table printed to the terminal instead;
- the anchor: what one writes without it (what Snakemake or Nextflow users do) — a Python
  script that walks the cache's result folders (from `flow plan --format json`), reads each
  `value.json`, flattens them with `pandas.json_normalize` and writes Parquet with pyarrow;
  timed twice: as a user runs it (a fresh interpreter, its imports, the `flow plan` call), and
  inside this process with the plan already read (no imports, no process: the anchor's best
  case).

Target (issue 18): under a second for 2,000 nodes. Results: printed, and written to
bench/results/collect_speed.json.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import BENCH, REPO, ensure_venv, median_time, write_results  # noqa: E402

ensure_venv(["pandas", "pyarrow"], ["pandas", "pyarrow"])

import pandas as pd  # noqa: E402


def pipeline(nodes: int) -> str:
    return f"""
[stages.source]
kind = "constant"
value = 1.5
sweep.rows = {{ range = [1, {nodes + 1}] }}

[stages.stats]
kind = "describe"
table = "source"
"""


ANCHOR_SCRIPT = """
import json, subprocess
from pathlib import Path
import pandas as pd
rows = json.loads(subprocess.run(["{flow}", "plan", "p.toml", "--format", "json"],
                                 check=True, capture_output=True, text=True).stdout)
records = []
for r in rows:
    if r["stage"] != "stats":
        continue
    obj = Path(".flow") / "objects" / r["key"][:2] / r["key"][2:]
    value = json.loads((obj / "ports" / "summary" / "value.json").read_text())
    records.append({{"node": r["name"], "key": r["key"], **value}})
pd.json_normalize(records).to_parquet("anchor.parquet")
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--flow", default=str(REPO / "target" / "release" / "flow"))
    ap.add_argument("--out", default=str(BENCH / "results" / "collect_speed.json"))
    args = ap.parse_args()
    work = BENCH / "work" / "collect"
    work.mkdir(parents=True, exist_ok=True)
    (work / "p.toml").write_text(pipeline(args.nodes))
    flow = lambda *a, **kw: subprocess.run([args.flow, *a], cwd=work, check=True,  # noqa: E731
                                           capture_output=True, text=True, **kw)
    t = time.perf_counter()
    flow("run", "p.toml", "--progress", "none")
    print(f"ran {2 * args.nodes} nodes (or found them cached) in {time.perf_counter() - t:.1f} s")

    to_parquet = median_time(args.reps, lambda: flow("collect", "p.toml", "stats", "--to", "stats.parquet"))
    to_terminal = median_time(args.reps, lambda: flow("collect", "p.toml", "stats"))
    frame = pd.read_parquet(work / "stats.parquet")
    assert len(frame) == args.nodes, len(frame)

    rows = json.loads(flow("plan", "p.toml", "--format", "json").stdout)

    def hand_written():
        records = []
        for r in rows:
            if r["stage"] != "stats":
                continue
            obj = work / ".flow" / "objects" / r["key"][:2] / r["key"][2:]
            value = json.loads((obj / "ports" / "summary" / "value.json").read_text())
            records.append({"node": r["name"], "key": r["key"], **value})
        df = pd.json_normalize(records)
        df.to_parquet(work / "anchor.parquet")
        return df

    anchor = median_time(args.reps, hand_written)
    assert len(hand_written()) == args.nodes

    # The same script as a user runs it: a fresh interpreter, its imports, and `flow plan` to
    # find the result folders.
    script = work / "anchor.py"
    script.write_text(ANCHOR_SCRIPT.format(flow=args.flow))
    anchor_process = median_time(args.reps, lambda: subprocess.run(
        [sys.executable, str(script)], cwd=work, check=True, capture_output=True))

    results = [
        ("flow collect → Parquet (whole process)", to_parquet, anchor_process, "whole process"),
        ("flow collect → Parquet (whole process)", to_parquet, anchor, "in-process, no imports"),
        ("flow collect → terminal (whole process)", to_terminal, anchor_process, "whole process"),
    ]
    print(f"{'':42} {'flow s':>7} {'anchor s':>9} {'anchor timed':>24} {'speed-up':>9}")
    for name, f, a, how in results:
        print(f"{name:42} {f:7.3f} {a:9.3f} {how:>24} {a / f:8.1f}×")
    write_results(Path(args.out), {
        "nodes": args.nodes,
        "flow_collect_parquet_s": to_parquet,
        "flow_collect_terminal_s": to_terminal,
        "anchor_python_walk_json_normalize_s": anchor,
        "anchor_python_whole_process_s": anchor_process,
        "anchor": "Python: walk the result folders listed by `flow plan --format json`, read each "
                  "value.json, pandas.json_normalize, to_parquet (timed in-process, imports excluded)",
    })


if __name__ == "__main__":
    main()
