//! `decode`: decoding novel faces from single neurons.
//!
//! Paper: Online methods, "Decoding novel faces from single neurons" (Fig. 6). Exact semantics:
//! docs/METHODS.md §6:
//! - Informative units only (variance of the raw activations over all images ≥
//!   `var_threshold`, or the `informative` port); units and neurons z-scored with the mean and
//!   population std of the **shared** images; held-out images use the same statistics.
//! - D_ij = Pearson(unit i, neuron j) over the shared images; the optimal one-to-one assignment
//!   (rectangular, min(units, neurons) pairs; [`flow_numeric::lsap`], as scipy's
//!   `linear_sum_assignment`) minimising Σ(1 − D_ij), or Σ(1 − |D_ij|) with `abs_corr = true`.
//!   (The paper names Hopcroft–Karp, a cardinality matching; a minimum-cost assignment is what
//!   "the lowest overall (1 − D) score" asks for.)
//! - Per matched pair, OLS unit ~ neuron with intercept on the shared images; the held-out
//!   units are predicted from their neurons; unmatched units are predicted as 0.
//! - Per held-out image, cosine distance 1 − ⟨pred, real⟩/(‖pred‖‖real‖) over the informative
//!   units (real = the held-out units z-scored with the shared statistics; null when either
//!   vector is zero); `mean_cosine_distance` = their mean.
//!
//! The `split` table's `shared` column (bool: true = used for matching and regression, false =
//! held out) selects the images; a split without `shared` may give it as `train`. Rows are
//! matched to the responses' images. Errors: no held-out or fewer than 2 shared images, a
//! neuron or informative unit constant over the shared images. A model without an informative
//! unit (collapsed) is not an error: its distances are null and every held-out image decodes to
//! the units' shared means, with a `note` saying so.
//!
//! Reconstructions (Fig. 6c): with a trained model on the optional `weights` input (a `train`
//! node's weights, whose latent means are the `units`), the predicted units of each held-out
//! image are mapped back to the model's scale (× the shared std, + the shared mean), every
//! latent that was not predicted (uninformative, or unmatched) is set to its mean over the shared
//! images, and the decoder draws the face: the `reconstructions` files hold
//! `reconstructions.arrow` (an image table, one row per held-out image) and
//! `reconstructions.png` (with the optional `images` input: each held-out face beside its
//! reconstruction, up to 32 pairs; without it, the reconstructions alone). Without `weights`,
//! `reconstructions` is empty.
//!
//! Output `result` (JSON): `corr` (informative units × neurons), `match_unit` (column indices
//! of `units`), `match_neuron`, `match_cost`, `slope`, `intercept` (per pair), `cosine_distance`
//! (per held-out image), `mean_cosine_distance`, `heldout_images` (their ids, when the
//! responses have ids) and `decoded_units` (held-out images × all units, on the units' own scale,
//! as described above: what the decoder is given).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::analysis::lasso_ve::informative_units;
use crate::images::{ImageSet, grid, write_png};
use crate::matrix::{self, Labeled};
use crate::training::model_files;
use flow_numeric::lsap::linear_sum_assignment;
use flow_numeric::moments::mean;

/// Decoding on matched inputs: `shared[i]` marks the images used for matching and regression.
/// Runs the AVX2 build of the same code where the CPU has it (bit-identical: nothing is fused).
pub fn compute(
    units: &Labeled,
    responses: &Labeled,
    shared: &[bool],
    informative: &[bool],
    abs_corr: bool,
) -> Result<serde_json::Value, StageError> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { compute_avx2(units, responses, shared, informative, abs_corr) };
        }
    }
    compute_impl(units, responses, shared, informative, abs_corr)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn compute_avx2(
    units: &Labeled,
    responses: &Labeled,
    shared: &[bool],
    informative: &[bool],
    abs_corr: bool,
) -> Result<serde_json::Value, StageError> {
    compute_impl(units, responses, shared, informative, abs_corr)
}

