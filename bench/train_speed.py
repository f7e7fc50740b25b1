#!/usr/bin/env python3
"""Training and encoding throughput of the paper's β-VAE: flow (burn's flex CPU backend) against
the same model in PyTorch on CPU, side by side in one run.

The model (both sides): 1 × 64 × 64 input; encoder Conv2d 1→32→32→64→64 (4 × 4, stride 2,
padding 1, ReLU after each), flatten (1,024), Linear 1,024→256 + ReLU, Linear 256→2N (means and
log-variances, N = 50); decoder Linear N→256 + ReLU, Linear 256→1,024 + ReLU, reshape to
64 × 4 × 4, ConvTranspose2d 64→64→32→32→1 (4 × 4, stride 2, padding 1, ReLU between, none after
the last: pixel logits). Loss per batch: mean over images of the per-image sum of
BCE-with-logits, plus β = 4 times the mean over images of the per-image sum of
½(μ² + exp(log σ²) − 1 − log σ²), with z = μ + exp(½ log σ²)·ε. Adam, lr 1e-4, eps 1e-8,
batch 16, batches drawn without replacement from 512 fixed pseudo-random images in [0, 1] (the
same pixels on both sides).

A step is forward + backward + optimizer step + reading the loss (flow's `train` reads the total,
the reconstruction term and the KL term as scalars; the PyTorch side calls `.item()` on the
same three). After `--warmup` steps, `--steps` steps are timed and the rate is the median over
blocks of 10 steps (the upper median, as the Rust side computes it). Encoding: the encoder's
means of 2,162 images in batches of 256 (PyTorch under `torch.no_grad()`), best of 3 after one
warm-up pass, with the trained model, in images/s.

Settings, each measured for flow and PyTorch, alternately (never concurrently, except the two
processes of one setting (b) run):
  (a) one model training on 2 threads;
  (b) two models training at once on 1 thread each (two processes started together): per-model
      rate and the sum;
  (c) encoding on 2 threads (from the (a) processes, after training).
Every measurement is a fresh process: flow's `train_speed` example with `--threads T` and
RAYON_NUM_THREADS=T; this script as a PyTorch worker with OMP_NUM_THREADS=MKL_NUM_THREADS=T
and `torch.set_num_threads(T)`. For every process the script also records its CPU seconds and
the most threads it was seen running (from /proc), to show whether the thread limits held.

Usage (needs the release example, built once):

    cargo build --release -p flow-models --example train_speed
    python3 bench/train_speed.py                 # --reps 3; ~4 min on 2 idle cores
    python3 bench/train_speed.py --quick         # 60 timed steps, 1 rep; ~1 min

The first run creates bench/.venv (if missing) and installs torch into it: first from the
CPU-only wheel index (download.pytorch.org/whl/cpu), else from PyPI, whose Linux wheel also
pulls the CUDA libraries (~5 GB on disk; only the CPU is used here). Results: printed, and
written to bench/results/train_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchenv import ensure_venv, write_results

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results" / "train_speed.json"
FLOW_EXE = REPO / "target" / "release" / "examples" / "train_speed"

LATENTS = 50
BATCH = 16
BETA = 4.0
LR = 1e-4
N_TRAIN = 512  # images the batches are drawn from, as in models/examples/train_speed.rs
ENCODE_BATCH = 256


def install_torch(pip: list[str]) -> None:
    """torch from the CPU-only wheel index, else from PyPI (whose wheel pulls CUDA libraries)."""
    cpu = subprocess.run([*pip, "--retries", "0", "--timeout", "15", "torch", "numpy",
                          "--index-url", "https://download.pytorch.org/whl/cpu"])
    if cpu.returncode != 0:
        print("CPU wheel index unreachable; installing torch from PyPI (pulls CUDA libraries)",
              file=sys.stderr)
        subprocess.run([*pip, "torch", "numpy"], check=True)


# ---------------------------------------------------------------------------------------------
# The PyTorch worker: one measurement in this process (started by the driver with the thread
# environment already set, so that OpenMP/MKL read it before torch loads).


def images(n: int, mult: int):
    """The same fixed pixels as models/examples/train_speed.rs: ((i · mult) mod 1000) / 1000."""
    import numpy as np

    i = np.arange(n * 4096, dtype=np.uint64)
    return ((i * np.uint64(mult)) % np.uint64(1000)).astype(np.float32).reshape(n, 1, 64, 64) / np.float32(1000)


def worker(args) -> None:
    import torch
    import torch.nn.functional as F
    from torch_betavae import BetaVae

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n_lat = args.latents
    model = BetaVae(n_lat)
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-8)
    train = torch.from_numpy(images(N_TRAIN, 2654435761))
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(N_TRAIN, generator=gen)
    pos = 0

    def step() -> float:
        nonlocal order, pos
        if pos + BATCH > N_TRAIN:  # a fresh permutation per epoch (512 is a multiple of 16)
            order, pos = torch.randperm(N_TRAIN, generator=gen), 0
        x = train[order[pos:pos + BATCH]]
        pos += BATCH
        eps = torch.randn(BATCH, n_lat)
        enc = model.encoder(x)
        mu, logvar = enc[:, :n_lat], enc[:, n_lat:]
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = model.decoder(z)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / BATCH
        kl = (0.5 * (mu.square() + logvar.exp() - 1.0 - logvar)).sum() / BATCH
        loss = rec + BETA * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total = loss.item()
        rec.item(), kl.item()  # as flow's trainer reads all three
        return total

    times = [time.perf_counter()]
    for _ in range(args.warmup + args.steps):
        step()
        times.append(time.perf_counter())
    t = times[args.warmup:]
    rates = sorted(10.0 / (t[k + 10] - t[k]) for k in range(0, len(t) - 10, 10))
    steps_per_s = rates[len(rates) // 2]

    enc_rate = None
    if args.encode:
        enc_x = torch.from_numpy(images(args.encode, 40503))
        model.eval()

        def encode():
            with torch.no_grad():
                out = [model.encoder(enc_x[i:i + ENCODE_BATCH])[:, :n_lat] for i in range(0, args.encode, ENCODE_BATCH)]
                return torch.cat(out).numpy()

        encode()  # warm-up
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            z = encode()
            best = min(best, time.perf_counter() - t0)
            assert z.shape == (args.encode, n_lat)
        enc_rate = args.encode / best
    print(json.dumps({
        "backend": "pytorch-cpu", "torch": torch.__version__, "threads": args.threads,
        "torch_threads": torch.get_num_threads(), "latents": n_lat, "batch": BATCH,
        "steps_timed": args.steps, "steps_per_s": steps_per_s, "encode_images": args.encode,
        "encode_images_per_s": enc_rate,
    }))


# ---------------------------------------------------------------------------------------------
# The driver.


def thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for k in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    return env


def proc_threads(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_together(cmds: list[list[str]], threads: int) -> list[dict]:
    """Starts the commands at once, waits for all; each one's JSON plus wall/CPU seconds and the
    most threads it was seen with (sampled every 0.25 s from /proc)."""
    env = thread_env(threads)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True, env=env) for c in cmds]
    info = {p.pid: {"max_threads": 0} for p in procs}
    live = {p.pid: p for p in procs}
    while live:
        for pid in list(live):
            info[pid]["max_threads"] = max(info[pid]["max_threads"], proc_threads(pid))
            waited, status, ru = os.wait4(pid, os.WNOHANG)
            if waited:
                info[pid].update(wall_s=time.perf_counter() - t0, cpu_s=ru.ru_utime + ru.ru_stime,
                                 rc=os.waitstatus_to_exitcode(status))
                del live[pid]
        time.sleep(0.25)
    out = []
    for p, c in zip(procs, cmds):
        stdout, stderr = p.stdout.read(), p.stderr.read()
        p.stdout.close(), p.stderr.close()
        p.returncode = info[p.pid]["rc"]  # reaped by wait4 above
        if p.returncode != 0:
            sys.exit(f"command failed ({p.returncode}): {' '.join(c)}\n--- stdout\n{stdout[-3000:]}\n--- stderr\n{stderr[-3000:]}")
        try:
            r = json.loads(stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            sys.exit(f"no JSON from {' '.join(c)}:\n{stdout[-3000:]}\n{stderr[-3000:]}")
        i = info[p.pid]
        r["process"] = {"wall_s": round(i["wall_s"], 3), "cpu_s": round(i["cpu_s"], 3),
                        "cpu_per_wall": round(i["cpu_s"] / i["wall_s"], 2), "max_threads": i["max_threads"]}
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300, help="timed steps per run (default 300)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first (default 20)")
    ap.add_argument("--reps", type=int, default=3, help="runs per setting and side; the median is reported (default 3)")
    ap.add_argument("--quick", action="store_true", help="a fast check: --steps 60 --reps 1")
    ap.add_argument("--encode", type=int, default=2162, help="images to encode (default 2162)")
    ap.add_argument("--latents", type=int, default=LATENTS)
    ap.add_argument("--flow", type=Path, default=FLOW_EXE, help="the flow train_speed example binary")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.steps, args.reps = 60, 1
    if args.steps < 10 or args.steps % 10:
        sys.exit("--steps must be a positive multiple of 10 (rates are taken over blocks of 10 steps)")
    if args.worker:
        return worker(args)

    flow = args.flow.resolve()
    if not flow.exists():
        sys.exit(f"{flow} not found: build it first with `cargo build --release -p flow-models --example train_speed`")
    load_before = os.getloadavg()
    nproc = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or 0)
    import torch  # noqa: PLC0415  (only for its version; the workers are separate processes)

    torch_version = torch.__version__
    print(f"torch {torch_version}; nproc {nproc}; load average {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}; {args.steps} timed steps after {args.warmup}, {args.reps} rep(s)", file=sys.stderr)

    def flow_cmd(threads: int, encode: int) -> list[str]:
        return [str(flow), "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(threads),
                "--latents", str(args.latents), "--encode", str(encode)]

    def torch_cmd(threads: int, encode: int) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--worker", "--threads", str(threads),
                "--steps", str(args.steps), "--warmup", str(args.warmup), "--latents", str(args.latents),
                "--encode", str(encode)]

    # Setting (b) encodes only one batch after training, to keep the two processes' runs aligned.
    small = min(ENCODE_BATCH, args.encode)
    sides = {"flow": flow_cmd, "pytorch": torch_cmd}
    runs: dict[str, dict[str, list]] = {"a": {"flow": [], "pytorch": []}, "b": {"flow": [], "pytorch": []}}
    for rep in range(args.reps):
        for side, cmd in sides.items():
            r = run_together([cmd(2, args.encode)], 2)[0]
            runs["a"][side].append(r)
            print(f"rep {rep + 1}: (a)+(c) {side:<7} {r['steps_per_s']:6.2f} steps/s, {r['encode_images_per_s']:7.0f} "
                  f"images/s  (cpu/wall {r['process']['cpu_per_wall']}, threads {r['process']['max_threads']})",
                  file=sys.stderr)
        for side, cmd in sides.items():
            rs = run_together([cmd(1, small), cmd(1, small)], 1)
            runs["b"][side].append(rs)
            print(f"rep {rep + 1}: (b)     {side:<7} " + " + ".join(f"{r['steps_per_s']:.2f}" for r in rs)
                  + " steps/s  (cpu/wall " + ", ".join(str(r["process"]["cpu_per_wall"]) for r in rs)
                  + "; threads " + ", ".join(str(r["process"]["max_threads"]) for r in rs) + ")", file=sys.stderr)

    med = statistics.median
    table = []
    for name, unit, pick in [
        ("(a) train, 1 model × 2 threads", "steps/s", lambda s: med(r["steps_per_s"] for r in runs["a"][s])),
        ("(b) train, 2 models × 1 thread, per model", "steps/s",
         lambda s: med(statistics.mean(r["steps_per_s"] for r in rs) for rs in runs["b"][s])),
        ("(b) train, 2 models × 1 thread, sum", "steps/s",
         lambda s: med(sum(r["steps_per_s"] for r in rs) for rs in runs["b"][s])),
        ("(c) encode 2 threads", "images/s", lambda s: med(r["encode_images_per_s"] for r in runs["a"][s])),
    ]:
        f, t = pick("flow"), pick("pytorch")
        table.append({"setting": name, "unit": unit, "flow": f, "pytorch": t, "flow_over_pytorch": f / t})
    load_after = os.getloadavg()

    print()
    print(f"β-VAE 64×64, batch {BATCH}, {args.latents} latents; median of {args.reps} run(s), each the median over "
          f"blocks of 10 of {args.steps} steps; torch {torch_version}")
    print(f"{'setting':<44} {'unit':<9} {'flow':>9} {'PyTorch':>9} {'flow/PyTorch':>13}")
    for r in table:
        print(f"{r['setting']:<44} {r['unit']:<9} {r['flow']:>9.2f} {r['pytorch']:>9.2f} {r['flow_over_pytorch']:>12.2f}×")
    print(f"load average {load_before[0]:.2f} → {load_after[0]:.2f}; nproc {nproc}")

    out = {
        "benchmark": "train_speed",
        "model": "beta-VAE (Higgins et al. 2021), 1×64×64, conv 32-32-64-64, fc 256, beta 4",
        "latents": args.latents, "batch": BATCH, "lr": LR, "adam_eps": 1e-8,
        "steps_timed": args.steps, "warmup": args.warmup, "reps": args.reps,
        "encode_images": args.encode, "encode_batch": ENCODE_BATCH,
        "torch_version": torch_version,
        "flow_binary": {"path": str(flow), "mtime": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(flow.stat().st_mtime))},
        "git_head": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                   text=True).stdout.strip() or None,
        "python": platform.python_version(),
        "machine": {"nproc": nproc, "cpus": os.cpu_count(), "platform": platform.platform(),
                    "cpu_model": next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                                       if ln.startswith("model name")), None),
                    "loadavg_before": load_before, "loadavg_after": load_after},
        "date": time.strftime("%Y-%m-%d"),
        "command": "python3 bench/train_speed.py" + (" --quick" if args.quick else ""),
        "table": table,
        "runs": runs,
    }
    write_results(args.out, out)


if __name__ == "__main__":
    ensure_venv(["torch", "numpy"], ["torch", "numpy"], install_torch)
    main()
