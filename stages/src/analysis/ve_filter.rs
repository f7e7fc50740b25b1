//! `ve-filter`: drop the models that share little information with the neurons.
//!
//! Paper: Online methods, "Filtering out uninformative models": "We filtered out all models
//! where VE < mean(VE) − SD(VE), with mean(VE) and SD(VE) the mean and standard deviation of VE
//! scores across all models", VE being each model's `ve_mean` from `lasso-ve` (docs/METHODS.md §1).
//!
//! Choices the paper leaves open: the SD's ddof is `sd_ddof` (default 0, numpy's `std`); the
//! models compared are exactly those gathered into this node (all classes together, or one
//! class per node with `group_by`); a model is kept iff ve_mean ≥ mean − SD; a model whose
//! ve_mean is null is dropped and left out of the mean and SD.
//!
//! Input `lasso`: gathered `lasso-ve` results. Output `result` (JSON): `mean`, `sd`,
//! `threshold`, `kept` (indices into the gathered list), and `models` (per model: `node`,
//! `coords`, `ve_mean`, `kept`).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::{Value, json};

use crate::matrix;
use flow_numeric::moments::{mean, std};

pub struct VeFilter;

/// `ve-filter`'s params. `sd_ddof` is an `i64` so that `check` can report a negative value;
/// `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct VeFilterParams {
    sd_ddof: i64,
}

/// Keep-mask for `ve` values (NaN dropped): mean, sd, threshold, kept.
pub fn filter(ve: &[f64], sd_ddof: usize) -> (f64, f64, f64, Vec<bool>) {
    let finite: Vec<f64> = ve.iter().copied().filter(|v| v.is_finite()).collect();
    let (m, s) = (mean(&finite), std(&finite, sd_ddof));
    let threshold = m - s;
    let kept = ve
        .iter()
        .map(|&v| v.is_finite() && v >= threshold)
        .collect();
    (m, s, threshold, kept)
}

impl StageKind for VeFilter {
    fn name(&self) -> &'static str {
        "ve-filter"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Keep the models whose mean VE ≥ mean − SD across the gathered models (paper: Filtering)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "sd_ddof",
            ParamType::Int,
            ParamValue::Int(0),
            "delta degrees of freedom of the SD across models",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::many(
            "lasso",
            ArtifactType::Json,
            "gathered `lasso-ve` results, one per model",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "mean, sd, threshold, kept, models",
        )]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: VeFilterParams = params.parse()?;
        if p.sd_ddof < 0 {
            return Err(StageError::param("sd_ddof", "must be ≥ 0"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let models = inputs.all("lasso");
        if models.is_empty() {
            return Err(StageError::input("lasso", "no models given"));
        }
        let mut ve = Vec::with_capacity(models.len());
        for (i, m) in models.iter().enumerate() {
            let flow_engine::Artifact::Json(v) = &m.artifact else {
                return Err(StageError::input(
                    "lasso",
                    format!("model {i} is not a JSON result"),
                ));
            };
            ve.push(matrix::json_f64(
                matrix::field(v, "ve_mean", "lasso")?,
                "ve_mean",
                "lasso",
            )?);
        }
        let p: VeFilterParams = ctx.params().parse()?;
        let ddof = p.sd_ddof as usize;
        if ve.iter().filter(|v| v.is_finite()).count() <= ddof {
            return Err(StageError::input(
                "lasso",
                format!("needs more than {ddof} models with a VE for an SD with ddof {ddof}"),
            ));
        }
        let (m, s, threshold, kept) = filter(&ve, ddof);
        let refs = crate::analysis::udr::model_refs(inputs, "lasso");
        let rows: Vec<Value> = refs
            .as_array()
            .into_iter()
            .flatten()
            .zip(ve.iter().zip(&kept))
            .map(|(r, (&v, &k))| json!({ "node": r["node"], "coords": r["coords"], "ve_mean": matrix::num(v), "kept": k }))
            .collect();
        let kept_idx: Vec<usize> = (0..kept.len()).filter(|&i| kept[i]).collect();
        Ok(Outputs::new().json(
            "result",
            json!({
                "mean": matrix::num(m),
                "sd": matrix::num(s),
                "threshold": matrix::num(threshold),
                "kept": matrix::usizes(&kept_idx),
                "models": rows,
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_models_at_or_above_mean_minus_sd() {
        // mean 0.5, population sd 0.2 → threshold 0.3
        let ve = [0.3, 0.7, 0.3, 0.7, f64::NAN];
        let (m, s, t, kept) = filter(&ve, 0);
        assert!((m - 0.5).abs() < 1e-15 && (s - 0.2).abs() < 1e-15 && (t - 0.3).abs() < 1e-15);
        assert_eq!(kept, vec![t <= 0.3, true, t <= 0.3, true, false]);
        let (_, _, _, kept) = filter(&[0.1, 0.5, 0.6, 0.7], 0);
        assert_eq!(kept, vec![false, true, true, true]);
    }
}
