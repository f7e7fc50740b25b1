#!/usr/bin/env python3
"""Foreign readers (issue 22; RELIABILITY.md): what flow writes opens in the tools scientists use.

1. Every table artifact in the cache of a pipeline run (the smoke DAG by default; `--pipeline
   pipelines/quick.toml` for the quick one) opens in pyarrow and in polars (Python), and both
   give the same values.
2. `flow export` of every table to Parquet, CSV and JSON reads back (pyarrow.parquet,
   pyarrow.csv, json) to the same values: exactly for Parquet and JSON, and for CSV to the
   float64 printing's round trip (flow writes the shortest representation that reads back).
3. A trained model's `model.safetensors` (the pipeline's first `train` node of a β-VAE) loads
   into the same architecture in PyTorch (bench/torch_betavae.py) and reproduces flow's latent
   means on 100 images to 1e-5.

    cargo build --release -p flow
    python3 bench/foreign_readers.py [--pipeline pipelines/smoke.toml] [--no-run]

Writes bench/results/foreign_readers.json. Runs itself in bench/.venv (pyarrow, polars, torch).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import REPO, ensure_venv, write_results  # noqa: E402

FLOW = Path(os.environ.get("FLOW_BIN", REPO / "target" / "release" / "flow"))


def same(a, b, rel=0.0, f32=False):
    """Values equal, NaN equal to NaN (and to None where a reader has no NaN), floats within rel;
    `f32`: compared as float32 (a Float32 column written as text keeps float32's shortest digits)."""
    if f32 and isinstance(a, float) and isinstance(b, float):
        import numpy as np
        return bool(np.float32(a) == np.float32(b)) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b or (rel > 0 and math.isclose(a, b, rel_tol=rel, abs_tol=0.0))
    if isinstance(a, float) and b is None or a is None and isinstance(b, float):
        v = a if a is not None else b
        return math.isnan(v)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel, f32) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b) or (rel > 0 and math.isclose(float(a), float(b), rel_tol=rel))
    return a == b


def arrow_equal(a, b, f32=False):
    """Two Arrow arrays (or chunked arrays) hold the same values: numeric ones compared with
    numpy (NaN equal to NaN; as float32 when `f32`), nested ones on their flattened values,
    others as Python values. Returns None or what differs."""
    import numpy as np
    import pyarrow as pa
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if isinstance(b, pa.ChunkedArray):
        b = b.combine_chunks()
    if len(a) != len(b):
        return f"{len(a)} vs {len(b)} rows"
    nested = pa.types.is_nested(a.type)
    if nested != pa.types.is_nested(b.type):
        return f"types {a.type} vs {b.type}"
    if nested:
        a, b = a.flatten(), b.flatten()
        if len(a) != len(b):
            return f"{len(a)} vs {len(b)} nested values"
    numeric = lambda t: pa.types.is_integer(t) or pa.types.is_floating(t)  # noqa: E731
    if numeric(a.type) and numeric(b.type):
        x = a.to_numpy(zero_copy_only=False).astype(np.float64)
        y = b.to_numpy(zero_copy_only=False).astype(np.float64)
        if f32:
            x, y = x.astype(np.float32), y.astype(np.float32)
        bad = ~((x == y) | (np.isnan(x) & np.isnan(y)))
        if bad.any():
            i = int(np.argmax(bad))
            return f"value {i}: {x[i]!r} vs {y[i]!r}"
        return None
    xs, ys = a.to_pylist(), b.to_pylist()
    for i, (x, y) in enumerate(zip(xs, ys)):
        if not same(x, y, 0.0, f32):
            return f"value {i}: {str(x)[:60]} vs {str(y)[:60]}"
    return None


def columns_equal(left: dict, right: dict, rel=0.0, f32_columns=()):
    if list(left) != list(right):
        return f"columns {list(left)} vs {list(right)}"
    for name in left:
        a, b = left[name], right[name]
        if len(a) != len(b):
            return f"{name}: {len(a)} vs {len(b)} rows"
        for i, (x, y) in enumerate(zip(a, b)):
            if not same(x, y, rel, name in f32_columns):
                return f"{name} row {i}: {str(x)[:60]} vs {str(y)[:60]}"
    return None


