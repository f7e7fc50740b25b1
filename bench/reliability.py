#!/usr/bin/env python3
"""The reliability campaigns of issue 22: flow's promises about its cache tested many times over,
with figures (RELIABILITY.md says what is promised and shows the last campaign's numbers).

    cargo build --release -p flow
    python3 bench/reliability.py kill [--trials 100]          # SIGKILL at random moments
    python3 bench/reliability.py concurrency [--repeats 20]   # 4 processes on one cache
    python3 bench/reliability.py corruption [--trials 100]    # flipped, truncated, deleted bytes
    python3 bench/reliability.py enospc                       # a full disk (root, tmpfs)
    python3 bench/reliability.py all

`FLOW_BIN` picks the binary (tests/reliability.rs runs short versions on the debug build),
`--out` the results file.

Each campaign prints its figures and adds them to bench/results/reliability.json. Standard
library only; the pipelines are generated into a scratch folder (the smoke DAG is
pipelines/smoke.toml; the paper-shaped DAG has ~1,800 trivial nodes in the shape of paper.toml:
sweeps, maps, gathers with group_by, a published table).

**kill**: per trial a fresh cache is seeded with a random prefix of the pipeline (an
uninterrupted `--until` run of a random stage, or nothing), then `flow run` is started and
SIGKILLed after a random delay; with probability 1/4 a second `flow run` of the same pipeline
runs beside it, so that the kill can land while one waits for the other's lock. The phase the
kill hit is read from the killed process's last line (planning: nothing started yet; computing;
training (a `train` node running, checkpoints every 0.1 s); lock wait; publishing). After the
kill: the pipeline is re-run to completion; then `flow cache verify` must be clean, the cache's
`tmp/` must be empty, and every stored artifact and published file must be byte-identical to
those of an uninterrupted reference run.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOW = Path(os.environ.get("FLOW_BIN", REPO / "target" / "release" / "flow"))
RESULTS = REPO / "bench" / "results" / "reliability.json"
SMOKE = REPO / "pipelines" / "smoke.toml"


def paper_shaped(path: Path) -> Path:
    """A DAG of 1,831 trivial nodes shaped like paper.toml: a 30 × 20 sweep, two maps over it,
    a gather per sweep value, a gather of everything, and a published table."""
    path.write_text("""[pipeline]
name = "paper-shaped"

[stages.source]
kind = "constant"
rows = 8
sweep.value = { linspace = [0.5, 20.0, 30] }
sweep.seed = { range = [0, 20] }

[stages.clipped]
kind = "clip"
table = "source"
min = 1.0
max = 15.0

[stages.scaled]
kind = "clip"
table = "clipped"
min = 2.0
max = 14.0

[stages.per_value]
kind = "sum"
parts = "scaled"
group_by = "value"

[stages.total]
kind = "sum"
parts = "per_value"

