//! `lasso-ve`: Lasso variance explained of each neuron from a model's units.
//!
//! Paper: Online methods, "Variance explained" (and "Filtering out uninformative models",
//! "Alignment score", which reuse it). Exact semantics: docs/METHODS.md §1; the numbered rules
//! below are METHODS' rules.
//!
//! 1. A unit is *uninformative* iff the variance (ddof 0) of its **raw** activations over all
//!    images is < `var_threshold`; the optional `informative` port (a boolean per unit) replaces
//!    the rule. Uninformative units are zero columns: never divided by their std, weight 0.
//!    `zero_uninformative = false` is the paper's artificial-mixture variant ("we did not zero out
//!    the uninformative units"): every unit enters the regression. A unit whose std over the
//!    standardising images is 0 cannot be z-scored and is always a zero column.
//! 2. Units and neurons are z-scored with the mean and population std of all images
//!    (`standardize = "all"`) or of the training images (`"train"`); test images use the same.
//! 3. Per neuron, scikit-learn's problem min (1/2m)‖y − b − Xw‖² + α‖w‖₁ with b unpenalised
//!    (X, y centred on the fitting images), solved exactly ([`flow_numeric::lasso_path`]).
//! 4. α grid per neuron on the whole (centred) training set: α_max = max_d |x_dᵀy| / n_train,
//!    `geomspace(α_max, eps·α_max, n_alphas)` as numpy computes it; 1e-15 everywhere if
//!    α_max ≤ 1e-15. The same grid serves every fold.
//! 5. K-fold CV over the split's `fold` ids of the training images (K = number of distinct ids,
//!    at least 2): each fold's MSE is the mean squared error on its images of the fit on the
//!    other folds (centred on those); cv_mse = unweighted mean over folds, cv_se =
//!    std(fold MSEs, ddof = `se_ddof`)/√K.
//! 6. 1-SE rule: i_min = first argmin cv_mse; the chosen α is the largest (smallest index) with
//!    cv_mse ≤ cv_mse[i_min] + cv_se[i_min] (glmnet's `lambda.1se`; the set need not be contiguous).
//! 7. Refit on all training images at α_1se → `coef` (standardised units) and `intercept`.
//! 8. VE_j = 1 − Σ_test(ŷ − y)² / Σ_test(y − ȳ_test)² on the test images (can be negative;
//!    null when the test responses are constant).
//!
//! Choices beyond METHODS: the split's `train` column may be omitted when `fold` is given (then
//! train = fold ≥ 0, the shared cases' convention of −1 on test images); fold ids are arbitrary
//! integers. With `image_id` columns the rows of `units` and `split` are looked up by the
//! responses' ids (the analysis uses exactly the images that have responses).
//!
//! Speed: the data are standardised once; per fold one Gram matrix XᵀX (and Xᵀy for all neurons
//! in one product) serves every neuron, and the validation error is the quadratic form
//! yᵀy − 2wᵀXᵀy + wᵀXᵀXw on the validation Gram matrix, so no step after the products touches the
//! n × p data; neurons run in parallel (rayon).
//!
//! Output `result` (JSON): `ve`, `ve_mean`, `ve_median`, `coef` (units × neurons), `intercept`,
//! `alpha_1se`, `index_1se`, `index_min`, `threshold`, `alphas`, `cv_mse`, `cv_se` (neurons ×
//! n_alphas), `informative`, `n_train`, `n_test`, `n_folds`, and `unpolished_solutions` (Lasso
//! solutions that could not be certified by the KKT polish; 0 in practice).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use rayon::prelude::*;
use serde_json::json;

use crate::matrix::{self, Labeled};
use flow_numeric::lasso_path::{LassoPath, geomspace};
use flow_numeric::moments::{mean, median, std};

/// Which images give the standardising mean and std.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standardize {
    All,
    Train,
}

/// The parameters of the Lasso VE computation.
#[derive(Clone, Debug)]
pub struct LassoParams {
    pub var_threshold: f64,
    pub standardize: Standardize,
    pub n_alphas: usize,
    pub eps: f64,
    pub se_ddof: usize,
    pub zero_uninformative: bool,
}

impl Default for LassoParams {
    fn default() -> Self {
        LassoParams {
            var_threshold: 0.01,
            standardize: Standardize::All,
            n_alphas: 100,
            eps: 1e-3,
            se_ddof: 1,
            zero_uninformative: true,
        }
    }
}

impl LassoParams {
    pub fn from_params(p: &Params) -> Result<Self, StageError> {
        Ok(LassoParams {
            var_threshold: p.f64("var_threshold")?,
            standardize: if p.str("standardize")? == "train" {
                Standardize::Train
            } else {
                Standardize::All
            },
            n_alphas: p.usize("n_alphas")?,
            eps: p.f64("eps")?,
            se_ddof: p.usize("se_ddof")?,
            zero_uninformative: p.bool("zero_uninformative")?,
        })
    }

