#!/usr/bin/env python3
"""Cross-check flow's analysis stages against independent numpy/scipy/scikit-learn code.

Random problems of the paper's size (2,100 images, 50 units of which some collapsed, 159
neurons, a 10 % test set and 10 CV folds; 10 UDR models of 50 latents; 62 held-out decoding
images) are written as NPY/CSV files, run through the release binary (`flow stage KIND --in
PORT=FILE ... --out FILE.json`) and recomputed here from METHODS.md with numpy, scipy and
scikit-learn:

- lasso-ve: scikit-learn's `lasso_path` (coordinate descent on the Gram matrix, tol 1e-14)
  for every fold and neuron, each solution then polished in numpy on its KKT system (METHODS
  §1.9), CV MSEs from the residuals themselves; plus an independent KKT check of flow's own
  coefficients.
- alignment, corr-ratio, mixture: numpy, straight from the formulas.
- udr: scipy's `spearmanr` and disentanglement_lib's `relative_strength_disentanglement`
  (library variant), and METHODS §3's two paper variants.
- decode: `scipy.optimize.linear_sum_assignment` and numpy least squares.
- welch: `scipy.stats.ttest_ind(equal_var=False)`, including p-values far in the tail.

Usage (needs the release binary: `cargo build --release -p flow`):

    python3 bench/analysis_crosscheck.py [--seed 0] [--flow target/release/flow]

The first run creates bench/.venv and installs numpy, scipy and scikit-learn into it (PyPI).
Results: printed, and written to bench/results/analysis_crosscheck.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import ensure_venv

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PACKAGES = ["numpy", "scipy", "scikit-learn"]


ensure_venv(["numpy", "scipy", "sklearn"], PACKAGES)

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from sklearn.linear_model import lasso_path  # noqa: E402


# ---------------------------------------------------------------------------- running flow

class Flow:
    def __init__(self, exe, work):
        self.exe = str(exe)
        self.work = Path(work)
        self.cache = self.work / "cache"
        self.calls = 0

    def file(self, name, array=None, text=None):
        path = self.work / name
        if array is not None:
            np.save(path, array)
        else:
            path.write_text(text)
        return path

    def stage(self, kind, inputs, sets=(), out="out.json"):
        """`flow stage KIND`: inputs is a list of (port, path); returns (result, seconds)."""
        args = [self.exe, "stage", kind]
        for port, path in inputs:
            args += ["--in", f"{port}={path}"]
        for s in sets:
            args += ["--set", s]
        # A fresh path per call: a kind with several outputs writes a folder, which must not
        # land on an earlier call's file.
        self.calls += 1
        target = self.work / f"{self.calls:03d}-{out}"
        args += ["--out", str(target)]
        env = dict(os.environ, FLOW_CACHE=str(self.cache), NO_COLOR="1")
        t = time.perf_counter()
        ran = subprocess.run(args, capture_output=True, text=True, env=env, cwd=self.work)
        dt = time.perf_counter() - t
        if ran.returncode != 0:
            raise RuntimeError(f"flow stage {kind} failed:\n{ran.stderr}")
        if target.is_dir():
            target = target / "result.json"
        return json.loads(target.read_text()), dt


def arr(x):
    """A JSON list (with nulls) as a float array (null → NaN)."""
    return np.array(x, dtype=float) if not isinstance(x, list) else np.array(
        [[np.nan if v is None else v for v in r] if isinstance(r, list) else (np.nan if r is None else r) for r in x],
        dtype=float)


def maxdiff(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.abs(a - b)
    d[both_nan] = 0.0
    return float(np.nanmax(np.where(np.isnan(a) ^ np.isnan(b), np.inf, d))) if d.size else 0.0


# ---------------------------------------------------------------------------- problems

def make_problem(rng, n=2100, p=50, q=159, collapsed=8):
    z = rng.standard_normal((n, p))
    x = z + 0.4 * np.roll(z, 1, axis=1)                 # correlated units
    x[:, p - collapsed:] *= 0.05                         # collapsed: variance < 0.01
    w = np.zeros((p, q))
    for j in range(q):
        k = rng.integers(1, 4)
        units = rng.choice(p - collapsed, size=k, replace=False)
        w[units, j] = rng.normal(0, 1, size=k)
    y = x @ w + rng.normal(0, 1.0, size=(n, q)) + 5.0
    train = np.ones(n, dtype=bool)
    test = rng.choice(n, size=n // 10, replace=False)
    train[test] = False
    fold = np.full(n, -1, dtype=np.int64)
    idx = rng.permutation(np.flatnonzero(train))
    fold[idx] = np.arange(idx.size) % 10
    return x, y, train, fold


def zscore(a, rows=None):
    r = a if rows is None else a[rows]
    mu, sd = r.mean(0), r.std(0)
    return (a - mu) / sd


# ---------------------------------------------------------------------------- references

def polish(G, c, alpha, w0):
    """METHODS §1.9: solve the KKT system on the support of w0 (covariance form); active-set
    refinement until signs agree and |g_j| <= alpha (1 + 1e-11) off the support."""
    A = list(np.flatnonzero(w0))
    s = {j: np.sign(w0[j]) for j in A}
    for _ in range(2 * len(c) + 10):
        w = np.zeros_like(c)
        if A:
            Aa = np.array(A)
            w[Aa] = np.linalg.solve(G[np.ix_(Aa, Aa)], c[Aa] - alpha * np.array([s[j] for j in A]))
        bad = [j for j in A if w[j] * s[j] <= 0]
        if bad:
            A = [j for j in A if j not in bad]
            continue
        g = c - G @ w
        viol = [j for j in range(len(c)) if j not in s or j not in A]
        viol = [j for j in viol if abs(g[j]) > alpha * (1 + 1e-11) + 1e-13 * max(1.0, np.abs(c).max())]
        if not viol:
            return w, True
        for j in viol:
            A.append(j)
            s[j] = np.sign(g[j])
        A.sort()
    return w0, False


def lasso_ve_ref(X, Y, train, fold, var_threshold=0.01, n_alphas=100, eps=1e-3, se_ddof=1, standardize="all"):
    n, p = X.shape
    informative = X.var(0) >= var_threshold
    rows = np.flatnonzero(train) if standardize == "train" else None
    Xs = np.zeros_like(X)
    Xs[:, informative] = zscore(X[:, informative], rows)
    Ys = zscore(Y, rows)
    inf = np.flatnonzero(informative)
    T = np.flatnonzero(train)
    test = np.flatnonzero(~train)
    folds = np.unique(fold[T])
    K = folds.size
    out = {k: [] for k in ["alphas", "cv_mse", "cv_se", "index_min", "index_1se", "threshold", "alpha_1se", "ve", "intercept"]}
    coef = np.zeros((p, Y.shape[1]))
    unpolished = 0

    def fit(rows, y, alphas):
        nonlocal unpolished
        Xf = Xs[np.ix_(rows, inf)]
        xm, ym = Xf.mean(0), y[rows].mean()
        Xc, yc = Xf - xm, y[rows] - ym
        G, Xy = Xc.T @ Xc, Xc.T @ yc
        _, coefs, _ = lasso_path(Xc, yc, alphas=alphas, precompute=G, Xy=Xy, tol=1e-14, max_iter=200000)
        m = rows.size
        ws = []
        for k, a in enumerate(alphas):
            w, ok = polish(G / m, Xy / m, a, coefs[:, k])
            unpolished += not ok
            ws.append(w)
        return np.array(ws).T, xm, ym

    for j in range(Y.shape[1]):
        y = Ys[:, j]
        Xt = Xs[np.ix_(T, inf)]
        amax = np.abs((Xt - Xt.mean(0)).T @ (y[T] - y[T].mean())).max() / T.size
        alphas = np.full(n_alphas, 1e-15) if amax <= 1e-15 else np.geomspace(amax, eps * amax, n_alphas)
        mse = np.zeros((K, n_alphas))
        for k, f in enumerate(folds):
            fit_rows, val = T[fold[T] != f], T[fold[T] == f]
            W, xm, ym = fit(fit_rows, y, alphas)
            pred = (Xs[np.ix_(val, inf)] - xm) @ W + ym
            mse[k] = ((pred - y[val, None]) ** 2).mean(0)
        cv_mse = mse.mean(0)
        cv_se = mse.std(0, ddof=se_ddof) / np.sqrt(K)
        i_min = int(np.argmin(cv_mse))
        thr = cv_mse[i_min] + cv_se[i_min]
        i_1se = int(np.flatnonzero(cv_mse <= thr)[0])
        W, xm, ym = fit(T, y, alphas[: i_1se + 1])
        w = W[:, -1]
        b = ym - xm @ w
        pred = Xs[np.ix_(test, inf)] @ w + b
        ve = 1 - ((pred - y[test]) ** 2).sum() / ((y[test] - y[test].mean()) ** 2).sum()
        coef[inf, j] = w
        for key, v in [("alphas", alphas), ("cv_mse", cv_mse), ("cv_se", cv_se), ("index_min", i_min), ("index_1se", i_1se),
                       ("threshold", thr), ("alpha_1se", alphas[i_1se]), ("ve", ve), ("intercept", b)]:
            out[key].append(v)
    out = {k: np.array(v) for k, v in out.items()}
    out["coef"] = coef
    out["informative"] = informative
    out["unpolished"] = unpolished
    return out


def kkt_violation(X, Y, train, result):
    """Max relative KKT violation of flow's refit coefficients on the training images."""
    informative = np.array(result["informative"])
    Xs = np.zeros_like(X)
    Xs[:, informative] = zscore(X[:, informative])
    Ys = zscore(Y)
    T = np.flatnonzero(train)
    coef = arr(result["coef"])
    worst = 0.0
    for j in range(Y.shape[1]):
        a = result["alpha_1se"][j]
        Xc = Xs[T][:, informative] - Xs[T][:, informative].mean(0)
        yc = Ys[T, j] - Ys[T, j].mean()
        w = coef[informative, j]
        g = Xc.T @ (yc - Xc @ w) / T.size
        on = w != 0
        if on.any():
            worst = max(worst, np.abs(g[on] - a * np.sign(w[on])).max() / a)
        if (~on).any():
            worst = max(worst, max(0.0, (np.abs(g[~on]).max() - a) / a))
    return worst


