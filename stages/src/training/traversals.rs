//! `traversals`: latent traversals of a trained model as a PNG sheet (Higgins et al. 2021,
//! Fig. 1c: "each informative latent varied from −3 to +3 around an encoded face, the others
//! fixed"; DESIGN.md §3 "report").
//!
//! One row per informative latent, most informative first; one column per value. The face is
//! encoded (its posterior mean), one latent is set to each value in turn, and the decoder's
//! pixel means are drawn.
//!
//! Choices the paper leaves open (params with defaults):
//! - Informative: for VAEs, mean KL(q(z|x) ‖ p(z)) over the `images` above `kl_threshold` = 0.01
//!   (docs/METHODS.md's rule), ordered by KL; for the AE (no prior), the variance of the codes over
//!   the `images` ≥ `var_threshold` = 0.01, ordered by variance. `max_latents` = 0 shows all.
//! - Values: `columns` = 9 values evenly spaced in [−`range`, +`range`] (`range` = 3); for VAEs
//!   in prior units (the value replaces the latent), for the AE in standard deviations of that
//!   code around its mean over the `images` (the AE has no prior to give a scale).
//! - The face: row `face` = 0 of `images`.
//!
//! Classifiers have no decoder: the stage refuses them with a clear error.

use burn::tensor::Device;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::images::{ImageSet, grid, write_png};
use crate::training::model_files::{self, Plain};

pub struct Traversals;

/// `traversals`' params. The integers are `i64`: `check` reports `columns` and `scale` out of
/// range, and `run` reports a negative `face` or `max_latents` where it uses them.
#[derive(Debug, Clone, serde::Deserialize)]
struct TraversalsParams {
    face: i64,
    range: f64,
    columns: i64,
    kl_threshold: f64,
    var_threshold: f64,
    max_latents: i64,
    scale: i64,
}

/// A non-negative integer param as `usize`, or the error the engine's getter gives.
fn non_negative(name: &str, v: i64) -> Result<usize, StageError> {
    usize::try_from(v).map_err(|_| StageError::param(name, format!("must be ≥ 0, got {v}")))
}

