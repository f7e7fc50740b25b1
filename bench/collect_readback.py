"""A table written by `flow collect --to …parquet`, read back by pyarrow and polars (Python).

    python3 bench/collect_readback.py [--flow target/release/flow]

Runs a small swept pipeline (six `constant` nodes, their `describe` summaries), collects the
summaries to Parquet and Arrow IPC, and checks from Python that both readers see the same rows,
column names and types flow wrote: the float coordinate `value` as float64, the integer
coordinate `seed` as int64, the node names as text, the flattened result columns as numbers.
Also opens a cached artifact directly with `pyarrow.ipc.open_file` at the path
`flow show --path` prints. Installs pyarrow and polars into bench/.venv on first use.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import REPO, ensure_venv  # noqa: E402

ensure_venv(["pyarrow", "polars"], ["pyarrow", "polars"])

import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.ipc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

PIPELINE = """
[stages.source]
kind = "constant"
rows = 4
sweep.value = [1.0, 2.0, 3.0]
sweep.seed = { range = [0, 2] }

[stages.stats]
kind = "describe"
table = "source"
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow", default=str(REPO / "target" / "release" / "flow"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "p.toml").write_text(PIPELINE)
        run = lambda *a: subprocess.run([args.flow, *a], cwd=work, check=True,  # noqa: E731
                                        capture_output=True, text=True).stdout
        run("run", "p.toml", "--progress", "none")
        run("collect", "p.toml", "stats", "--to", "stats.parquet")
        run("collect", "p.toml", "stats", "--to", "stats.arrow")

        table = pq.read_table(work / "stats.parquet")
        frame = pl.read_parquet(work / "stats.parquet")
        ipc = pa.ipc.open_file(work / "stats.arrow").read_all()
        assert table.num_rows == frame.height == ipc.num_rows == 6, (table.num_rows, frame.height)
        assert table.column_names == frame.columns == ipc.column_names
        assert table.schema.field("value").type == pa.float64()
        assert table.schema.field("seed").type == pa.int64()
        assert frame.schema["value"] == pl.Float64 and frame.schema["seed"] == pl.Int64
        assert frame["columns.value.mean"].to_list() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
        assert frame["node"][0] == "stats[value=1,seed=0]"
        print(f"pyarrow, polars and pyarrow.ipc read {table.num_rows} rows × {table.num_columns} columns:")
        print(frame)

        # A cached artifact, opened where `flow show --path` says it is.
        path = run("show", "--path", "source[value=2,seed=1]", "-p", "p.toml").strip()
        cached = pa.ipc.open_file(Path(path) / "ports" / "table" / "table.arrow").read_all()
        assert cached.column("value").to_pylist() == [2.0] * 4, cached
        print(f"the cached table of source[value=2,seed=1] at {path}: {cached.num_rows} rows")


if __name__ == "__main__":
    main()
