"""Reference numbers for flow's `pca` / `pca-units` from scikit-learn's PCA, as a test fixture.

    python3 bench/pca_reference.py      # writes stages/tests/data/pca/sklearn_pca.json

The data are given by a formula (no random generator to match across languages): two data sets,
one wider than tall and one taller than wide, each with a decaying spectrum. For each, scikit-learn
`PCA(n_components=k, svd_solver="full")` is fitted on the first rows and transforms every row;
the fixture keeps the data, `mean_`, `components_`, `singular_values_`, `explained_variance_`,
`explained_variance_ratio_` and the transform. stages/tests/baselines.rs compares flow's output
with it to 1e-10. Run in bench/.venv (created on first use; needs PyPI).
"""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import REPO, ensure_venv, write_results  # noqa: E402

ensure_venv(["numpy", "sklearn"], ["numpy", "scikit-learn"])

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402


def data(rows: int, cols: int) -> np.ndarray:
    x = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            x[i, j] = (math.sin(0.7 * (i + 1) * (j + 2) + 0.3 * j) + 0.5 * math.cos(1.3 * i - 0.4 * j * j)) / (1 + j)
    return x


def case(name: str, rows: int, cols: int, fit_rows: int, k: int) -> dict:
    x = data(rows, cols)
    pca = PCA(n_components=k, svd_solver="full").fit(x[:fit_rows])
    return {
        "name": name,
        "data": x.tolist(),
        "fit_rows": fit_rows,
        "components": k,
        "mean": pca.mean_.tolist(),
        "axes": pca.components_.tolist(),
        "singular_values": pca.singular_values_.tolist(),
        "explained_variance": pca.explained_variance_.tolist(),
        "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        "units": pca.transform(x).tolist(),
    }


write_results(
    REPO / "stages" / "tests" / "data" / "pca" / "sklearn_pca.json",
    {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "cases": [case("wide", 24, 40, 20, 6), case("tall", 50, 12, 45, 5)],
    },
)