def alignment_ref(W):
    R = np.abs(W)
    D = R.shape[0]
    col = R.sum(0)
    total = R.sum()
    C = np.zeros(R.shape[1])
    H = np.full(R.shape[1], np.nan)
    for j in range(R.shape[1]):
        if col[j] == 0:
            continue
        pj = R[:, j] / col[j]
        nz = pj[pj > 0]
        H[j] = -(nz * np.log(nz)).sum() / np.log(D) if D > 1 else 0.0
        C[j] = col[j] / total * (1 - H[j])
    return C.sum(), C, H


def corr_ratio_ref(X, Y, var_threshold=0.01):
    inf = np.flatnonzero(X.var(0) >= var_threshold)
    r = np.abs(np.corrcoef(X[:, inf].T, Y.T)[: inf.size, inf.size:])
    ratio = r.max(0) / r.sum(0)
    best = inf[r.argmax(0)]
    uniq = np.unique(best)
    ubr = np.array([ratio[best == u].max() for u in uniq])
    return {"ratio": ratio, "best_unit": best, "avg_corr_ratio": ubr.mean(), "unit_proportion": uniq.size / inf.size,
            "abs_corr": r}


def decode_ref(X, Y, shared, abs_corr=False, var_threshold=0.01):
    inf = np.flatnonzero(X.var(0) >= var_threshold)
    S, H = np.flatnonzero(shared), np.flatnonzero(~shared)
    Xz = (X[:, inf] - X[S][:, inf].mean(0)) / X[S][:, inf].std(0)
    Yz = (Y - Y[S].mean(0)) / Y[S].std(0)
    D = np.corrcoef(Xz[S].T, Yz[S].T)[: inf.size, inf.size:]
    cost = 1 - (np.abs(D) if abs_corr else D)
    rows, cols = linear_sum_assignment(cost)
    pred = np.zeros((H.size, inf.size))
    slopes, icpts = [], []
    for i, j in zip(rows, cols):
        b, a = np.polyfit(Yz[S, j], Xz[S, i], 1)
        slopes.append(b)
        icpts.append(a)
        pred[:, i] = a + b * Yz[H, j]
    real = Xz[H]
    cos = 1 - (pred * real).sum(1) / (np.linalg.norm(pred, axis=1) * np.linalg.norm(real, axis=1))
    return {"match_unit": inf[rows], "match_neuron": cols, "match_cost": cost[rows, cols].sum(), "slope": np.array(slopes),
            "cosine_distance": cos, "mean_cosine_distance": cos.mean(), "corr": D}


