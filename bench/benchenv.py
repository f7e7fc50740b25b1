"""What the benchmark scripts share: their Python environment (bench/.venv) and how they write
results.

`ensure_venv` re-runs the calling script inside bench/.venv, creating it and installing what
the script imports when missing; `write_results` writes a results JSON and says where.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv"


def ensure_venv(modules: Sequence[str], packages: Sequence[str],
                install: Callable[[list[str]], None] | None = None) -> None:
    """Re-executes this script with bench/.venv's Python unless already there. If importing
    `modules` fails in the venv, installs `packages` first (with `install(pip_command)` when
    given, else plain `pip install`)."""
    py = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not py.exists():
        print(f"creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(py), "-c", "import " + ", ".join(modules)], capture_output=True)
    if probe.returncode != 0:
        print(f"installing {', '.join(packages)} into bench/.venv", file=sys.stderr)
        pip = [str(py), "-m", "pip", "install", "-q"]
        if install is None:
            subprocess.run([*pip, *packages], check=True)
        else:
            install(pip)
    os.execv(str(py), [str(py), *sys.argv])


def write_results(out: Path, results: dict) -> None:
    """Writes `results` as indented JSON to `out` (creating its folder) and says so on stderr."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    shown = out.relative_to(REPO) if out.resolve().is_relative_to(REPO) else out
    print(f"wrote {shown}", file=sys.stderr)


def median_time(reps: int, f) -> float:
    """The median wall time of `reps` calls of `f`, in seconds."""
    import statistics
    import time

    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
