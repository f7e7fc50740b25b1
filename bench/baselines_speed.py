#!/usr/bin/env python3
"""Speed of flow's PCA and ICA baselines against scikit-learn, side by side in one run.

On 2,100 synthetic faces of 64 × 64 pixels (2,100 × 4,096, the paper's size), from flow's
quick world:
- one PCA with N = 50: flow's `pca` node (exact, from the Gram matrix) against scikit-learn
  `PCA(50, svd_solver="full")` and `PCA(50, svd_solver="randomized")`;
- the paper's 41-instance PCA sweep (N = 10 … 50): flow's one `pca` node plus 41 `pca-units`
  nodes against 41 scikit-learn fits (full and randomized), each transforming the 2,100 faces;
- one ICA with N = 50: flow's `ica` node against scikit-learn `FastICA(50, whiten="unit-variance",
  fun="logcosh", algorithm="parallel")`.

flow's times are the nodes' compute times from their cache manifests (the stage, its input
loading and its output writing), and the wall time of the whole `flow run` of the sweep; the
faces are rendered first and not timed. scikit-learn's are the median of `--reps` timings of the
fit (and transform) on the same pixels, read from flow's cached image table with pyarrow. Both
sides use the machine's 2 cores (flow: the node's threads; numpy: its BLAS threads, reported).

Usage (needs the release binary: `cargo build --release -p flow`):

    python3 bench/baselines_speed.py [--reps 3] [--flow target/release/flow]

Results: printed, and written to bench/results/baselines_speed.json.
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import BENCH, REPO, ensure_venv, median_time, write_results  # noqa: E402

ensure_venv(
    ["numpy", "sklearn", "pyarrow", "threadpoolctl"],
    ["numpy", "scikit-learn", "pyarrow", "threadpoolctl"],
)

import numpy as np  # noqa: E402
import pyarrow.ipc  # noqa: E402
from sklearn.decomposition import PCA, FastICA  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

PIPELINE = """
[pipeline]
name = "baselines-speed"

[stages.faces]
kind = "synthetic-faces"
images = 2100
factors = "quick"
sheets = false

[stages.pca]
kind = "pca"
data = "faces.images"
max_components = 50

[stages.pca_units]
kind = "pca-units"
basis = "pca.basis"
images = "faces.images"
sweep.latents = { range = [10, 51] }

[stages.ica]
kind = "ica"
data = "faces.images"
latents = 50
"""


def flow_run(flow, work):
    """Runs the pipeline; returns (wall seconds of everything after the faces, node seconds)."""
    cache = work / ".flow"
    shutil.rmtree(cache, ignore_errors=True)
    (work / "p.toml").write_text(PIPELINE)
    subprocess.run([flow, "run", "p.toml", "--until", "faces", "--progress", "none"], cwd=work, check=True)
    started = time.perf_counter()
    subprocess.run([flow, "run", "p.toml", "--progress", "none", "--jobs", "2"], cwd=work, check=True)
    wall = time.perf_counter() - started
    rows = json.loads(subprocess.run([flow, "plan", "p.toml", "--format", "json"], cwd=work,
                                     check=True, capture_output=True, text=True).stdout)
    seconds, images, basis = {}, None, None
    for r in rows:
        obj = cache / "objects" / r["key"][:2] / r["key"][2:]
        seconds[r["name"]] = json.loads((obj / "manifest.json").read_text())["seconds"]
        if r["name"] == "faces":
            images = obj / "ports" / "images" / "table.arrow"
        if r["name"] == "pca":
            basis = obj / "ports" / "basis" / "table.arrow"
    return wall, seconds, images, basis


def pixels(path):
    table = pyarrow.ipc.open_file(str(path)).read_all()
    column = table.column("pixels").combine_chunks()
    return np.asarray(column.values.to_numpy(zero_copy_only=False), dtype=np.float64).reshape(len(table), -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--flow", default=str(REPO / "target" / "release" / "flow"))
    ap.add_argument("--out", default=str(BENCH / "results" / "baselines_speed.json"))
    args = ap.parse_args()
    work = BENCH / "work" / "baselines"
    work.mkdir(parents=True, exist_ok=True)

    wall, node, images_path, basis_path = flow_run(args.flow, work)
    x = pixels(images_path)
    assert x.shape == (2100, 4096), x.shape
    flow_pca = node["pca"]
    flow_sweep_nodes = flow_pca + sum(v for k, v in node.items() if k.startswith("pca_units["))
    flow_ica = node["ica"]

    def sweep(solver):
        for n in range(10, 51):
            PCA(n, svd_solver=solver, random_state=0).fit(x).transform(x)

    sk = {
        "pca_full": median_time(args.reps, lambda: PCA(50, svd_solver="full").fit(x)),
        "pca_randomized": median_time(args.reps, lambda: PCA(50, svd_solver="randomized", random_state=0).fit(x)),
        "sweep_full": median_time(1, lambda: sweep("full")),
        "sweep_randomized": median_time(1, lambda: sweep("randomized")),
        "ica": median_time(args.reps, lambda: FastICA(50, whiten="unit-variance", fun="logcosh",
                                                      algorithm="parallel", random_state=0,
                                                      max_iter=200).fit(x)),
    }
    rows = [
        ("PCA N = 50 vs full", flow_pca, sk["pca_full"]),
        ("PCA N = 50 vs randomized", flow_pca, sk["pca_randomized"]),
        ("41-instance sweep vs full (nodes)", flow_sweep_nodes, sk["sweep_full"]),
        ("41-instance sweep vs randomized (nodes)", flow_sweep_nodes, sk["sweep_randomized"]),
        ("41-instance sweep + ICA, flow wall time vs full sweep", wall, sk["sweep_full"]),
        ("ICA N = 50", flow_ica, sk["ica"]),
    ]
    # Same numbers, not only the same speed: flow's 50 axes against scikit-learn's full SVD.
    basis = pyarrow.ipc.open_file(str(basis_path)).read_all()
    flow_axes = np.stack([basis.column(f"pc{i:02}").to_numpy() for i in range(50)])
    sk_axes = PCA(50, svd_solver="full").fit(x).components_
    axes_diff = float(np.abs(flow_axes - sk_axes).max())
    print(f"max |flow axis − scikit-learn axis| over the 50 axes: {axes_diff:.1e}")
    print(f"{'':55} {'flow s':>9} {'sklearn s':>10} {'speed-up':>9}")
    for name, f, s in rows:
        print(f"{name:55} {f:9.2f} {s:10.2f} {s / f:8.1f}×")
    write_results(Path(args.out), {
        "data": "2100 synthetic faces (quick world, seed 0) × 4096 pixels",
        "flow_nodes_seconds": node,
        "flow_wall_seconds_after_faces": wall,
        "max_abs_axis_difference_vs_sklearn_full": axes_diff,
        "sklearn_seconds": sk,
        "rows": [{"what": n, "flow_s": f, "sklearn_s": s, "speedup": s / f} for n, f, s in rows],
        "blas": [{k: i.get(k) for k in ("internal_api", "num_threads", "architecture")} for i in threadpool_info()],
    })


if __name__ == "__main__":
    main()
