#!/usr/bin/env python3
"""Speed of flow's analysis stages against their Python equivalents, side by side in one run.

- lasso-ve on 2,100 images × 50 units × 159 neurons, 10 folds, 100 alphas, against
  scikit-learn's `LassoCV` fitted per neuron (default tolerance 1e-4, the same standardised data,
  folds given as a `PredefinedSplit`, one core as scikit-learn uses by default). flow solves to
  the exact minimiser (METHODS §1.9); scikit-learn stops at its tolerance.
- udr on 10 models × 2,100 images × 50 latents (all three variants; every ordered pair, as
  disentanglement_lib) against scipy's `spearmanr` + disentanglement_lib's formula.
- decode on 50 units × 159 neurons (2,100 images, 62 held out) against numpy +
  `scipy.optimize.linear_sum_assignment`.

flow is timed three ways: the stage's compute alone, in-process, as the Python side is timed
(`stages/examples/analysis_speed.rs`, run through cargo); the node's time in the cache manifest
(loading its inputs, the stage, writing its outputs); and end to end as a user runs it (`flow
stage KIND --in … --out …` with a fresh cache: process start, importing and hashing the files,
the stage, the result file). Node and wall times are also taken pinned to one core
(`taskset -c 0`). Each timing is the median of `--reps`.

Usage (needs the release binary: `cargo build --release -p flow`):

    python3 bench/analysis_speed.py [--reps 3] [--flow target/release/flow]

Results: printed, and written to bench/results/analysis_speed.json.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analysis_crosscheck as cc  # noqa: E402  (re-executes inside bench/.venv if needed)

import numpy as np  # noqa: E402
from sklearn.linear_model import LassoCV  # noqa: E402
from sklearn.model_selection import PredefinedSplit  # noqa: E402

BENCH = cc.BENCH
ROOT = cc.ROOT


def flow_times(flow_exe, work, kind, inputs, sets=(), reps=3, one_core=False):
    """(median wall seconds, median node seconds) of `flow stage`, fresh cache each time."""
    walls, nodes = [], []
    for r in range(reps):
        cache = Path(work) / f"cache-{kind}-{r}-{int(one_core)}"
        shutil.rmtree(cache, ignore_errors=True)
        args = (["taskset", "-c", "0"] if one_core else []) + [str(flow_exe), "stage", kind]
        for port, path in inputs:
            args += ["--in", f"{port}={path}"]
        for s in sets:
            args += ["--set", s]
        args += ["--out", str(Path(work) / f"{kind}-out.json")]
        env = dict(os.environ, FLOW_CACHE=str(cache), NO_COLOR="1")
        t = time.perf_counter()
        ran = subprocess.run(args, capture_output=True, text=True, env=env, cwd=work)
        walls.append(time.perf_counter() - t)
        if ran.returncode != 0:
            raise RuntimeError(ran.stderr)
        for m in cache.glob("objects/*/*/manifest.json"):
            man = json.loads(m.read_text())
            if man.get("kind") == kind:
                nodes.append(man["seconds"])
        shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(walls), statistics.median(nodes)


def py_time(fn, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def sklearn_lassocv(X, Y, train, fold):
    """LassoCV per neuron on the METHODS §1 standardised data (scikit-learn defaults)."""
    informative = X.var(0) >= 0.01
    Xs = np.zeros_like(X)
    Xs[:, informative] = cc.zscore(X[:, informative])
    Ys = cc.zscore(Y)
    T = np.flatnonzero(train)
    cv = PredefinedSplit(fold[T])
    import sklearn
    version = tuple(int(v) for v in sklearn.__version__.split(".")[:2])
    n_alphas = {"alphas": 100} if version >= (1, 7) else {"n_alphas": 100}  # `n_alphas` went in 1.7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(Y.shape[1]):
            LassoCV(eps=1e-3, cv=cv, **n_alphas).fit(Xs[T], Ys[T, j])


def compute_times(work, reps):
    """Compute-only seconds of each stage, in-process (stages/examples/analysis_speed.rs)."""
    ran = subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "flow-stages", "--example", "analysis_speed", "--",
                          str(work), str(reps)], capture_output=True, text=True, cwd=ROOT)
    if ran.returncode != 0:
        print(f"(no compute-only timings: {ran.stderr.strip()[-300:]})", file=sys.stderr)
        return {}
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--flow", default=str(ROOT / "target" / "release" / "flow"))
    ap.add_argument("--out", default=str(BENCH / "results" / "analysis_speed.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        flow = cc.Flow(args.flow, tmp)
        # The problems: lasso-ve and decode on 2,100 × 50 units × 159 neurons; udr on 10 models.
        X, Y, train, fold = cc.make_problem(rng)
        fx, fy = flow.file("X.npy", X), flow.file("Y.npy", Y)
        split = flow.file("split.csv", text="train,fold\n" + "".join(
            f"{'true' if t else 'false'},{f}\n" for t, f in zip(train, fold)))
        factors = rng.standard_normal((2100, 12))
        reps, kls = [], []
        for _ in range(10):
            z = factors @ (rng.standard_normal((12, 50)) * (rng.random((12, 50)) < 0.2)) + 0.3 * rng.standard_normal((2100, 50))
            kl = rng.random(50) * 2
            kl[rng.random(50) < 0.3] = 0.001
            reps.append(z)
            kls.append(kl)
        reps, kls = np.array(reps), np.array(kls)
        lat_files = [("latents", flow.file(f"lat{i}.npy", reps[i])) for i in range(10)]
        fkl = flow.file("kl.npy", kls)
        shared = np.ones(X.shape[0], dtype=bool)
        shared[rng.choice(X.shape[0], 62, replace=False)] = False
        fs = flow.file("shared.csv", text="shared\n" + "".join(f"{'true' if s else 'false'}\n" for s in shared))
        compute = compute_times(tmp, args.reps)

        def bench(name, kind, inputs, python):
            py = py_time(python, args.reps)
            wall, node = flow_times(args.flow, tmp, kind, inputs, (), args.reps)
            wall1, node1 = flow_times(args.flow, tmp, kind, inputs, (), args.reps, one_core=True)
            comp = compute.get(kind)
            row = {"benchmark": name, "python_s": py, "flow_compute_s": comp, "flow_node_s": node, "flow_wall_s": wall,
                   "flow_node_1core_s": node1, "flow_wall_1core_s": wall1,
                   "ratio_compute": py / comp if comp else None, "ratio_node": py / node, "ratio_wall": py / wall,
                   "ratio_node_1core": py / node1, "ratio_wall_1core": py / wall1}
            rows.append(row)
            c = f"compute {comp:6.3f} s ({py / comp:6.1f}×) | " if comp else ""
            print(f"{name:<48} python {py:7.3f} s | flow {c}node {node:6.3f} s ({py / node:6.1f}×), wall {wall:6.3f} s "
                  f"({py / wall:5.1f}×) | 1 core: node {node1:6.3f} s ({py / node1:6.1f}×), wall {wall1:6.3f} s ({py / wall1:5.1f}×)",
                  flush=True)

        bench("lasso-ve 2100×50×159, 10 folds, 100 alphas (LassoCV)", "lasso-ve",
              [("units", fx), ("responses", fy), ("split", split)], lambda: sklearn_lassocv(X, Y, train, fold))
        bench("udr 10 models × 2100 × 50 (scipy spearmanr)", "udr", lat_files + [("kl", fkl)], lambda: cc.udr_ref(reps, kls))
        bench("decode 50 units × 159 neurons (scipy LSAP)", "decode", [("units", fx), ("responses", fy), ("split", fs)],
              lambda: cc.decode_ref(X, Y, shared))

    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "numpy": np.__version__, "sklearn": __import__("sklearn").__version__},
        "reps": args.reps,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "command": "python3 bench/analysis_speed.py --reps %d" % args.reps,
        "columns": {"python_s": "the Python equivalent, in memory (median)",
                    "flow_compute_s": "the stage's run() in-process, no I/O (stages/examples/analysis_speed.rs)",
                    "flow_node_s": "the node's seconds in its cache manifest (load inputs, run, write outputs)",
                    "flow_wall_s": "`flow stage …` end to end: process, imports, hashing, cache, result file"},
        "results": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