def main():
    import numpy as np
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq
    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline", type=Path, default=REPO / "pipelines" / "smoke.toml")
    ap.add_argument("--cache", type=Path, default=None, help="default: a fresh one (the run is part of the check)")
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "foreign_readers.json")
    args = ap.parse_args()
    args.out = args.out.resolve()
    work = Path(tempfile.mkdtemp(prefix="flow-foreign-"))
    cache = args.cache or work / "cache"
    if not args.no_run:
        subprocess.run([str(FLOW), "run", str(args.pipeline), "--cache", str(cache), "--results", str(work / "results")],
                       check=True, capture_output=True)

    objects = sorted(d for d in (cache / "objects").glob("*/*") if (d / "manifest.json").is_file())
    figures = {"pipeline": str(args.pipeline.relative_to(REPO)) if args.pipeline.is_relative_to(REPO) else str(args.pipeline),
               "tables": 0, "rows": 0, "pyarrow_polars_failures": [], "export_failures": [],
               "exports": 0}
    first_model = None
    for d in objects:
        manifest = json.loads((d / "manifest.json").read_text())
        if manifest["kind"] == "train" and first_model is None and (d / "ports/weights/model.safetensors").is_file():
            spec = json.loads((d / "ports/weights/model.json").read_text())
            if spec["kind"].get("model") in ("beta-vae", "vae"):
                first_model = (d, manifest)
        for port in manifest["ports"]:
            table = d / "ports" / port / "table.arrow"
            if not table.is_file():
                continue
            where = f"{manifest['node']}.{port}"
            figures["tables"] += 1
            t = ipc.open_file(str(table)).read_all()
            figures["rows"] += t.num_rows
            df = pl.read_ipc(str(table))
            for c in t.column_names:
                problem = arrow_equal(t.column(c), df[c].to_arrow())
                if problem:
                    figures["pyarrow_polars_failures"].append(f"{where} column {c}: {problem}")
                    break
            # flow export → Parquet, CSV, JSON, read back.
            key = d.parent.name + d.name
            f32_columns = {f.name for f in t.schema if pa.types.is_float32(f.type) or (
                pa.types.is_fixed_size_list(f.type) or pa.types.is_list(f.type)) and pa.types.is_float32(f.type.value_type)}
            nested = any(pa.types.is_nested(f.type) for f in t.schema)
            for ext in ["parquet", "csv", "json"]:
                if ext == "csv" and nested:
                    # CSV has no nested values: flow refuses, naming the file and the column type.
                    figures["csv_refused_nested"] = figures.get("csv_refused_nested", 0) + 1
                    continue
                out = work / f"export.{ext}"
                ran = subprocess.run([str(FLOW), "export", key, "--port", port, "--cache", str(cache), "--to", str(out)],
                                     capture_output=True, text=True)
                figures["exports"] += 1
                if ran.returncode != 0:
                    figures["export_failures"].append(f"{where} → {ext}: {ran.stderr.strip()[-200:]}")
                    continue
                if ext == "parquet":
                    back = pq.read_table(str(out))
                elif ext == "csv":
                    kinds = {f.name: f.type for f in t.schema}
                    opts = pacsv.ConvertOptions(column_types={n: ty for n, ty in kinds.items()
                                                              if pa.types.is_primitive(ty) or pa.types.is_string(ty)})
                    back = pacsv.read_csv(str(out), convert_options=opts)
                else:
                    rows = json.loads(out.read_text())
                    back = pa.table({c: pa.array([r.get(c) for r in rows], type=t.schema.field(c).type)
                                     for c in t.column_names}) if rows else t.slice(0, 0)
                if back.column_names != t.column_names:
                    figures["export_failures"].append(f"{where} → {ext}: columns {back.column_names}")
                    continue
                for c in t.column_names:
                    problem = arrow_equal(t.column(c), back.column(c), c in f32_columns)
                    if problem:
                        figures["export_failures"].append(f"{where} → {ext} column {c}: {problem}")
                        break
    print(f"{figures['tables']} tables ({figures['rows']} rows): pyarrow vs polars {len(figures['pyarrow_polars_failures'])} "
          f"differences; {figures['exports']} exports (Parquet, CSV, JSON) read back, {len(figures['export_failures'])} failures")
    for f in (figures["pyarrow_polars_failures"] + figures["export_failures"])[:10]:
        print("  ", f)

    # The model in PyTorch.
    if first_model is not None:
        from safetensors_torch import load_encoder
        d, manifest = first_model
        spec = json.loads((d / "ports/weights/model.json").read_text())
        encoder = load_encoder(d / "ports/weights/model.safetensors", spec["latents"])
        latents = ipc.open_file(str(d / "ports/latents/table.arrow")).read_all()
        ids = latents.column("image_id").to_pylist()[:100]
        # The images the latents are of: the node's `encode` input (or `images`).
        enc = next((i for i in manifest["inputs"] if i["port"] == "encode"), None) or \
            next(i for i in manifest["inputs"] if i["port"] == "images")
        item = enc["items"][0]
        src = cache / "objects" / item["object"][:2] / item["object"][2:] / "ports" / item["port"] / "table.arrow"
        images = ipc.open_file(str(src)).read_all()
        by_id = {v: k for k, v in enumerate(images.column("image_id").to_pylist())}
        h, w = images.column("height")[0].as_py(), images.column("width")[0].as_py()
        px = np.asarray(images.column("pixels").combine_chunks().flatten(), dtype=np.float32).reshape(-1, 1, h, w)
        x = torch.from_numpy(px[[by_id[i] for i in ids]].copy())
        with torch.no_grad():
            mu = encoder(x)[:, :spec["latents"]].numpy()
        flow_mu = np.stack([np.asarray(latents.column(c).to_pylist()[:100]) for c in latents.column_names
                            if c != "image_id"], axis=1)
        diff = float(np.abs(mu - flow_mu).max())
        figures["torch_model"] = {"node": manifest["node"], "images": len(ids), "latents": spec["latents"],
                                  "max_abs_diff": diff}
        print(f"{manifest['node']}: PyTorch latent means of {len(ids)} images vs flow's: max |Δ| = {diff:.2e}")
    failures = len(figures["pyarrow_polars_failures"]) + len(figures["export_failures"]) + \
        (0 if figures.get("torch_model", {}).get("max_abs_diff", 1.0) <= 1e-5 else 1)
    figures["failures"] = failures
    figures["date"] = time.strftime("%Y-%m-%d")
    figures["command"] = "python3 bench/foreign_readers.py" + ("" if args.pipeline.name == "smoke.toml"
                                                               else f" --pipeline {figures['pipeline']}")
    write_results(args.out, figures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    ensure_venv(["pyarrow", "polars", "torch", "numpy"], ["pyarrow", "polars", "torch", "numpy"])
    main()