def relative_strength_disentanglement(corr_matrix):
    """disentanglement_lib.evaluation.metrics.udr.relative_strength_disentanglement."""
    with np.errstate(divide="ignore", invalid="ignore"):
        score_x = np.nanmean(np.nan_to_num(np.power(np.ndarray.max(corr_matrix, axis=0), 2) / np.sum(corr_matrix, axis=0), 0))
        score_y = np.nanmean(np.nan_to_num(np.power(np.ndarray.max(corr_matrix, axis=1), 2) / np.sum(corr_matrix, axis=1), 0))
    return (score_x + score_y) / 2


def udr_ref(reps, kl, thr=0.01):
    m, _, L = reps.shape
    mask = kl > thr
    out = {v: np.full((m, m), np.nan) for v in ["library", "paper_filtered", "paper_literal"]}
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                R = np.abs(stats.spearmanr(reps[i], reps[j])[0][:L, L:])
            Rf = R[mask[i]][:, mask[j]]
            di, dj = mask[i].sum(), mask[j].sum()
            out["library"][i, j] = relative_strength_disentanglement(Rf)
            with np.errstate(invalid="ignore", divide="ignore"):
                cols = np.nan_to_num(Rf.max(0) ** 2 / Rf.sum(0))
                rows = np.nan_to_num(Rf.max(1) ** 2 / Rf.sum(1))
                out["paper_filtered"][i, j] = (cols.sum() + rows.sum()) / (di + dj)
                R0 = np.nan_to_num(R)
                cl = np.nan_to_num(R0.max(0) ** 2 / R0.sum(0))[mask[j]]
                rl = np.nan_to_num(R0.max(1) ** 2 / R0.sum(1))[mask[i]]
                out["paper_literal"][i, j] = (cl.sum() + rl.sum()) / (di + dj)
    scores = {v: np.array([np.median(np.delete(out[v][:, i], i)) for i in range(m)]) for v in out}
    return out, scores