    /// The declared params (shared with `neuron-subsets`).
    pub fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "var_threshold",
                ParamType::Float,
                ParamValue::Float(0.01),
                "a unit is informative iff the variance (ddof 0) of its raw activations over all images is ≥ this",
            ),
            ParamSpec::with_default(
                "standardize",
                ParamType::Choice(&["all", "train"]),
                ParamValue::Str("all".into()),
                "z-score units and responses with the mean/std of all images or of the training images",
            ),
            ParamSpec::with_default(
                "n_alphas",
                ParamType::Int,
                ParamValue::Int(100),
                "number of penalties on the Lasso path",
            ),
            ParamSpec::with_default(
                "eps",
                ParamType::Float,
                ParamValue::Float(1e-3),
                "smallest penalty as a fraction of α_max",
            ),
            ParamSpec::with_default(
                "se_ddof",
                ParamType::Int,
                ParamValue::Int(1),
                "cv_se = std(fold MSEs, ddof = se_ddof) / √K",
            ),
            ParamSpec::with_default(
                "zero_uninformative",
                ParamType::Bool,
                ParamValue::Bool(true),
                "zero the uninformative units (false: the paper's artificial-mixture variant, every unit enters)",
            ),
        ]
    }

    pub fn check(p: &Params) -> Result<(), StageError> {
        if p.i64("n_alphas")? < 1 {
            return Err(StageError::param("n_alphas", "must be ≥ 1"));
        }
        let eps = p.f64("eps")?;
        if !(eps > 0.0 && eps <= 1.0) {
            return Err(StageError::param("eps", "must be in (0, 1]"));
        }
        if p.f64("var_threshold")? < 0.0 {
            return Err(StageError::param("var_threshold", "must be ≥ 0"));
        }
        if p.i64("se_ddof")? < 0 {
            return Err(StageError::param("se_ddof", "must be ≥ 0"));
        }
        Ok(())
    }
}

/// The inputs, rows already matched: units (n × p), responses (n × q), the split.
pub struct LassoData {
    pub units: Labeled,
    pub responses: Labeled,
    pub train: Vec<bool>,
    pub fold: Vec<i64>,
    pub informative: Option<Vec<bool>>,
}

/// Everything METHODS §1 outputs.
#[derive(Clone, Debug)]
pub struct LassoResult {
    pub ve: Vec<f64>,
    pub ve_mean: f64,
    pub ve_median: f64,
    /// units × neurons.
    pub coef: Mat<f64>,
    pub intercept: Vec<f64>,
    pub alpha_1se: Vec<f64>,
    pub index_1se: Vec<usize>,
    pub index_min: Vec<usize>,
    pub threshold: Vec<f64>,
    pub alphas: Vec<Vec<f64>>,
    pub cv_mse: Vec<Vec<f64>>,
    pub cv_se: Vec<Vec<f64>>,
    pub informative: Vec<bool>,
    pub n_train: usize,
    pub n_test: usize,
    pub n_folds: usize,
    pub unpolished: usize,
}

impl LassoResult {
    pub fn to_json(&self) -> serde_json::Value {
        use matrix::{bools, mat_rows, num, nums, rows_json, usizes};
        json!({
            "ve": nums(&self.ve),
            "ve_mean": num(self.ve_mean),
            "ve_median": num(self.ve_median),
            "coef": mat_rows(&self.coef),
            "intercept": nums(&self.intercept),
            "alpha_1se": nums(&self.alpha_1se),
            "index_1se": usizes(&self.index_1se),
            "index_min": usizes(&self.index_min),
            "threshold": nums(&self.threshold),
            "alphas": rows_json(&self.alphas),
            "cv_mse": rows_json(&self.cv_mse),
            "cv_se": rows_json(&self.cv_se),
            "informative": bools(&self.informative),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_folds": self.n_folds,
            "unpolished_solutions": self.unpolished,
        })
    }
}

/// Reads and matches the stage's inputs (rows of `units` and `split` looked up by the
/// responses' image ids, or by position). `units_port` names the port the units came from.
pub fn read_inputs(inputs: &Inputs, units_port: &str) -> Result<LassoData, StageError> {
    let responses = matrix::read_matrix(inputs.table("responses")?, "responses")?;
    let units = matrix::read_matrix(inputs.table(units_port)?, units_port)?;
    let units = matrix::align_to("responses", &responses, units_port, &units)?;
    let (train, fold) = read_cv_split(inputs.table("split")?, "split", &responses)?;
    let informative = if inputs.is_connected("informative") {
        Some(matrix::read_mask(
            inputs.table("informative")?,
            "informative",
            units.ncols(),
        )?)
    } else {
        None
    };
    Ok(LassoData {
        units,
        responses,
        train,
        fold,
        informative,
    })
}

