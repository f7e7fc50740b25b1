//! `corr-ratio`: the average correlation ratio and the average unit proportion.
//!
//! Paper: Online methods, "Average correlation ratio and average unit proportion" (Fig. 5).
//! Exact semantics: docs/METHODS.md §5:
//! - |Pearson| over all images between each neuron and each informative unit.
//! - ratio_j = max_u |r_uj| / Σ_u |r_uj|; best_j = argmax (first on ties), a column index of
//!   `units`.
//! - For each unique unit that is the best match of ≥ 1 neuron, the highest ratio among its
//!   neurons (`unit_best_ratio`, in increasing unit order, as `unique_units`);
//!   `avg_corr_ratio` = their mean; `mean_ratio_all_neurons` = the plain mean over neurons.
//! - `unit_proportion` = (number of unique best units) / (number of informative units).
//!
//! Informative units: variance (ddof 0) of the raw activations over all images ≥ `var_threshold`,
//! or the optional `informative` port. Rows of `units` are matched to the responses' images.
//! A zero-variance neuron is an error naming it. No informative unit (a collapsed model) gives
//! null measures and a `note`, not an error.
//!
//! Output `result` (JSON): `abs_corr` (informative units × neurons), `ratio`, `best_unit`,
//! `unique_units`, `unit_best_ratio`, `avg_corr_ratio`, `mean_ratio_all_neurons`,
//! `unit_proportion`, `informative`.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::analysis::lasso_ve::informative_units;
use crate::matrix::{self, Labeled};
use flow_numeric::moments::mean;

/// Columns of `m` centred and scaled to unit norm (for correlations by dot products); a
/// constant column becomes NaN.
pub fn unit_norm_columns(m: &Mat<f64>) -> Mat<f64> {
    let n = m.nrows();
    let mut out = Mat::<f64>::zeros(n, m.ncols());
    for j in 0..m.ncols() {
        let col = m.col_as_slice(j);
        let mu = col.iter().sum::<f64>() / n as f64;
        let norm = col.iter().map(|x| (x - mu).powi(2)).sum::<f64>().sqrt();
        for (o, &x) in out.col_as_slice_mut(j).iter_mut().zip(col) {
            *o = if norm > 0.0 {
                (x - mu) / norm
            } else {
                f64::NAN
            };
        }
    }
    out
}

/// Pearson correlations between the columns of `a` (rows) and of `b` (columns).
pub fn pearson_between(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let (za, zb) = (unit_norm_columns(a), unit_norm_columns(b));
    let mut out = Mat::<f64>::zeros(a.ncols(), b.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        za.transpose(),
        zb.as_ref(),
        1.0,
        Par::Seq,
    );
    out
}

pub fn compute(
    units: &Labeled,
    responses: &Labeled,
    informative: &[bool],
) -> Result<serde_json::Value, StageError> {
    matrix::reject_constant_columns(responses, None, "responses", "neuron")?;
    let used: Vec<usize> = (0..units.ncols()).filter(|&u| informative[u]).collect();
    if used.is_empty() {
        // A collapsed model: the ratios are undefined (null), not an error, so the model stays
        // in its sweep's tables.
        return Ok(serde_json::json!({
            "abs_corr": [],
            "ratio": [],
            "best_unit": [],
            "unique_units": [],
            "unit_best_ratio": [],
            "avg_corr_ratio": null,
            "mean_ratio_all_neurons": null,
            "unit_proportion": null,
            "informative": informative,
            "note": "no informative unit (variance ≥ var_threshold): the ratios are undefined",
        }));
    }
    let x = matrix::take_cols(&units.data, &used);
    let r = pearson_between(&x, &responses.data);
    let abs = Mat::from_fn(r.nrows(), r.ncols(), |i, j| r[(i, j)].abs());
    let q = responses.ncols();
    let mut ratio = Vec::with_capacity(q);
    let mut best = Vec::with_capacity(q);
    for j in 0..q {
        let mut arg = 0;
        let mut sum = 0.0;
        for u in 0..abs.nrows() {
            sum += abs[(u, j)];
            if abs[(u, j)] > abs[(arg, j)] {
                arg = u;
            }
        }
        ratio.push(abs[(arg, j)] / sum);
        best.push(used[arg]);
    }
    let mut unique: Vec<usize> = best.clone();
    unique.sort_unstable();
    unique.dedup();
    let unit_best: Vec<f64> = unique
        .iter()
        .map(|&u| {
            (0..q)
                .filter(|&j| best[j] == u)
                .map(|j| ratio[j])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    Ok(json!({
        "abs_corr": matrix::mat_rows(&abs),
        "ratio": matrix::nums(&ratio),
        "best_unit": matrix::usizes(&best),
        "unique_units": matrix::usizes(&unique),
        "unit_best_ratio": matrix::nums(&unit_best),
        "avg_corr_ratio": matrix::num(mean(&unit_best)),
        "mean_ratio_all_neurons": matrix::num(mean(&ratio)),
        "unit_proportion": matrix::num(unique.len() as f64 / used.len() as f64),
        "informative": matrix::bools(informative),
    }))
}

pub struct CorrRatio;

/// `corr-ratio`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct CorrRatioParams {
    var_threshold: f64,
}

impl StageKind for CorrRatio {
    fn name(&self) -> &'static str {
        "corr-ratio"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Average correlation ratio and unit proportion of units vs neurons (METHODS §5)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "var_threshold",
            ParamType::Float,
            ParamValue::Float(0.01),
            "a unit is informative iff the variance (ddof 0) of its raw activations over all images is ≥ this",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "model unit activations, images × units",
            ),
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "neural responses, images × neurons",
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
            "the METHODS §5 fields",
        )]
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: CorrRatioParams = ctx.params().parse()?;
        let responses = matrix::read_matrix(inputs.table("responses")?, "responses")?;
        let units = matrix::read_matrix(inputs.table("units")?, "units")?;
        let units = matrix::align_to("responses", &responses, "units", &units)?;
        let informative = if inputs.is_connected("informative") {
            matrix::read_mask(inputs.table("informative")?, "informative", units.ncols())?
        } else {
            informative_units(&units.data, p.var_threshold)
        };
        Ok(Outputs::new().json("result", compute(&units, &responses, &informative)?))
    }
}
