#!/usr/bin/env python3
"""Do a trained beta-VAE's latents each match one generative factor? (issue 6's real check)

Runs `flow run pipelines/quick-bvae.toml` (or another pipeline with a `train` node and a
`synthetic-faces` node), exports the latent means, their KL and the true factors of every face,
and prints the Pearson correlation of every informative latent (mean KL > 0.01) with every
factor. A latent *matches* a factor when |r| > 0.85 with it and < 0.2 with every other.

    cargo build --release -p flow
    python3 bench/latent_factors.py [--pipeline pipelines/quick-bvae.toml] [--model bvae]
        [--faces faces] [--no-run]

Writes bench/results/latent_factors.json (`--out`) and copies the traversal sheet to
docs/quick-bvae-traversals.png (`--sheet`). Runs itself in bench/.venv (numpy; installed if missing).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

from benchenv import ensure_venv

ensure_venv(["numpy"], ["numpy"])

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOW = os.environ.get("FLOW_BIN", os.path.join(ROOT, "target", "release", "flow"))


def flow(*args):
    subprocess.run([FLOW, *args], cwd=ROOT, check=True)


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def analyse(model, latent_names, Z, kl, names, F):
    """Correlates every informative latent (mean KL > 0.01) with every factor, prints the table
    and returns the summary: a latent matches a factor when |r| > 0.85 with it and < 0.2 with
    every other."""
    informative = [j for j in range(Z.shape[1]) if kl[j] > 0.01]
    R = np.corrcoef(np.hstack([Z, F]).T)[: Z.shape[1], Z.shape[1]:]
    rows = []
    for j in sorted(informative, key=lambda j: -kl[j]):
        r = np.abs(R[j])
        best = int(np.argmax(r))
        other = float(np.max(np.delete(r, best))) if len(r) > 1 else 0.0
        rows.append({
            "latent": latent_names[j], "kl": float(kl[j]), "factor": names[best],
            "abs_r": float(r[best]), "max_abs_r_other": other,
            "matches": bool(r[best] > 0.85 and other < 0.2),
            "r": {n: float(R[j, k]) for k, n in enumerate(names)},
        })
    matched = sorted({row["factor"] for row in rows if row["matches"]})
    print(f"\n{model}: {len(informative)} informative latents of {Z.shape[1]}, "
          f"{sum(r['matches'] for r in rows)} match a factor ({len(matched)} distinct of {len(names)})")
    print(f"\n{'latent':7} {'KL':>6}  " + " ".join(f"{n[:9]:>9}" for n in names))
    for row in rows:
        cells = " ".join(f"{row['r'][n]:>9.2f}" for n in names)
        flag = f"  → {row['factor']}" if row["matches"] else ""
        print(f"{row['latent']:7} {row['kl']:6.2f}  {cells}{flag}")
    return {
        "model": model, "latents": Z.shape[1], "informative": len(informative),
        "matching": sum(r["matches"] for r in rows), "factors_matched": matched,
        "factors": names, "rows": rows,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-p", "--pipeline", default="pipelines/quick-bvae.toml")
    ap.add_argument("--model", default="bvae")
    ap.add_argument("--faces", default="faces")
    ap.add_argument("--traversals", default="traversals")
    ap.add_argument("--no-run", action="store_true", help="use what is cached")
    ap.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=VALUE",
                    help="parameter overrides, passed to `flow run` and `flow export`")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latent_factors.json"),
                    help="where the summary JSON goes")
    ap.add_argument("--sheet", default=os.path.join(ROOT, "docs", "quick-bvae-traversals.png"),
                    help="where the traversal sheet is copied")
    args = ap.parse_args()
    sets = [a for kv in args.set for a in ("--set", kv)]
    if not args.no_run:
        flow("run", args.pipeline, *sets)
    tmp = tempfile.mkdtemp()
    out = lambda name: os.path.join(tmp, name)
    export = lambda node, port, to: flow("export", node, "-p", args.pipeline, *sets, "--port", port, "--to", to)
    export(args.model, "latents", out("latents.csv"))
    export(args.model, "kl", out("kl.csv"))
    export(args.model, "result", out("result.json"))
    export(args.faces, "factors", out("factors.csv"))

    lh, lrows = read_csv(out("latents.csv"))
    fh, frows = read_csv(out("factors.csv"))
    factors = {r[0]: [float(v) for v in r[1:]] for r in frows}
    ids = [r[0] for r in lrows]
    Z = np.array([[float(v) for v in r[1:]] for r in lrows])
    F = np.array([factors[i] for i in ids])
    _, krows = read_csv(out("kl.csv"))
    kl = np.array([float(r[0]) for r in krows])
    result = json.load(open(out("result.json")))

    summary = analyse(args.model, lh[1:], Z, kl, fh[1:], F)
    print(f"reconstruction error {result['reconstruction_error']:.1f} (summed squared error per image), "
          f"ELBO {result['elbo']:.1f}, steps {result['steps_trained']}, lr {result['lr']}")
    summary = {
        "pipeline": args.pipeline, **summary,
        "reconstruction_error": result["reconstruction_error"], "elbo": result["elbo"],
        "steps": result["steps_trained"], "lr": result["lr"], "beta": result["beta"],
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=2)
    sheet = os.path.join(tmp, "sheet")
    try:
        export(args.traversals, "sheet", sheet)
        png = os.path.join(sheet, "traversals.png")
        if os.path.exists(png):
            shutil.copy(png, args.sheet)
            print(f"\ntraversal sheet: {args.sheet}")
    except subprocess.CalledProcessError:
        print("(no traversal sheet exported)", file=sys.stderr)


if __name__ == "__main__":
    main()