/// The `train` and `fold` columns of a split, matched to the anchor's rows.
pub fn read_cv_split(
    split: &arrow_array::RecordBatch,
    port: &str,
    anchor: &Labeled,
) -> Result<(Vec<bool>, Vec<i64>), StageError> {
    let rows = matrix::split_rows(split, port, "responses", anchor)?;
    let fold = matrix::int_column(split, "fold", port)?.ok_or_else(|| {
        StageError::input(
            port,
            "has no `fold` column (the CV fold id of each training image)",
        )
    })?;
    let train = match matrix::bool_column(split, "train", port)? {
        Some(t) => t,
        None => fold.iter().map(|&f| f >= 0).collect(),
    };
    Ok((matrix::pick(&train, &rows), matrix::pick(&fold, &rows)))
}

/// Rows of the training and test images, and of each CV fold (fold ids in increasing order).
type SplitRows = (Vec<usize>, Vec<usize>, Vec<Vec<usize>>);

/// Checks the inputs before any work; returns the split's rows.
fn check_inputs(d: &LassoData, params: &LassoParams) -> Result<SplitRows, StageError> {
    let n = d.responses.nrows();
    let train: Vec<usize> = (0..n).filter(|&i| d.train[i]).collect();
    let test: Vec<usize> = (0..n).filter(|&i| !d.train[i]).collect();
    if test.is_empty() {
        return Err(StageError::input(
            "split",
            "has no test images (every image has train = true)",
        ));
    }
    if train.is_empty() {
        return Err(StageError::input("split", "has no training images"));
    }
    let mut ids: Vec<i64> = train.iter().map(|&i| d.fold[i]).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return Err(StageError::input(
            "split",
            format!(
                "has {} distinct fold id among the training images; cross-validation needs at least 2 folds",
                ids.len()
            ),
        ));
    }
    if params.se_ddof >= ids.len() {
        return Err(StageError::param(
            "se_ddof",
            format!("must be smaller than the number of folds ({})", ids.len()),
        ));
    }
    let folds: Vec<Vec<usize>> = ids
        .iter()
        .map(|&f| train.iter().copied().filter(|&i| d.fold[i] == f).collect())
        .collect();
    // Zero-variance neurons: over all images, and over the standardising images.
    matrix::reject_constant_columns(&d.responses, None, "responses", "neuron")?;
    if params.standardize == Standardize::Train {
        matrix::reject_constant_columns(&d.responses, Some(&train), "responses", "neuron")?;
    }
    if let Some(m) = &d.informative
        && m.len() != d.units.ncols()
    {
        return Err(StageError::input(
            "informative",
            format!(
                "has {} entries but `units` has {} columns",
                m.len(),
                d.units.ncols()
            ),
        ));
    }
    Ok((train, test, folds))
}

/// The informative-unit rule (METHODS §1.1).
pub fn informative_units(units: &Mat<f64>, var_threshold: f64) -> Vec<bool> {
    matrix::column_variances(units)
        .iter()
        .map(|&v| v >= var_threshold)
        .collect()
}

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
        n_train: train.len(),
        n_test: test.len(),
        n_folds: k,
        unpolished: per_neuron.iter().map(|nr| nr.unpolished).sum(),
    })
}

/// The validation data of one fold for one neuron (see [`Fold`]).
struct Validation<'a> {
    h: &'a [f64],
    v: &'a [f64],
    yy: f64,
    n_val: usize,
}

/// The Lasso path of one neuron on one Gram matrix over `grid`: the validation MSE at each α
/// (if `val` is given), the solution at the last α (dense), and the unpolished count. Runs the
/// AVX2 build of the same code where the CPU has it (bit-identical results: nothing is fused).
fn run_path(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { run_path_avx2(g, c, grid, val) };
        }
    }
    run_path_impl(g, c, grid, val)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_path_avx2(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    run_path_impl(g, c, grid, val)
}

#[inline(always)]
fn run_path_impl(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    let p = c.len();
    let mut path = LassoPath::new(g, c);
    let mut quad = SegmentSse::default();
    let mut mse = Vec::with_capacity(if val.is_some() { grid.len() } else { 0 });
    for &a in grid {
        path.advance(a);
        if let Some(vd) = val {
            let sse = match path.segment() {
                Some(seg) => quad.at(
                    a, seg.serial, vd.yy, vd.h, vd.v, p, seg.active, seg.u, seg.v,
                ),
                None => {
                    let (idx, w) = path.solution();
                    validation_sse(vd.yy, vd.h, vd.v, p, idx, w)
                }
            };
            mse.push(sse / vd.n_val as f64);
        }
    }
    let mut w = vec![0.0; p];
    let (idx, values) = path.solution();
    for (&d, &x) in idx.iter().zip(values) {
        w[d] = x;
    }
    (mse, w, path.unpolished)
}

