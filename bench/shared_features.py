#!/usr/bin/env python3
"""`shared-features` against PyTorch: the same maps from the same weights, and the time to make
them (issue 21).

Runs `flow run pipelines/shared-features.toml` (unless --no-run), reads the trained β-VAE's
`model.safetensors`, the Lasso readout, the faces, the objects and the `shared` node's pairs
and maps, and rebuilds every map of the `shared` node in PyTorch autograd from those inputs
alone: each neuron's prediction r̂ from the encoder's latent means and the Lasso's
standardisation, its top objects, the contribution vectors c = w ⊙ (z − m) / s, the reference
face flow chose (its cosine recomputed here), α = c(object) ⊙ c(reference), and |∂(Σ_d α_d (z_d −
m_d) / s_d) / ∂x| normalised by its maximum; the plain gradient map likewise with α = w. It
prints the largest difference from flow's maps (image-table values in [0, 1]).

Speed, side by side in one run: the `shared` node recomputed by `flow run` (a different
`sheet_rank` each repetition, so the key changes and the node really runs; it encodes the 2,162
faces and 200 objects, ranks, chooses references and takes 150 gradients) against the same work
in PyTorch eager (2 threads), median of 3.

    cargo build --release -p flow
    python3 bench/shared_features.py [--no-run]

Writes bench/results/shared_features.json. Runs itself in bench/.venv (torch, pyarrow, numpy).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import REPO, ensure_venv, write_results

FLOW = Path(os.environ.get("FLOW_BIN", REPO / "target" / "release" / "flow"))
PIPELINE = REPO / "pipelines" / "shared-features.toml"


def flow(*args, capture=False):
    return subprocess.run([str(FLOW), *args], cwd=REPO, check=True, capture_output=capture, text=True)


def export(node, port, path):
    flow("export", node, "--port", port, "-p", str(PIPELINE), "--to", str(path), capture=True)


def stored(node):
    out = flow("show", node, "-p", str(PIPELINE), capture=True).stdout
    return REPO / re.search(r"^stored\s+(\S+)", out, re.M).group(1)


def main():
    import numpy as np
    import pyarrow.ipc as ipc
    import torch
    from safetensors_torch import load_encoder

    ap = argparse.ArgumentParser()
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "shared_features.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if not args.no_run:
        flow("run", str(PIPELINE))

    tmp = Path(tempfile.mkdtemp())
    for node, port in [("faces", "images"), ("objects", "images"), ("shared", "pairs"), ("shared", "maps")]:
        export(node, port, tmp / f"{node}.{port}.arrow")
    export("lasso", "result", tmp / "lasso.json")
    lasso = json.loads((tmp / "lasso.json").read_text())
    read = lambda name: ipc.open_file(tmp / name).read_all()  # noqa: E731

    def images(name):
        t = read(name)
        ids = t.column("image_id").to_pylist()
        h, w = t.column("height")[0].as_py(), t.column("width")[0].as_py()
        px = np.asarray(t.column("pixels").combine_chunks().flatten(), dtype=np.float32).reshape(len(ids), 1, h, w)
        return ids, px

    face_ids, faces = images("faces.images.arrow")
    object_ids, objects = images("objects.images.arrow")
    map_ids, maps = images("shared.maps.arrow")
    maps = dict(zip(map_ids, maps[:, 0]))
    pairs = read("shared.pairs.arrow").to_pylist()

    spec = json.loads((stored("bvae") / "ports" / "weights" / "model.json").read_text())
    latents = spec["latents"]
    encoder = load_encoder(stored("bvae") / "ports" / "weights" / "model.safetensors", latents)

    coef = np.asarray(lasso["coef"], dtype=np.float64)          # units × neurons
    m = np.asarray(lasso["unit_mean"])
    s = np.asarray(lasso["unit_std"])
    inv_s = np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), 0.0)
    neurons = sorted({p["neuron"] for p in pairs}, key=lambda j: [p["neuron"] for p in pairs].index(j))
    top = max(p["rank"] for p in pairs)

    def means(x):
        with torch.no_grad():
            out = []
            for i in range(0, len(x), 256):
                out.append(encoder(torch.from_numpy(x[i:i + 256].copy()))[:, :latents].double().numpy())
            return np.concatenate(out)

    def gradient_maps(x, weights):
        xt = torch.from_numpy(x).requires_grad_(True)
        mu = encoder(xt)[:, :latents]
        (mu * torch.from_numpy(weights.astype(np.float32))).sum().backward()
        g = xt.grad.abs()[:, 0].numpy()
        top_ = g.reshape(len(g), -1).max(axis=1)
        return g / np.where(top_ > 0, top_, 1.0)[:, None, None]

    def torch_shared():
        """The `shared` node's work, in PyTorch: returns {map id: map}."""
        zf, zo = means(faces), means(objects)
        out, chosen = {}, {}
        jobs_x, jobs_w, names = [], [], []
        for j in neurons:
            w = coef[:, j]
            r = (zo - m) @ (w * inv_s)
            order = sorted(range(len(object_ids)), key=lambda o: (-r[o], o))[:top]
            cf = (zf - m) * (w * inv_s)
            nf = np.linalg.norm(cf, axis=1)
            for o in order:
                co = (zo[o] - m) * (w * inv_s)
                cos = cf @ co / np.where(nf > 0, nf, np.inf) / np.linalg.norm(co)
                ref = int(np.argmax(cos))
                chosen[(j, object_ids[o])] = (face_ids[ref], dict(zip(face_ids, cos)))
                alpha = co * cf[ref]
                base = f"n{j:03}-{object_ids[o]}"
                for img, wts, role in [(objects[o], alpha * inv_s, "shared"), (faces[ref], alpha * inv_s, "reference"),
                                       (objects[o], w * inv_s, "gradient")]:
                    jobs_x.append(img)
                    jobs_w.append(wts)
                    names.append(f"{base}-{role}")
        x, wts = np.stack(jobs_x), np.stack(jobs_w)
        for i in range(0, len(x), 32):
            for name, g in zip(names[i:i + 32], gradient_maps(x[i:i + 32], wts[i:i + 32])):
                out[name] = g
        return out, chosen

    torch_maps, chosen = torch_shared()
    # The same pairs and references, up to near-ties: the cosines of the best faces agree to ~1e-7,
    # below the latents' float32 differences between the two implementations.
    same = [p for p in pairs if chosen[(p["neuron"], p["object_id"])][0] == p["reference_id"]]
    gaps = []
    for p in pairs:
        best, cosines = chosen[(p["neuron"], p["object_id"])]
        if best != p["reference_id"]:
            gaps.append(float(cosines[best] - cosines.get(p["reference_id"], -1.0)))
    diffs = {role: max(float(np.abs(torch_maps[p[f"{role}_map"]] - maps[p[f"{role}_map"]]).max())
                       for p in (same if role == "reference" else pairs))
             for role in ["shared", "reference", "gradient"]}
    print(f"pairs {len(pairs)}; same reference face as flow: {len(same)}/{len(pairs)}; "
          f"where not, PyTorch's best face beats flow's choice by a cosine of at most "
          f"{max(gaps) if gaps else 0:.1e}")
    for role, d in diffs.items():
        print(f"largest |PyTorch − flow| over the {role} maps (values in [0, 1]"
              f"{'; pairs with the same reference' if role == 'reference' else ''}): {d:.2e}")

    # Speed.
    flow_times = []
    fresh = 1000 + int(time.time()) % 1_000_000  # a sheet_rank ≥ 5 draws every pair: same sheet, new key
    for rep in range(args.reps):
        log = flow("run", str(PIPELINE), "--set", f"shared.sheet_rank={fresh + rep}", capture=True).stderr
        flow_times.append(float(re.search(r"done shared in ([0-9.]+)s", log).group(1)))
    torch_times = []
    for _ in range(args.reps):
        t = time.perf_counter()
        torch_shared()
        torch_times.append(time.perf_counter() - t)
    f, t = statistics.median(flow_times), statistics.median(torch_times)
    print(f"10 neurons × 5 objects (encode 2,362 images, 150 gradients): flow {f:.2f} s, "
          f"PyTorch {t:.2f} s, PyTorch / flow {t / f:.2f}×")
    write_results(args.out, {
        "benchmark": "shared_features",
        "command": "python3 bench/shared_features.py",
        "date": time.strftime("%Y-%m-%d"),
        "torch_version": torch.__version__,
        "pairs": len(pairs),
        "same_reference": len(same),
        "max_cosine_gap_where_references_differ": max(gaps) if gaps else 0.0,
        "max_abs_diff": diffs,
        "flow_s": flow_times, "torch_s": torch_times,
        "flow_median_s": f, "torch_median_s": t, "torch_over_flow": t / f,
        "loadavg": os.getloadavg(),
    })


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    ensure_venv(["torch", "numpy", "pyarrow"], ["torch", "numpy", "pyarrow"])
    main()