#[inline(always)]
fn compute_impl(
    units: &Labeled,
    responses: &Labeled,
    shared: &[bool],
    informative: &[bool],
    abs_corr: bool,
) -> Result<serde_json::Value, StageError> {
    let n = responses.nrows();
    let sh: Vec<usize> = (0..n).filter(|&i| shared[i]).collect();
    let held: Vec<usize> = (0..n).filter(|&i| !shared[i]).collect();
    if held.is_empty() {
        return Err(StageError::input(
            "split",
            "has no held-out images (every image has shared = true)",
        ));
    }
    if sh.len() < 2 {
        return Err(StageError::input(
            "split",
            format!(
                "has {} shared image(s); matching and regression need at least 2",
                sh.len()
            ),
        ));
    }
    let used: Vec<usize> = (0..units.ncols()).filter(|&u| informative[u]).collect();
    if used.is_empty() {
        // Nothing to match: every held-out image decodes to the shared mean of each unit, and
        // the distances are undefined (null), so a collapsed model stays in its sweep's tables.
        let (all_mean, _) = matrix::column_stats(&units.data, Some(&sh));
        let decoded = Mat::<f64>::from_fn(held.len(), units.ncols(), |_, u| all_mean[u]);
        let heldout_ids: Option<Vec<&str>> = responses
            .ids
            .as_ref()
            .map(|ids| held.iter().map(|&i| ids[i].as_str()).collect());
        return Ok(json!({
            "corr": [],
            "match_unit": [],
            "match_neuron": [],
            "match_cost": null,
            "slope": [],
            "intercept": [],
            "cosine_distance": vec![serde_json::Value::Null; held.len()],
            "mean_cosine_distance": null,
            "heldout_images": heldout_ids,
            "decoded_units": matrix::mat_rows(&decoded),
            "note": "no informative unit (variance ≥ var_threshold): nothing to decode",
        }));
    }
    // z-score with the shared images' statistics (one pass for the stats, one per row set).
    let x = matrix::take_cols(&units.data, &used);
    let (mx, sx) = matrix::column_stats(&x, Some(&sh));
    let (my, sy) = matrix::column_stats(&responses.data, Some(&sh));
    let over = " over the shared images";
    matrix::reject_zero_stds(responses, &sy, "responses", "neuron", over)?;
    if let Some(k) = sx.iter().position(|&s| s <= 0.0) {
        let label = matrix::column_label(units, used[k]);
        return Err(StageError::input(
            "units",
            format!("informative unit {label} has zero variance{over}"),
        ));
    }
    let (xs, xh) = (
        matrix::zscored_rows(&x, &sh, &mx, &sx),
        matrix::zscored_rows(&x, &held, &mx, &sx),
    );
    let (ys, yh) = (
        matrix::zscored_rows(&responses.data, &sh, &my, &sy),
        matrix::zscored_rows(&responses.data, &held, &my, &sy),
    );
    // Pearson over the shared images: the columns are z-scored there (population std), so
    // D = xsᵀys / n_shared.
    let mut d = Mat::<f64>::zeros(xs.ncols(), ys.ncols());
    matmul(
        d.as_mut(),
        Accum::Replace,
        xs.transpose(),
        ys.as_ref(),
        1.0 / sh.len() as f64,
        Par::Seq,
    );
    let (p, q) = (d.nrows(), d.ncols());
    let cost: Vec<f64> = (0..p * q)
        .map(|k| {
            let v = d[(k / q, k % q)];
            1.0 - if abs_corr { v.abs() } else { v }
        })
        .collect();
    let pairs = linear_sum_assignment(&cost, p, q)
        .map_err(|e| StageError::failed(format!("assignment failed: {e:?}")))?;
    let match_cost: f64 = pairs.iter().map(|&(i, j)| cost[i * q + j]).sum();
    let mut slope = Vec::with_capacity(pairs.len());
    let mut intercept = Vec::with_capacity(pairs.len());
    let mut pred = Mat::<f64>::zeros(held.len(), p);
    for &(i, j) in &pairs {
        // OLS x_i ~ y_j with intercept over the shared images.
        let (xi, yj) = (xs.col_as_slice(i), ys.col_as_slice(j));
        let (mx, my) = (mean(xi), mean(yj));
        let (mut sxy, mut syy) = (0.0, 0.0);
        for (&a, &b) in xi.iter().zip(yj) {
            sxy += (b - my) * (a - mx);
            syy += (b - my).powi(2);
        }
        let b = sxy / syy;
        let a = mx - b * my;
        slope.push(b);
        intercept.push(a);
        for r in 0..held.len() {
            pred[(r, i)] = a + b * yh[(r, j)];
        }
    }
    // The decoded units on the units' own scale: predicted (z) × shared std + shared mean; every
    // unit without a prediction (uninformative, or informative but unmatched) at its shared mean.
    let matched: std::collections::HashSet<usize> = pairs.iter().map(|&(i, _)| i).collect();
    let (all_mean, _) = matrix::column_stats(&units.data, Some(&sh));
    let mut decoded = Mat::<f64>::zeros(held.len(), units.ncols());
    for r in 0..held.len() {
        for (u, &m) in all_mean.iter().enumerate() {
            decoded[(r, u)] = m;
        }
        for (k, &u) in used.iter().enumerate() {
            if matched.contains(&k) {
                decoded[(r, u)] = pred[(r, k)] * sx[k] + mx[k];
            }
        }
    }
    let heldout_ids: Option<Vec<&str>> = responses
        .ids
        .as_ref()
        .map(|ids| held.iter().map(|&i| ids[i].as_str()).collect());
    let cosine: Vec<f64> = (0..held.len())
        .map(|r| {
            let (mut dot, mut np, mut nr) = (0.0, 0.0, 0.0);
            for u in 0..p {
                dot += pred[(r, u)] * xh[(r, u)];
                np += pred[(r, u)].powi(2);
                nr += xh[(r, u)].powi(2);
            }
            let denom = np.sqrt() * nr.sqrt();
            if denom > 0.0 {
                1.0 - dot / denom
            } else {
                f64::NAN
            }
        })
        .collect();
    Ok(json!({
        "corr": matrix::mat_rows(&d),
        "match_unit": matrix::usizes(&pairs.iter().map(|&(i, _)| used[i]).collect::<Vec<_>>()),
        "match_neuron": matrix::usizes(&pairs.iter().map(|&(_, j)| j).collect::<Vec<_>>()),
        "match_cost": matrix::num(match_cost),
        "slope": matrix::nums(&slope),
        "intercept": matrix::nums(&intercept),
        "cosine_distance": matrix::nums(&cosine),
        "mean_cosine_distance": matrix::num(mean(&cosine)),
        "heldout_images": heldout_ids,
        "decoded_units": matrix::mat_rows(&decoded),
    }))
}