impl StageKind for Traversals {
    fn name(&self) -> &'static str {
        "traversals"
    }

    fn version(&self) -> u32 {
        // 2: encodes and decodes through flow-models' fused CPU kernels (sums in another order).
        2
    }

    fn summary(&self) -> &'static str {
        "Latent traversals of a trained model around an encoded face, as a PNG sheet (Fig. 1c)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "face",
                ParamType::Int,
                ParamValue::Int(0),
                "the row of `images` to traverse around",
            ),
            ParamSpec::with_default(
                "range",
                ParamType::Float,
                ParamValue::Float(3.0),
                "values span [−range, +range]",
            ),
            ParamSpec::with_default(
                "columns",
                ParamType::Int,
                ParamValue::Int(9),
                "values per latent",
            ),
            ParamSpec::with_default(
                "kl_threshold",
                ParamType::Float,
                ParamValue::Float(0.01),
                "VAEs: informative iff mean KL > this",
            ),
            ParamSpec::with_default(
                "var_threshold",
                ParamType::Float,
                ParamValue::Float(0.01),
                "AE: informative iff code variance ≥ this",
            ),
            ParamSpec::with_default(
                "max_latents",
                ParamType::Int,
                ParamValue::Int(0),
                "rows at most (0: every informative latent)",
            ),
            ParamSpec::with_default(
                "scale",
                ParamType::Int,
                ParamValue::Int(2),
                "pixels per image pixel in the sheet",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "weights",
                ArtifactType::Files,
                "a trained model (train.weights)",
            ),
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "faces: informativeness is measured on them; `face` picks one",
            ),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("sheet", ArtifactType::Files, "traversals.png"),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "the latents shown (rows), their KL or variance, and the values (columns)",
            ),
        ]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: TraversalsParams = params.parse()?;
        if p.columns < 2 {
            return Err(StageError::param("columns", "must be at least 2"));
        }
        if p.scale < 1 || p.scale > 16 {
            return Err(StageError::param("scale", "must be in 1..=16"));
        }
        if p.range <= 0.0 {
            return Err(StageError::param("range", "must be positive"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: TraversalsParams = ctx.params().parse()?;
        let device = Device::flex();
        let (network, spec) = model_files::load(inputs.files("weights")?, "weights", &device)?;
        if network.decoder.is_none() {
            return Err(StageError::input(
                "weights",
                "this model has no decoder (a classifier): traversals need a beta-vae, vae or ae",
            ));
        }
        let images = ImageSet::from_table(inputs.table("images")?, "images")?;
        model_files::check_size(&images, &spec, "images")?;
        model_files::check_pixels(&images, "images")?;
        let face = non_negative("face", p.face)?;
        if face >= images.len() {
            return Err(StageError::param(
                "face",
                format!("is {face}, but `images` has {} rows", images.len()),
            ));
        }
        let n = spec.latents;
        let z = flow_models::encode(&network, &spec, &Plain(&images), &device);
        let stats = model_files::latent_moments(&z, n);
        let (scores, threshold, strict, measure) = if spec.kind.is_vae() {
            let kl = flow_models::evaluate(&network, &spec, &Plain(&images), &device)
                .kl_per_latent
                .unwrap_or_default();
            (kl, p.kl_threshold, true, "kl")
        } else {
            (
                stats.iter().map(|s| s.1).collect(),
                p.var_threshold,
                false,
                "variance",
            )
        };
        let mut order: Vec<usize> = (0..n)
            .filter(|&j| {
                if strict {
                    scores[j] > threshold
                } else {
                    scores[j] >= threshold
                }
            })
            .collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let max = non_negative("max_latents", p.max_latents)?;
        if max > 0 {
            order.truncate(max);
        }
        if order.is_empty() {
            return Err(StageError::failed(format!(
                "no informative latent ({measure} {} {threshold} on the {} images): nothing to traverse",
                if strict { ">" } else { "≥" },
                images.len()
            )));
        }
        let columns = p.columns as usize;
        let range = p.range;
        let values: Vec<f64> = (0..columns)
            .map(|c| -range + 2.0 * range * c as f64 / (columns - 1) as f64)
            .collect();
        let base = &z[face * n..(face + 1) * n];
        let mut codes = Vec::with_capacity(order.len() * columns * n);
        for &j in &order {
            for &v in &values {
                let mut code = base.to_vec();
                code[j] = if spec.kind.is_vae() {
                    v as f32
                } else {
                    (stats[j].0 + v * stats[j].1.sqrt()) as f32
                };
                codes.extend(code);
            }
        }
        let pixels = flow_models::decode(&network, &spec, &codes, &device);
        let area = spec.height * spec.width;
        let s = p.scale as usize;
        let (h, w) = (spec.height * s, spec.width * s);
        let tiles: Vec<Vec<f32>> = pixels
            .chunks(area)
            .map(|img| {
                let mut big = vec![0f32; h * w];
                for r in 0..h {
                    for c in 0..w {
                        big[r * w + c] = img[(r / s) * spec.width + c / s];
                    }
                }
                big
            })
            .collect();
        let refs: Vec<&[f32]> = tiles.iter().map(|t| t.as_slice()).collect();
        let (gh, gw, sheet) = grid(&refs, h, w, columns, 2, 0.5);
        let dir = ctx.output_dir("sheet")?;
        write_png(&dir.join("traversals.png"), &sheet, gh, gw).map_err(StageError::failed)?;
        let rows: Vec<serde_json::Value> = order
            .iter()
            .map(|&j| json!({ "latent": format!("z{j:02}"), measure: scores[j] }))
            .collect();
        Ok(Outputs::new().json(
            "result",
            json!({
                "face": images.ids[face],
                "rows": rows,
                "values": values,
                "informative_by": measure,
            }),
        ))
    }
}