[publish]
"total.csv" = "total.table"
""")
    return path


def run_flow(args, cache, results=None, env=None, check=True):
    cmd = [str(FLOW), *args, "--cache", str(cache)]
    if results is not None:
        cmd += ["--results", str(results)]
    return subprocess.run(cmd, capture_output=True, text=True, check=check, env=env)


def tree_digests(root: Path, sub: str) -> dict:
    """blake2b of every file under root/sub, by relative path."""
    out = {}
    base = root / sub
    if not base.exists():
        return out
    for p in sorted(base.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
    return out


def artifacts(cache: Path) -> dict:
    """Every stored port file, by object key and path (manifests carry timings: left out)."""
    return {k: v for k, v in tree_digests(cache, "objects").items() if "/ports/" in k}


def verify_clean(cache: Path) -> bool:
    r = run_flow(["cache", "verify"], cache, check=False)
    return r.returncode == 0 and "all intact" in r.stdout


def phase_of(lines, train_nodes):
    """The phase a process was in when killed, from its progress lines."""
    if not lines:
        return "planning"
    last = lines[-1]
    if "published" in last:
        return "publishing"
    if "waiting for" in last:
        return "lock wait"
    if any(l.startswith("flow: ") and "computed" in l for l in lines):
        return "publishing"
    running = {}
    for l in lines:
        m = re.match(r"\[\d+/\d+\] (start|done|reused|failed) (\S+)", l)
        if m:
            running[m.group(2)] = m.group(1) == "start"
    if not running:
        return "planning"
    active = [n for n, on in running.items() if on]
    if any(n.split("[")[0] in train_nodes for n in active):
        return "training"
    return "computing"


def kill_campaign(args):
    work = Path(tempfile.mkdtemp(prefix="flow-kill-"))
    pipelines = [("smoke", SMOKE, {"bvae", "ae", "vae", "classifier", "sf_model"}),
                 ("paper-shaped", paper_shaped(work / "paper-shaped.toml"), set())]
    pipelines = [p for p in pipelines if p[0] in args.pipelines.split(",")]
    env = dict(os.environ, FLOW_CHECKPOINT_SECONDS="0.1")
    rng = random.Random(args.seed)
    figures = {"trials": 0, "failures": 0, "phases": {}, "per_pipeline": {}, "failed": []}
    for name, pipeline, train_nodes in pipelines:
        ref_cache, ref_results = work / f"{name}-ref", work / f"{name}-ref-results"
        t = time.perf_counter()
        run_flow(["run", str(pipeline)], ref_cache, ref_results, env=env)
        length = time.perf_counter() - t
        ref = artifacts(ref_cache)
        ref_pub = tree_digests(ref_results, ".")
        stages = [l.split()[1] for l in run_flow(["plan", str(pipeline)], ref_cache).stdout.splitlines()
                  if l.startswith(("cached", "run"))]
        trials = args.trials // len(pipelines)
        per = figures["per_pipeline"].setdefault(name, {"trials": 0, "failures": 0, "uninterrupted_s": round(length, 2)})
        for trial in range(trials):
            cache, results = work / f"{name}-{trial}", work / f"{name}-{trial}-results"
            # A random prefix already cached, as after an earlier session.
            if rng.random() < 0.5 and stages:
                until = rng.choice(stages).split("[")[0]
                run_flow(["run", str(pipeline), "--until", until], cache, results, env=env, check=False)
            # The run left to do: the uninterrupted time scaled by the share of nodes not cached.
            counts = re.search(r"(\d+) nodes, (\d+) cached, (\d+) to run",
                               run_flow(["plan", str(pipeline)], cache, check=False).stdout)
            left = length * (int(counts.group(3)) / max(1, int(counts.group(1))) if counts else 1.0)
            # Spread over the phases: a tenth of the kills in the first 0.2 s (planning), a tenth in
            # the last tenth of the run (publishing), the rest anywhere.
            u = rng.random()
            delay = (rng.uniform(0.0, min(0.2, left)) if u < 0.1 else rng.uniform(0.9 * left, left) if u < 0.2
                     else rng.uniform(0.0, left))
            procs = [subprocess.Popen([str(FLOW), "run", str(pipeline), "--cache", str(cache), "--results", str(results),
                                       "--progress", "lines"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      text=True, env=env)]
            if rng.random() < 0.25:
                procs.append(subprocess.Popen([str(FLOW), "run", str(pipeline), "--cache", str(cache), "--results",
                                               str(results), "--progress", "lines"], stderr=subprocess.PIPE,
                                              stdout=subprocess.DEVNULL, text=True, env=env))
            victim = procs[rng.randrange(len(procs))]
            time.sleep(delay)
            finished_first = victim.poll() is not None
            victim.send_signal(signal.SIGKILL)
            outs = {id(p): p.communicate()[1] for p in procs}
            lines = [l for l in outs[id(victim)].splitlines() if l.strip()]
            phase = "after the end" if finished_first else phase_of(lines, train_nodes)

            figures["phases"][phase] = figures["phases"].get(phase, 0) + 1
            rerun = run_flow(["run", str(pipeline)], cache, results, env=env, check=False)
            problems = []
            if rerun.returncode != 0:
                problems.append(f"re-run failed: {rerun.stderr[-400:]}")
            if not verify_clean(cache):
                problems.append("cache verify not clean")
            leftovers = list((cache / "tmp").glob("*")) if (cache / "tmp").exists() else []
            if leftovers:
                problems.append(f"{len(leftovers)} staging leftovers in tmp/")
            got = artifacts(cache)
            if got != ref:
                missing = set(ref) - set(got)
                differ = [k for k in ref if k in got and got[k] != ref[k]]
                problems.append(f"artifacts differ from the uninterrupted run: {len(missing)} missing, {len(differ)} different")
            if tree_digests(results, ".") != ref_pub:
                problems.append("published files differ")
            figures["trials"] += 1
            per["trials"] += 1
            if problems:
                figures["failures"] += 1
                per["failures"] += 1
                figures["failed"].append({"pipeline": name, "trial": trial, "delay_s": round(delay, 3),
                                          "phase": phase, "problems": problems})
                print(f"  FAIL {name} trial {trial} ({phase}, {delay:.2f} s): {problems}", file=sys.stderr)
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(results, ignore_errors=True)
            print(f"{name} {trial + 1}/{trials}: killed in {phase} at {delay:.2f} s"
                  f"{' (2 processes)' if len(procs) > 1 else ''}: {'ok' if not problems else 'FAILED'}",
                  file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    landed = figures["trials"] - figures["phases"].get("after the end", 0)
    figures["kills_landed"] = landed
    print(f"kill: {figures['trials']} trials, {landed} kills landed mid-run, {figures['failures']} failures; "
          f"phases hit: {figures['phases']}")
    return figures


def computed_nodes(stderr: str):
    return [m.group(1) for m in re.finditer(r"\] done (\S+) in ", stderr)]


def concurrency_campaign(args):
    work = Path(tempfile.mkdtemp(prefix="flow-conc-"))
    base = paper_shaped(work / "a.toml").read_text()
    # Four overlapping pipelines: the same sweep, and each adds or changes a branch.
    variants = [base,
                base + '\n[stages.extra]\nkind = "clip"\ntable = "per_value"\nmin = 0.0\nmax = 100.0\n',
                base.replace("max = 14.0", "max = 13.0"),
                base.replace('sweep.seed = { range = [0, 20] }', 'sweep.seed = { range = [0, 10] }')]
    paths = []
    for i, text in enumerate(variants):
        p = work / f"v{i}.toml"
        p.write_text(text)
        paths.append(p)
    figures = {"repeats": 0, "failures": 0, "nodes_per_repeat": None, "max_seconds": 0.0, "failed": []}
    for rep in range(args.repeats):
        cache = work / f"cache-{rep}"
        t = time.perf_counter()
        procs = [subprocess.Popen([str(FLOW), "run", str(p), "--cache", str(cache), "--progress", "lines",
                                   "--results", str(work / f"res-{rep}-{i}")],
                                  stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
                 for i, p in enumerate(paths)]
        problems = []
        outs = []
        for p in procs:
            try:
                _, err = p.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                p.kill()
                err = p.communicate()[1]
                problems.append("a process did not finish in 600 s")
            outs.append(err)
            if p.returncode != 0:
                problems.append(f"a process failed: {err[-300:]}")
        seconds = time.perf_counter() - t
        computed = [n for err in outs for n in computed_nodes(err)]
        # Nodes are named per pipeline; count by cache key instead: every object computed once.
        objects = len([d for d in (cache / "objects").glob("*/*") if d.is_dir()])
        if len(computed) != objects:
            problems.append(f"{len(computed)} computations for {objects} stored objects")
        if not verify_clean(cache):
            problems.append("cache verify not clean")
        figures["repeats"] += 1
        figures["nodes_per_repeat"] = objects
        figures["max_seconds"] = max(figures["max_seconds"], round(seconds, 2))
        if problems:
            figures["failures"] += 1
            figures["failed"].append({"repeat": rep, "problems": problems})
        print(f"repeat {rep + 1}/{args.repeats}: {len(computed)} computations, {objects} objects, "
              f"{seconds:.1f} s: {'ok' if not problems else problems}", file=sys.stderr)
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    print(f"concurrency: {figures['repeats']} repeats of 4 processes, {figures['failures']} failures, "
          f"{figures['nodes_per_repeat']} objects each, slowest {figures['max_seconds']} s")
    return figures


def corruption_campaign(args):
    work = Path(tempfile.mkdtemp(prefix="flow-corrupt-"))
    pipeline = paper_shaped(work / "p.toml")
    small = work / "small.toml"
    small.write_text(pipeline.read_text().replace("range = [0, 20]", "range = [0, 2]")
                     .replace("linspace = [0.5, 20.0, 30]", "linspace = [0.5, 20.0, 5]"))
    cache = work / "cache"
    run_flow(["run", str(small)], cache, work / "ref-results")
    ref = artifacts(cache)
    ref_pub = tree_digests(work / "ref-results", ".")
    rng = random.Random(args.seed)
    figures = {"trials": 0, "detected": 0, "recomputed": 0, "failures": 0, "kinds": {}, "failed": []}
    for trial in range(args.trials):
        # What an artifact is: its manifest and its port files (`last-use` is gc's bookkeeping).
        files = sorted(p for p in (cache / "objects").rglob("*")
                       if p.is_file() and (p.name == "manifest.json" or "ports" in p.parts))
        victim = rng.choice(files)
        node = json.loads((victim.parents[len(victim.relative_to(cache / "objects").parts) - 3]
                           / "manifest.json").read_text())["node"]
        kind = rng.choice(["flip", "truncate", "delete"])
        data = victim.read_bytes()
        if kind == "flip" and data:
            i = rng.randrange(len(data))
            victim.write_bytes(data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:])
        elif kind == "truncate" and data:
            victim.write_bytes(data[:rng.randrange(len(data))])
        else:
            kind = "delete"
            victim.unlink()
        figures["kinds"][kind] = figures["kinds"].get(kind, 0) + 1
        key_dir = victim.relative_to(cache / "objects").parts[:2]
        problems = []
        # 1. `verify` finds it and names the object and the file.
        verify = run_flow(["cache", "verify"], cache, check=False)
        named = key_dir[1][:12] in verify.stdout
        if verify.returncode == 0 or not named:
            problems.append(f"verify did not report {'/'.join(key_dir)} ({kind} {victim.name})")
        else:
            figures["detected"] += 1
            # The node, as its manifest records it (unknown when the manifest is the deleted file).
            where = "manifest" if victim.name == "manifest.json" else "port_file"
            figures[f"{where}_trials"] = figures.get(f"{where}_trials", 0) + 1
            if node in verify.stdout:
                figures[f"{where}_node_named"] = figures.get(f"{where}_node_named", 0) + 1
        # 2. A run before any repair never uses it: it succeeds with the uninterrupted run's
        #    published bytes (the object was not needed, or was recomputed), or it stops naming
        #    the corrupt result.
        results = work / f"results-{trial}"
        before = run_flow(["run", str(small), "--progress", "lines"], cache, results, check=False)
        if before.returncode == 0:
            if tree_digests(results, ".") != ref_pub:
                problems.append("a run published bytes made from the corrupt artifact")
        elif "corrupt" in before.stderr:
            figures["stopped_at_read"] = figures.get("stopped_at_read", 0) + 1
        else:
            problems.append(f"the run failed without naming the corruption: {before.stderr[-300:]}")
        if "cached result is corrupt" in before.stderr:
            figures["recomputed_at_read"] = figures.get("recomputed_at_read", 0) + 1
        # 3. `verify --repair` removes what is left corrupt; the next run recomputes it.
        run_flow(["cache", "verify", "--repair"], cache, check=False)
        rerun = run_flow(["run", str(small), "--progress", "lines"], cache, results, check=False)
        if rerun.returncode != 0:
            problems.append(f"re-run failed: {rerun.stderr[-300:]}")
        if artifacts(cache) != ref:
            problems.append("artifacts differ after the re-run")
        elif rerun.returncode == 0:
            figures["recomputed"] += 1
        if not verify_clean(cache):
            problems.append("cache verify not clean after the re-run")
        shutil.rmtree(results, ignore_errors=True)
        figures["trials"] += 1
        if problems:
            figures["failures"] += 1
            figures["failed"].append({"trial": trial, "kind": kind, "file": str(victim.relative_to(cache)),
                                      "problems": problems})
            print(f"  FAIL trial {trial}: {kind} {victim.relative_to(cache)}: {problems}", file=sys.stderr)
            # Start the next trial from a clean cache.
            shutil.rmtree(cache, ignore_errors=True)
            run_flow(["run", str(small)], cache)
    shutil.rmtree(work, ignore_errors=True)
    print(f"corruption: {figures['trials']} trials ({figures['kinds']}), {figures['detected']} detected by verify, "
          f"{figures['recomputed']} recomputed to the same bytes, {figures['failures']} failures")
    return figures


def enospc_campaign(args):
    work = Path(tempfile.mkdtemp(prefix="flow-enospc-"))
    mount = work / "small"
    mount.mkdir()
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if m.returncode != 0:
        print(f"enospc: skipped: cannot mount a tmpfs here ({m.stderr.strip() or 'mount failed'}); run as root", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        return {"skipped": f"cannot mount a tmpfs: {m.stderr.strip()}"}
    figures = {}
    try:
        pipeline = paper_shaped(work / "p.toml")
        pipeline.write_text(pipeline.read_text().replace("rows = 8", "rows = 2000"))
        cache = mount / "cache"
        first = run_flow(["run", str(pipeline)], cache, work / "res", check=False)
        err = first.stderr
        named_node = re.search(r"(source|clipped|scaled|per_value|total)\[", err) is not None
        figures["failed_cleanly"] = first.returncode != 0
        figures["message"] = next((l for l in err.splitlines() if "No space" in l or "space" in l), err[-300:])
        figures["names_node"] = named_node
        figures["names_cache_path"] = str(cache) in err
        half = [d for d in (cache / "objects").glob("*/*") if d.is_dir() and not (d / "manifest.json").exists()]
        figures["half_written_objects"] = len(half)
        figures["staging_leftovers"] = len(list((cache / "tmp").glob("*"))) if (cache / "tmp").exists() else 0
        figures["stored_before_full"] = len([d for d in (cache / "objects").glob("*/*") if d.is_dir()])
        figures["verify_clean"] = verify_clean(cache)
        # Space freed: the same tmpfs grown in place (its files kept), then the same run.
        subprocess.run(["mount", "-o", "remount,size=512m", str(mount)], check=True)
        again = run_flow(["run", str(pipeline), "--progress", "lines"], cache, work / "res", check=False)
        figures["rerun_completes"] = again.returncode == 0
        figures["rerun_reused_stored"] = len(computed_nodes(again.stderr)) < 1831
        figures["verify_clean_after"] = verify_clean(cache)
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"enospc: {figures}")
    return figures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("campaign", choices=["kill", "concurrency", "corruption", "enospc", "all"])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pipelines", default="smoke,paper-shaped", help="kill: which DAGs (comma-separated)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="the results JSON (campaigns are merged into it)")
    args = ap.parse_args()
    todo = ["kill", "concurrency", "corruption", "enospc"] if args.campaign == "all" else [args.campaign]
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    fns = {"kill": kill_campaign, "concurrency": concurrency_campaign, "corruption": corruption_campaign,
           "enospc": enospc_campaign}
    failed = False
    for name in todo:
        t = time.perf_counter()
        fig = fns[name](args)
        fig["seconds"] = round(time.perf_counter() - t, 1)
        fig["date"] = time.strftime("%Y-%m-%d")
        fig["command"] = f"python3 bench/reliability.py {name}" + (
            f" --pipelines {args.pipelines}" if name == "kill" and args.pipelines != "smoke,paper-shaped" else "") + (
            f" --trials {args.trials}" if name in ("kill", "corruption") else
            f" --repeats {args.repeats}" if name == "concurrency" else "")
        if name == "kill" and args.pipelines != "smoke,paper-shaped":
            name = f"kill ({args.pipelines})"
        results[name] = fig
        failed |= bool(fig.get("failures"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