/// The validation SSE along one segment of the path, w(α) = u − αv on a fixed active set:
/// yᵀy − 2hᵀw + wᵀVw = q0 + α q1 + α² q2, the coefficients computed once per segment (two
/// contiguous axpys per active coordinate), then O(1) per α.
#[derive(Default)]
struct SegmentSse {
    serial: Option<u64>,
    q: [f64; 3],
    vu: Vec<f64>,
    vv: Vec<f64>,
}

impl SegmentSse {
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn at(
        &mut self,
        alpha: f64,
        serial: u64,
        yy: f64,
        h: &[f64],
        v_gram: &[f64],
        p: usize,
        active: &[usize],
        u: &[f64],
        v: &[f64],
    ) -> f64 {
        if self.serial != Some(serial) {
            self.vu.clear();
            self.vu.resize(p, 0.0);
            self.vv.clear();
            self.vv.resize(p, 0.0);
            for (r, &j) in active.iter().enumerate() {
                let row = &v_gram[j * p..(j + 1) * p];
                let (ur, vr) = (u[r], v[r]);
                for ((a, b), &x) in self.vu.iter_mut().zip(self.vv.iter_mut()).zip(row) {
                    *a += x * ur;
                    *b += x * vr;
                }
            }
            let (mut hu, mut hv, mut uvu, mut uvv, mut vvv) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (r, &j) in active.iter().enumerate() {
                hu += h[j] * u[r];
                hv += h[j] * v[r];
                uvu += u[r] * self.vu[j];
                uvv += u[r] * self.vv[j];
                vvv += v[r] * self.vv[j];
            }
            self.q = [yy - 2.0 * hu + uvu, 2.0 * hv - 2.0 * uvv, vvv];
            self.serial = Some(serial);
        }
        self.q[0] + alpha * self.q[1] + alpha * alpha * self.q[2]
    }
}

/// Σ_val (y − x·w)² = yᵀy − 2 hᵀw + wᵀVw for a sparse w (indices `idx`, values `val`).
#[inline(always)]
fn validation_sse(yy: f64, h: &[f64], v: &[f64], p: usize, idx: &[usize], val: &[f64]) -> f64 {
    let mut lin = 0.0;
    let mut quad = 0.0;
    for (a, (&ja, &wa)) in idx.iter().zip(val).enumerate() {
        lin += h[ja] * wa;
        let row = &v[ja * p..(ja + 1) * p];
        // Σ_{b<a} V_ab w_b with four independent accumulators.
        let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
        let (ib, wb) = (&idx[..a], &val[..a]);
        let chunks = a / 4;
        for c in 0..chunks {
            let o = 4 * c;
            s0 += row[ib[o]] * wb[o];
            s1 += row[ib[o + 1]] * wb[o + 1];
            s2 += row[ib[o + 2]] * wb[o + 2];
            s3 += row[ib[o + 3]] * wb[o + 3];
        }
        for o in 4 * chunks..a {
            s0 += row[ib[o]] * wb[o];
        }
        quad += wa * (row[ja] * wa + 2.0 * ((s0 + s1) + (s2 + s3)));
    }
    yy - 2.0 * lin + quad
}

pub struct LassoVe;

impl StageKind for LassoVe {
    fn name(&self) -> &'static str {
        "lasso-ve"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Lasso variance explained of each neuron from a model's units (10-fold CV, 1-SE rule; METHODS §1)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        LassoParams::specs()
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "model unit activations, images × units (raw)",
            ),
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "neural responses, images × neurons (raw)",
            ),
            PortSpec::one(
                "split",
                ArtifactType::Table,
                "per image: `train` (bool) and `fold` (int, CV fold of a training image)",
            ),
            PortSpec::one(
                "informative",
                ArtifactType::Table,
                "a boolean per unit, replacing the variance rule",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "the METHODS §1 fields (ve, coef, alphas, cv_mse, …)",
        )]
    }

    fn threads(&self, _params: &Params) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        LassoParams::check(params)
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let params = LassoParams::from_params(ctx.params())?;
        let data = read_inputs(inputs, "units")?;
        let result = compute(&data, &params, &|| ctx.is_cancelled())?;
        Ok(Outputs::new().json("result", result.to_json()))
    }
}
