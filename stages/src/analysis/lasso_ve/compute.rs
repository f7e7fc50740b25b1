//! The METHODS §1 computation on matched inputs: standardising once, the α grid per neuron, the
//! folds' shared Gram matrices, and per neuron (in parallel) K-fold CV, the 1-SE rule, the refit
//! and the variance explained on the test images.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use flow_engine::StageError;
use flow_numeric::lasso_path::geomspace;
use flow_numeric::moments::{mean, median, std};
use rayon::prelude::*;

use super::data::{LassoData, check_inputs, informative_units};
use super::params::{LassoParams, Standardize};
use super::path::{Validation, run_path};
use super::result::LassoResult;
use crate::matrix;

/// A column-centred copy of `rows` of `m` and the column means.
fn centred(m: MatRef<'_, f64>, rows: &[usize]) -> (Mat<f64>, Vec<f64>) {
    let k = rows.len() as f64;
    let means: Vec<f64> = (0..m.ncols())
        .map(|j| rows.iter().map(|&i| m[(i, j)]).sum::<f64>() / k)
        .collect();
    (
        Mat::from_fn(rows.len(), m.ncols(), |r, j| m[(rows[r], j)] - means[j]),
        means,
    )
}

/// `rows` of `m` minus the given column means.
fn shifted(m: MatRef<'_, f64>, rows: &[usize], means: &[f64]) -> Mat<f64> {
    Mat::from_fn(rows.len(), m.ncols(), |r, j| m[(rows[r], j)] - means[j])
}

/// aᵀb · scale.
fn atb(a: &Mat<f64>, b: &Mat<f64>, scale: f64) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(a.ncols(), b.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        a.transpose(),
        b.as_ref(),
        scale,
        Par::Seq,
    );
    out
}

/// A symmetric p × p matrix as a row-major vector.
fn row_major(m: &Mat<f64>) -> Vec<f64> {
    let p = m.nrows();
    let mut out = vec![0.0; p * m.ncols()];
    for j in 0..p {
        for k in 0..m.ncols() {
            out[j * m.ncols() + k] = m[(j, k)];
        }
    }
    out
}

/// One CV fold's shared matrices.
struct Fold {
    /// Gram of the centred fitting rows / m (row-major p × p).
    g: Vec<f64>,
    /// Xᵀy / m for every neuron (p × q).
    c: Mat<f64>,
    /// Gram of the validation rows centred with the fitting means (row-major p × p).
    v: Vec<f64>,
    /// Xᵀy of the validation rows (p × q).
    h: Mat<f64>,
    /// Σ y² of the validation rows per neuron.
    yy: Vec<f64>,
    n_val: usize,
}