/// The `shared` column of a split (or `train` if it has no `shared`), matched to the anchor.
pub fn read_shared(
    split: &arrow_array::RecordBatch,
    anchor: &Labeled,
) -> Result<Vec<bool>, StageError> {
    let rows = matrix::split_rows(split, "split", "responses", anchor)?;
    let shared = match matrix::bool_column(split, "shared", "split")? {
        Some(s) => s,
        None => matrix::bool_column(split, "train", "split")?.ok_or_else(|| {
            StageError::input(
                "split",
                "has no `shared` column (true = used for matching and regression)",
            )
        })?,
    };
    Ok(matrix::pick(&shared, &rows))
}

pub struct Decode;

/// `decode`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct DecodeParams {
    var_threshold: f64,
    abs_corr: bool,
}

impl StageKind for Decode {
    fn name(&self) -> &'static str {
        "decode"
    }

    fn version(&self) -> u32 {
        // 3: faces decode through flow-models' fused CPU kernels (sums in another order).
        3
    }

    fn summary(&self) -> &'static str {
        "Decode held-out units from one-to-one matched single neurons (METHODS §6), and faces through a trained decoder"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "var_threshold",
                ParamType::Float,
                ParamValue::Float(0.01),
                "a unit is informative iff the variance (ddof 0) of its raw activations over all images is ≥ this",
            ),
            ParamSpec::with_default(
                "abs_corr",
                ParamType::Bool,
                ParamValue::Bool(false),
                "assignment cost 1 − |D| instead of 1 − D",
            ),
        ]
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
                "split",
                ArtifactType::Table,
                "per image: `shared` (bool; false = held out)",
            ),
            PortSpec::one(
                "informative",
                ArtifactType::Table,
                "a boolean per unit, replacing the variance rule",
            )
            .optional(),
            PortSpec::one(
                "weights",
                ArtifactType::Files,
                "a trained model whose latent means are `units` (train.weights): reconstruct the held-out faces",
            )
            .optional(),
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "the real faces (image table), drawn beside their reconstructions",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("result", ArtifactType::Json, "the METHODS §6 fields"),
            PortSpec::one(
                "reconstructions",
                ArtifactType::Files,
                "with `weights`: reconstructions.arrow (image table) and reconstructions.png",
            ),
        ]
    }

    fn check(
        &self,
        _params: &flow_engine::Params,
        connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        if connected.is_connected("images") && !connected.is_connected("weights") {
            return Err(StageError::input(
                "images",
                "is only used with `weights` (to draw faces beside their reconstructions)",
            ));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: DecodeParams = ctx.params().parse()?;
        let responses = matrix::read_matrix(inputs.table("responses")?, "responses")?;
        let units = matrix::read_matrix(inputs.table("units")?, "units")?;
        let units = matrix::align_to("responses", &responses, "units", &units)?;
        let shared = read_shared(inputs.table("split")?, &responses)?;
        let informative = if inputs.is_connected("informative") {
            matrix::read_mask(inputs.table("informative")?, "informative", units.ncols())?
        } else {
            informative_units(&units.data, p.var_threshold)
        };
        let result = compute(&units, &responses, &shared, &informative, p.abs_corr)?;
        if inputs.is_connected("weights") {
            let images = if inputs.is_connected("images") {
                Some(ImageSet::from_table(inputs.table("images")?, "images")?)
            } else {
                None
            };
            reconstruct(
                inputs.files("weights")?,
                &units,
                &result,
                images.as_ref(),
                &ctx.output_dir("reconstructions")?,
            )?;
        }
        Ok(Outputs::new().json("result", result))
    }
}

