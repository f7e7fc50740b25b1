#!/usr/bin/env python3
"""Issue 6's real check with PyTorch as the trainer: is what flow's β-VAE learns on the quick
world what the same model learns in PyTorch?

Trains the paper's β-VAE (bench/torch_betavae.py, the model of bench/train_speed.py: conv
32-32-64-64, FC 256, N latents, Bernoulli decoder; loss = per-image BCE summed over pixels + β · KL, both averaged over the
batch; Adam, eps 1e-8; batch 16, a fresh permutation of the images every epoch) on the faces a
flow pipeline's `split` node gives its models (`--images`, default `split.train_images`:
the 2,100 mirror-flipped training faces of pipelines/quick-bvae.toml), then correlates the
latent means of those faces with their true factors exactly as bench/latent_factors.py does
(informative: mean KL > 0.01; a latent matches a factor when |r| > 0.85 with it and < 0.2 with
every other).

    python3 bench/latent_factors_torch.py [--seed 0] [--steps 5000] [--lr 5e-4] [--threads 2]
        [--eval-every K] [--save-latents FILE.npz] [-p pipelines/quick-bvae.toml]
        [--set STAGE.KEY=VALUE ...] [--out FILE.json]

Needs the pipeline's `faces` and `split` nodes computed (`flow run`; the script runs
`flow run --until split` itself) and the flow binary (FLOW_BIN, default target/release/flow).
Runs itself in bench/.venv (torch + numpy, installed as bench/train_speed.py does).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import ensure_venv, write_results
from train_speed import install_torch

ensure_venv(["torch", "numpy"], ["torch", "numpy"], install_torch)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from latent_factors import analyse  # noqa: E402
from torch_betavae import BetaVae  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOW = os.environ.get("FLOW_BIN", os.path.join(ROOT, "target", "release", "flow"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-p", "--pipeline", default="pipelines/quick-bvae.toml")
    ap.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=VALUE")
    ap.add_argument("--images", default="split.train_images", help="NODE.PORT of the training images")
    ap.add_argument("--faces", default="faces", help="the synthetic-faces node (its `factors`)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--beta", type=float, default=4.0)
    ap.add_argument("--latents", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=0, metavar="K",
                    help="also correlate the latents with the factors every K steps (the summary "
                         "gets one entry per evaluation under `curve`)")
    ap.add_argument("--save-latents", default=None, metavar="FILE.npz",
                    help="also save the final latent means, their mean KL and the factors")
    ap.add_argument("--out", default=None, help="summary JSON (default: bench/results/"
                    "latent_factors_torch_<steps>_seed<seed>.json)")
    args = ap.parse_args()
    sets = [a for kv in args.set for a in ("--set", kv)]
    node, port = args.images.split(".")

    def flow(*a):
        subprocess.run([FLOW, *a], cwd=ROOT, check=True)

    flow("run", args.pipeline, *sets, "--until", node)
    tmp = tempfile.mkdtemp()
    flow("export", node, "-p", args.pipeline, *sets, "--port", port, "--to", os.path.join(tmp, "images.json"))
    flow("export", args.faces, "-p", args.pipeline, *sets, "--port", "factors", "--to", os.path.join(tmp, "factors.csv"))
    rows = json.load(open(os.path.join(tmp, "images.json")))
    ids = [r["image_id"] for r in rows]
    X = np.array([r["pixels"] for r in rows], dtype=np.float32).reshape(len(rows), 1, 64, 64)
    with open(os.path.join(tmp, "factors.csv")) as f:
        table = list(csv.reader(f))
    names = table[0][1:]
    by_id = {r[0]: [float(v) for v in r[1:]] for r in table[1:]}
    factors = np.array([by_id[i] for i in ids])

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = BetaVae(args.latents)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-8)
    data = torch.from_numpy(X)
    n, batch = len(data), 16
    gen = torch.Generator().manual_seed(args.seed)
    order, pos = torch.randperm(n, generator=gen), 0
    start, curve = time.perf_counter(), []
    for step in range(1, args.steps + 1):
        if pos + batch > n:
            order, pos = torch.randperm(n, generator=gen), 0
        x = data[order[pos:pos + batch]]
        pos += batch
        mu, logvar = model.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        rec = F.binary_cross_entropy_with_logits(model.decoder(z), x, reduction="sum") / batch
        kl = (0.5 * (mu.square() + logvar.exp() - 1.0 - logvar)).sum() / batch
        loss = rec + args.beta * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 500 == 0 or step == args.steps:
            rate = step / (time.perf_counter() - start)
            print(f"step {step}/{args.steps} loss {loss.item():.1f} ({rate:.1f} steps/s)", file=sys.stderr)
        if args.eval_every and step % args.eval_every == 0 and step < args.steps:
            summary, recon, _, _ = evaluate(model, data, names, factors, args, step)
            curve.append({"steps": step, "informative": summary["informative"],
                          "factors_matched": summary["factors_matched"], "reconstruction_error": recon})

    summary, recon, Z, kl_mean = evaluate(model, data, names, factors, args, args.steps)
    if args.save_latents:
        np.savez(args.save_latents, latents=Z, kl=kl_mean, factors=factors, factor_names=np.array(names))
    curve.append({"steps": args.steps, "informative": summary["informative"],
                  "factors_matched": summary["factors_matched"], "reconstruction_error": recon})
    summary = {"pipeline": args.pipeline, "trainer": "pytorch " + torch.__version__, **summary,
               "reconstruction_error": recon, "steps": args.steps, "lr": args.lr, "beta": args.beta,
               "seed": args.seed, "threads": args.threads}
    if args.eval_every:
        summary["curve"] = curve
    out = args.out or os.path.join(ROOT, "bench", "results",
                                   f"latent_factors_torch_{args.steps}_seed{args.seed}.json")
    write_results(Path(out), summary)


def encode_all(model, data):
    """One pass over the images: their latent means, each latent's KL from the prior averaged
    over images, and the reconstruction error (squared error of the decoded means, summed per
    image, averaged over images)."""
    with torch.no_grad():
        mus, kls, sq = [], [], 0.0
        for i in range(0, len(data), 256):
            x = data[i:i + 256]
            mu, logvar = model.encode(x)
            mus.append(mu)
            kls.append(0.5 * (mu.square() + logvar.exp() - 1.0 - logvar))
            sq += float(((torch.sigmoid(model.decoder(mu)) - x) ** 2).sum())
    Z = torch.cat(mus).numpy().astype(np.float64)
    return Z, torch.cat(kls).mean(0).numpy().astype(np.float64), sq / len(data)


def evaluate(model, data, names, factors, args, step):
    """The latents of every image correlated with the factors (`analyse`), printed; returns the
    summary, the reconstruction error, the latent means and their mean KL."""
    Z, kl_mean, recon = encode_all(model, data)
    label = f"pytorch seed {args.seed}, {step} steps, lr {args.lr}"
    summary = analyse(label, [f"z{j:02}" for j in range(args.latents)], Z, kl_mean, names, factors)
    print(f"reconstruction error {recon:.1f} (summed squared error per image), steps {step}, lr {args.lr}")
    return summary, recon, Z, kl_mean


if __name__ == "__main__":
    main()
