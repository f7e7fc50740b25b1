"""The paper end to end at laptop size: `flow run pipelines/quick.toml` cold, where its minutes
go per stage kind, a fully cached re-run, and `flow plan pipelines/paper.toml` at the paper's
counts, each beside its target (issue 19: the quick pipeline cold in at most 20 minutes on this
2-core machine).

    cargo build --release -p flow
    python3 bench/quick_pipeline.py            # ~20 min; run it on an idle machine

Standard library only. Each run uses a fresh cache under bench/work/quick/ (recreated), so the
first run is cold. Per-node times are read from `flow run --progress lines` ("done NODE in Xs");
a node's stage kind from `flow plan --format json`. Node times overlap (two run at once on two
cores), so their sums per kind add up to more than the wall time: the table shows each kind's
share of the summed node time, and the wall time separately.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import BENCH, REPO, median_time, write_results  # noqa: E402

TARGET_COLD_S = 20 * 60


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flow", default=str(REPO / "target/release/flow"))
    ap.add_argument("--out", default=str(BENCH / "results/quick_pipeline.json"))
    ap.add_argument("--reuse", metavar="LOG", help="skip the cold run: read its progress log")
    args = ap.parse_args()
    flow = args.flow
    work = BENCH / "work/quick"
    cache, results = work / "cache", work / "results"
    quick = REPO / "pipelines/quick.toml"
    paper = REPO / "pipelines/paper.toml"

    plan = json.loads(subprocess.run(
        [flow, "plan", str(quick), "--format", "json", "--cache", str(cache)],
        check=True, capture_output=True, text=True).stdout)
    kind_of = {row["name"]: row["kind"] for row in plan}

    if args.reuse:
        log = Path(args.reuse).read_text()
        cold = float(re.findall(r" in ([0-9.]+)s\n", log)[-1])
    else:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        t0 = time.perf_counter()
        run = subprocess.run(
            [flow, "run", str(quick), "--cache", str(cache), "--results", str(results),
             "--progress", "lines"], capture_output=True, text=True)
        cold = time.perf_counter() - t0
        log = run.stdout + run.stderr
        (work / "cold.log").write_text(log)
        if run.returncode != 0:
            sys.exit(f"flow run failed:\n{log[-3000:]}")

    per_kind: dict[str, float] = defaultdict(float)
    nodes: dict[str, int] = defaultdict(int)
    for node, seconds in re.findall(r"done (\S+) in ([0-9.]+)s", log):
        kind = kind_of.get(node, "?")
        per_kind[kind] += float(seconds)
        nodes[kind] += 1
    summed = sum(per_kind.values())

    cached = median_time(3, lambda: subprocess.run(
        [flow, "run", str(quick), "--cache", str(cache), "--results", str(results),
         "--progress", "none"], check=True, capture_output=True))
    paper_plan = median_time(3, lambda: subprocess.run(
        [flow, "plan", str(paper), "--cache", str(work / "paper-cache")],
        check=True, capture_output=True))
    paper_nodes = len(json.loads(subprocess.run(
        [flow, "plan", str(paper), "--format", "json", "--cache", str(work / "paper-cache")],
        check=True, capture_output=True, text=True).stdout))

    print(f"{'measure':44} {'flow':>10} {'target':>10} {'flow / target':>14}")
    print(f"{'quick.toml cold, wall (s)':44} {cold:10.1f} {TARGET_COLD_S:10.0f} {cold / TARGET_COLD_S:14.2f}")
    print(f"{'quick.toml fully cached re-run (s)':44} {cached:10.3f}")
    print(f"{f'flow plan paper.toml, {paper_nodes} nodes (s)':44} {paper_plan:10.3f}")
    print()
    print(f"{'stage kind':20} {'nodes':>6} {'node time (s)':>14} {'share':>7}")
    for kind, s in sorted(per_kind.items(), key=lambda kv: -kv[1]):
        print(f"{kind:20} {nodes[kind]:6d} {s:14.1f} {s / summed:7.1%}")
    write_results(Path(args.out), {
        "quick_cold_wall_s": cold,
        "target_s": TARGET_COLD_S,
        "quick_cached_rerun_s": cached,
        "paper_plan_s": paper_plan,
        "paper_nodes": paper_nodes,
        "node_seconds_per_kind": dict(per_kind),
        "nodes_per_kind": dict(nodes),
    })


if __name__ == "__main__":
    main()