/// The whole METHODS §1 computation on matched inputs. `cancelled` is polled between neurons.
pub fn compute(
    d: &LassoData,
    params: &LassoParams,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<LassoResult, StageError> {
    let (train, test, folds) = check_inputs(d, params)?;
    let (n, p_all, q) = (d.responses.nrows(), d.units.ncols(), d.responses.ncols());

    // 1. Informative units (rule on raw values over all images, or the given mask).
    let rule = match &d.informative {
        Some(m) => m.clone(),
        None if params.zero_uninformative => informative_units(&d.units.data, params.var_threshold),
        None => vec![true; p_all],
    };
    // 2. Standardise once.
    let stat_rows: Option<&[usize]> = match params.standardize {
        Standardize::All => None,
        Standardize::Train => Some(&train),
    };
    let (unit_mean, _) = matrix::column_stats(&d.units.data, stat_rows);
    let (response_mean, response_std) = matrix::column_stats(&d.responses.data, stat_rows);
    let mut x_all = d.units.data.clone();
    let unit_std = matrix::zscore_columns(&mut x_all, stat_rows, Some(&rule));
    let used: Vec<usize> = (0..p_all)
        .filter(|&j| rule[j] && unit_std[j] > 0.0)
        .collect();
    let informative: Vec<bool> = (0..p_all).map(|j| used.contains(&j)).collect();
    let x = matrix::take_cols(&x_all, &used);
    let mut y = d.responses.data.clone();
    matrix::zscore_columns(&mut y, stat_rows, None);
    let p = used.len();

    // 4. The grid, per neuron, on the centred training set; and the refit problem.
    let (xt, xt_mean) = centred(x.as_ref(), &train);
    let (yt, yt_mean) = centred(y.as_ref(), &train);
    let n_train = train.len() as f64;
    let g_train = row_major(&atb(&xt, &xt, 1.0 / n_train));
    let c_train = atb(&xt, &yt, 1.0 / n_train);
    let alphas: Vec<Vec<f64>> = (0..q)
        .map(|j| {
            let amax = (0..p).fold(0.0f64, |m, d| m.max(c_train[(d, j)].abs()));
            if amax <= 1e-15 {
                vec![1e-15; params.n_alphas]
            } else {
                geomspace(amax, params.eps * amax, params.n_alphas)
            }
        })
        .collect();

    // 5. The folds' shared matrices.
    let fold_data: Vec<Fold> = folds
        .par_iter()
        .map(|val| {
            let fit: Vec<usize> = train.iter().copied().filter(|i| !val.contains(i)).collect();
            let m = fit.len() as f64;
            let (xf, xf_mean) = centred(x.as_ref(), &fit);
            let (yf, yf_mean) = centred(y.as_ref(), &fit);
            let xv = shifted(x.as_ref(), val, &xf_mean);
            let yv = shifted(y.as_ref(), val, &yf_mean);
            Fold {
                g: row_major(&atb(&xf, &xf, 1.0 / m)),
                c: atb(&xf, &yf, 1.0 / m),
                v: row_major(&atb(&xv, &xv, 1.0)),
                h: atb(&xv, &yv, 1.0),
                yy: (0..q)
                    .map(|j| yv.col(j).iter().map(|v| v * v).sum())
                    .collect(),
                n_val: val.len(),
            }
        })
        .collect();
    let x_test = matrix::take_rows(&x, &test);
    let y_test = matrix::take_rows(&y, &test);

    struct Neuron {
        cv_mse: Vec<f64>,
        cv_se: Vec<f64>,
        index_min: usize,
        index_1se: usize,
        threshold: f64,
        w: Vec<f64>,
        intercept: f64,
        ve: f64,
        unpolished: usize,
    }
    let k = folds.len();
    let per_neuron: Vec<Option<Neuron>> = (0..q)
        .into_par_iter()
        .map(|j| {
            if cancelled() {
                return None;
            }
            let grid = &alphas[j];
            let mut unpolished = 0;
            // mse[f][i]
            let mut mse = Vec::with_capacity(k);
            for fd in &fold_data {
                let c: Vec<f64> = fd.c.col(j).iter().copied().collect();
                let h: Vec<f64> = fd.h.col(j).iter().copied().collect();
                let val = Validation {
                    h: &h,
                    v: &fd.v,
                    yy: fd.yy[j],
                    n_val: fd.n_val,
                };
                let (m, _, u) = run_path(&fd.g, &c, grid, Some(&val));
                mse.push(m);
                unpolished += u;
            }
            let cv_mse: Vec<f64> = (0..grid.len())
                .map(|i| mean(&(0..k).map(|f| mse[f][i]).collect::<Vec<_>>()))
                .collect();
            let cv_se: Vec<f64> = (0..grid.len())
                .map(|i| {
                    std(
                        &(0..k).map(|f| mse[f][i]).collect::<Vec<_>>(),
                        params.se_ddof,
                    ) / (k as f64).sqrt()
                })
                .collect();
            // 6. The 1-SE rule.
            let mut index_min = 0;
            for i in 1..cv_mse.len() {
                if cv_mse[i] < cv_mse[index_min] {
                    index_min = i;
                }
            }
            let threshold = cv_mse[index_min] + cv_se[index_min];
            let index_1se = (0..cv_mse.len())
                .find(|&i| cv_mse[i] <= threshold)
                .unwrap_or(index_min);
            // 7. Refit on all training images.
            let c: Vec<f64> = c_train.col(j).iter().copied().collect();
            let (_, w, u) = run_path(&g_train, &c, &grid[..=index_1se], None);
            unpolished += u;
            let intercept = yt_mean[j] - (0..p).map(|d| xt_mean[d] * w[d]).sum::<f64>();
            // 8. VE on the test images.
            let ybar = y_test.col(j).iter().sum::<f64>() / test.len() as f64;
            let (mut sse, mut sst) = (0.0, 0.0);
            for r in 0..test.len() {
                let pred = intercept
                    + (0..p)
                        .filter(|&d| w[d] != 0.0)
                        .map(|d| x_test[(r, d)] * w[d])
                        .sum::<f64>();
                sse += (pred - y_test[(r, j)]).powi(2);
                sst += (y_test[(r, j)] - ybar).powi(2);
            }
            let ve = if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN };
            Some(Neuron {
                cv_mse,
                cv_se,
                index_min,
                index_1se,
                threshold,
                w,
                intercept,
                ve,
                unpolished,
            })
        })
        .collect();
    if cancelled() {
        return Err(StageError::Cancelled);
    }
    let per_neuron: Vec<Neuron> = per_neuron
        .into_iter()
        .collect::<Option<_>>()
        .ok_or(StageError::Cancelled)?;

    let mut coef = Mat::<f64>::zeros(p_all, q);
    for (j, nr) in per_neuron.iter().enumerate() {
        for (d, &u) in used.iter().enumerate() {
            coef[(u, j)] = nr.w[d];
        }
    }
    let ve: Vec<f64> = per_neuron.iter().map(|nr| nr.ve).collect();
    let _ = n;
    Ok(LassoResult {
        ve_mean: mean(&ve),
        ve_median: median(&ve),
        ve,
        coef,
        intercept: per_neuron.iter().map(|nr| nr.intercept).collect(),
        alpha_1se: per_neuron
            .iter()
            .enumerate()
            .map(|(j, nr)| alphas[j][nr.index_1se])
            .collect(),
        index_1se: per_neuron.iter().map(|nr| nr.index_1se).collect(),
        index_min: per_neuron.iter().map(|nr| nr.index_min).collect(),
        threshold: per_neuron.iter().map(|nr| nr.threshold).collect(),
        cv_mse: per_neuron.iter().map(|nr| nr.cv_mse.clone()).collect(),
        cv_se: per_neuron.iter().map(|nr| nr.cv_se.clone()).collect(),
        alphas,
        informative,
        unit_mean,
        unit_std,
        response_mean,
        response_std,
        n_train: train.len(),
        n_test: test.len(),
        n_folds: k,
        unpolished: per_neuron.iter().map(|nr| nr.unpolished).sum(),
    })
}