def welch_ref(a, b):
    r = stats.ttest_ind(a, b, equal_var=False)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    return float(r.statistic), float(r.pvalue), df


# ---------------------------------------------------------------------------- checks

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--flow", default=str(ROOT / "target" / "release" / "flow"))
    ap.add_argument("--out", default=str(BENCH / "results" / "analysis_crosscheck.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    report = {"seed": args.seed, "numpy": np.__version__, "checks": {}}

    def record(name, **vals):
        report["checks"][name] = vals
        print(f"{name:<12} " + "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in vals.items()),
              flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        flow = Flow(args.flow, tmp)
        X, Y, train, fold = make_problem(rng)
        fx, fy = flow.file("X.npy", X), flow.file("Y.npy", Y)
        split = flow.file("split.csv", text="train,fold\n" + "".join(
            f"{'true' if t else 'false'},{f}\n" for t, f in zip(train, fold)))

        # lasso-ve
        got, _ = flow.stage("lasso-ve", [("units", fx), ("responses", fy), ("split", split)])
        t = time.perf_counter()
        ref = lasso_ve_ref(X, Y, train, fold)
        ref_s = time.perf_counter() - t
        same_1se = int((np.array(got["index_1se"]) == ref["index_1se"]).sum())
        record("lasso-ve",
               neurons=Y.shape[1],
               same_index_1se=same_1se,
               same_index_min=int((np.array(got["index_min"]) == ref["index_min"]).sum()),
               alphas=maxdiff(got["alphas"], ref["alphas"]),
               cv_mse=maxdiff(got["cv_mse"], ref["cv_mse"]),
               cv_se=maxdiff(got["cv_se"], ref["cv_se"]),
               threshold=maxdiff(got["threshold"], ref["threshold"]),
               coef=maxdiff(got["coef"], ref["coef"]),
               intercept=maxdiff(got["intercept"], ref["intercept"]),
               ve=maxdiff(got["ve"], ref["ve"]),
               informative_equal=bool((np.array(got["informative"]) == ref["informative"]).all()),
               flow_kkt_rel=kkt_violation(X, Y, train, got),
               flow_unpolished=got["unpolished_solutions"],
               ref_unpolished=int(ref["unpolished"]),
               ref_seconds=ref_s)

        # lasso-ve with non-default params, on a smaller problem (400 images × 12 units × 20)
        Xp, Yp, trp, fop = make_problem(rng, n=400, p=12, q=20, collapsed=3)
        fxp, fyp = flow.file("Xp.npy", Xp), flow.file("Yp.npy", Yp)
        spp = flow.file("splitp.csv", text="train,fold\n" + "".join(
            f"{'true' if t else 'false'},{f}\n" for t, f in zip(trp, fop)))
        variants = [
            {"standardize": "train"},
            {"se_ddof": 0},
            {"n_alphas": 30, "eps": 0.01},
            {"var_threshold": 1e-4},
            {"standardize": "train", "se_ddof": 0, "n_alphas": 50, "eps": 1e-4, "var_threshold": 0.5},
        ]
        worst = {"cv_mse": 0.0, "coef": 0.0, "ve": 0.0}
        same = True
        for v in variants:
            g, _ = flow.stage("lasso-ve", [("units", fxp), ("responses", fyp), ("split", spp)],
                              [f"{k}={val}" for k, val in v.items()], out="lasso_params.json")
            r = lasso_ve_ref(Xp, Yp, trp, fop, **v)
            same &= bool((np.array(g["index_1se"]) == r["index_1se"]).all())
            same &= bool((np.array(g["informative"]) == r["informative"]).all())
            for k in worst:
                worst[k] = max(worst[k], maxdiff(g[k], r[k]))
        record("lasso-params", variants=len(variants), same_index_1se_and_informative=same, **worst)

        # alignment (of flow's lasso result and of a random weight matrix)
        lasso_file = flow.file("lasso.json", text=json.dumps(got))
        al, _ = flow.stage("alignment", [("lasso", lasso_file)])
        a_ref, C, H = alignment_ref(arr(got["coef"]))
        W = rng.standard_normal((50, 159)) * (rng.random((50, 159)) < 0.1)
        al2, _ = flow.stage("alignment", [("weights", flow.file("W.npy", W))])
        a2, C2, H2 = alignment_ref(W)
        record("alignment", alignment=max(abs(al["alignment"] - a_ref), abs(al2["alignment"] - a2)),
               C_j=max(maxdiff(al["C_j"], C), maxdiff(al2["C_j"], C2)),
               H_j=max(maxdiff(arr(al["H_j"]), H), maxdiff(arr(al2["H_j"]), H2)))

        # corr-ratio
        cr, _ = flow.stage("corr-ratio", [("units", fx), ("responses", fy)])
        crr = corr_ratio_ref(X, Y)
        record("corr-ratio", abs_corr=maxdiff(cr["abs_corr"], crr["abs_corr"]), ratio=maxdiff(cr["ratio"], crr["ratio"]),
               best_unit_equal=bool((np.array(cr["best_unit"]) == crr["best_unit"]).all()),
               avg_corr_ratio=abs(cr["avg_corr_ratio"] - crr["avg_corr_ratio"]),
               unit_proportion=abs(cr["unit_proportion"] - crr["unit_proportion"]))

        # mixture
        A = rng.standard_normal((159, 159))
        mx, _ = flow.stage("mixture", [("responses", fy), ("mixing", flow.file("A.npy", A))], out="mix")
        An = np.abs(A) / np.abs(A).sum(0)
        record("mixture", A_normalised=maxdiff(mx["A_normalised"], An), mixed=maxdiff(mx["mixed"], zscore(Y) @ An))

        # decode (62 held-out images), both costs
        shared = np.ones(X.shape[0], dtype=bool)
        shared[rng.choice(X.shape[0], 62, replace=False)] = False
        fs = flow.file("shared.csv", text="shared\n" + "".join(f"{'true' if s else 'false'}\n" for s in shared))
        for abs_corr in (False, True):
            dec, _ = flow.stage("decode", [("units", fx), ("responses", fy), ("split", fs)], [f"abs_corr={str(abs_corr).lower()}"])
            dr = decode_ref(X, Y, shared, abs_corr)
            record(f"decode{'-abs' if abs_corr else ''}",
                   same_matching=bool((np.array(dec["match_unit"]) == dr["match_unit"]).all()
                                      and (np.array(dec["match_neuron"]) == dr["match_neuron"]).all()),
                   corr=maxdiff(dec["corr"], dr["corr"]), match_cost=abs(dec["match_cost"] - dr["match_cost"]),
                   slope=maxdiff(dec["slope"], dr["slope"]), cosine=maxdiff(dec["cosine_distance"], dr["cosine_distance"]),
                   mean_cosine=abs(dec["mean_cosine_distance"] - dr["mean_cosine_distance"]))

        # udr: 10 models × 2,100 images × 50 latents, some collapsed (low KL), ties in some.
        factors = rng.standard_normal((2100, 12))
        reps, kls = [], []
        for _ in range(10):
            k = 50
            mix = rng.standard_normal((12, k)) * (rng.random((12, k)) < 0.15)
            for c in range(k):
                mix[rng.integers(12), c] += 2.0
            z = factors @ mix + 0.3 * rng.standard_normal((2100, k))
            kl = rng.random(k) * 2
            off = rng.random(k) < 0.3
            kl[off] = rng.random(off.sum()) * 0.005
            z[:, off] = 0.01 * rng.standard_normal((2100, off.sum()))
            z[:, 3] = np.round(z[:, 3])          # ties
            reps.append(z)
            kls.append(kl)
        reps, kls = np.array(reps), np.array(kls)
        reps[0][:, 5] = 1.0                      # a constant latent counted as informative: NaN
        kls[0][5] = 1.0                           # correlations, which count as 0 (METHODS §3)
        files = [("latents", flow.file(f"lat{i}.npy", reps[i])) for i in range(10)]
        ud, _ = flow.stage("udr", files + [("kl", flow.file("kl.npy", kls))])
        pair, scores = udr_ref(reps, kls)
        record("udr", **{f"{v}_pairwise": maxdiff(arr(ud[v]["pairwise"]), pair[v]) for v in pair},
               **{f"{v}_scores": maxdiff(ud[v]["model_scores"], scores[v]) for v in scores})

        # welch, from the centre to the far tail
        worst_p, worst_t, worst_df, smallest = 0.0, 0.0, 0.0, 1.0
        for k in range(40):
            na, nb = int(rng.integers(3, 200)), int(rng.integers(3, 200))
            a = rng.normal(0, rng.uniform(0.5, 2), na)
            b = rng.normal(k * 0.08, rng.uniform(0.5, 2), nb)
            w, _ = flow.stage("welch", [("a", flow.file("a.npy", a)), ("b", flow.file("b.npy", b))])
            t_, p_, df_ = welch_ref(a, b)
            worst_t = max(worst_t, abs(w["t"] - t_) / abs(t_))
            worst_df = max(worst_df, abs(w["df"] - df_) / df_)
            if p_ > 0:
                worst_p = max(worst_p, abs(w["p"] - p_) / p_)
                smallest = min(smallest, p_)
        record("welch", tests=40, t_rel=worst_t, df_rel=worst_df, p_rel=worst_p, smallest_p=smallest)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1, default=float) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