/// Draws the held-out faces from `result`'s `decoded_units` through the model in `weights`.
fn reconstruct(
    weights: &std::path::Path,
    units: &Labeled,
    result: &serde_json::Value,
    images: Option<&ImageSet>,
    out: &std::path::Path,
) -> Result<(), StageError> {
    let device = burn::tensor::Device::flex();
    let (network, spec) = model_files::load(weights, "weights", &device)?;
    if network.decoder.is_none() {
        return Err(StageError::input(
            "weights",
            "this model has no decoder (a classifier): only beta-vae, vae and ae models reconstruct faces",
        ));
    }
    if units.ncols() != spec.latents {
        return Err(StageError::input(
            "weights",
            format!(
                "the model has {} latents but `units` has {} columns: give the model's own latents as units",
                spec.latents,
                units.ncols()
            ),
        ));
    }
    let rows: Vec<Vec<f64>> = serde_json::from_value(result["decoded_units"].clone())
        .map_err(|e| StageError::failed(format!("decoded units: {e}")))?;
    let codes: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    let pixels = flow_models::decode(&network, &spec, &codes, &device);
    let ids: Vec<String> = match result["heldout_images"].as_array() {
        Some(a) => a
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        None => (0..rows.len()).map(|i| format!("heldout{i:03}")).collect(),
    };
    let recon = ImageSet::new(ids, spec.height, spec.width, pixels);
    flow_tableio::write_ipc(&recon.to_table()?, &out.join("reconstructions.arrow"))
        .map_err(|e| StageError::failed(e.to_string()))?;
    // The sheet: each real face beside its reconstruction when the faces are given.
    let shown = recon.len().min(32);
    let mut tiles: Vec<&[f32]> = Vec::new();
    let mut cols = 8;
    if let Some(real) = images {
        model_files::check_size(real, &spec, "images")?;
        let index: std::collections::HashMap<&str, usize> = real
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        for i in 0..shown {
            let k = *index.get(recon.ids[i].as_str()).ok_or_else(|| {
                StageError::input(
                    "images",
                    format!("has no image `{}` (a held-out image)", recon.ids[i]),
                )
            })?;
            tiles.push(real.image(k));
            tiles.push(recon.image(i));
        }
    } else {
        tiles.extend((0..shown).map(|i| recon.image(i)));
        cols = 8;
    }
    let (h, w, sheet) = grid(&tiles, spec.height, spec.width, cols, 2, 0.5);
    write_png(&out.join("reconstructions.png"), &sheet, h, w).map_err(StageError::failed)
}
