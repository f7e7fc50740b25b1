//! `udr-select`: model selection by UDR across a sweep (the top 15 %).
//!
//! Paper: Online methods, "Model selection based on training performance": "we used the UDR
//! score to select 51 model instances with the most disentangled representations (within the
//! top 15% of UDR scores)". UDR itself is docs/METHODS.md §3 (stage `udr`, one node per β).
//!
//! Input `udr`: gathered `udr` results (one per hyper-parameter setting). Their model scores
//! (variant `variant`, default the library's) are pooled; models with a null score are never
//! selected; the rest are ranked by score, highest first (ties keep the gathered order), and the
//! first ceil(`fraction` × number scored) are selected (`fraction` = 0.15). The selected models
//! are named by the `models` entries of the `udr` results (the node and sweep coordinates of
//! each model's latents).
//!
//! Output `result` (JSON): `selected` (rows of `group` (index of the udr result), `index`
//! (model within it), `node`, `coords`, `score`), `threshold` (the lowest selected score),
//! `n_models`, `n_scored`, and `models` (every model with its score and `selected`).

use flow_engine::{
    Artifact, ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec,
    RunContext, StageError, StageKind,
};
use serde_json::{Value, json};

use crate::matrix;

pub struct UdrSelect;

/// `udr-select`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct UdrSelectParams {
    fraction: f64,
    /// `"library"`, `"paper_filtered"` or `"paper_literal"`: the key of the variant in a `udr`
    /// result.
    variant: String,
}

/// Indices (into `scores`) of the selected models, in rank order.
pub fn top_fraction(scores: &[Option<f64>], fraction: f64) -> Vec<usize> {
    let mut scored: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i].is_some_and(f64::is_finite))
        .collect();
    scored.sort_by(|&a, &b| {
        scores[b]
            .unwrap_or(0.0)
            .total_cmp(&scores[a].unwrap_or(0.0))
    });
    let k = ((fraction * scored.len() as f64) - 1e-9).ceil().max(0.0) as usize;
    scored.truncate(k.min(scored.len()));
    scored
}

impl StageKind for UdrSelect {
    fn name(&self) -> &'static str {
        "udr-select"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Select the top 15% of models by UDR across gathered `udr` results (paper: Model selection)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "fraction",
                ParamType::Float,
                ParamValue::Float(0.15),
                "the fraction of scored models kept (rounded up)",
            ),
            ParamSpec::with_default(
                "variant",
                ParamType::Choice(&["library", "paper_filtered", "paper_literal"]),
                ParamValue::Str("library".into()),
                "which UDR variant ranks the models",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::many(
            "udr",
            ArtifactType::Json,
            "gathered `udr` results",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "selected, threshold, n_models, n_scored, models",
        )]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: UdrSelectParams = params.parse()?;
        let f = p.fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(StageError::param("fraction", "must be in (0, 1]"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: UdrSelectParams = ctx.params().parse()?;
        let variant = p.variant.as_str();
        let mut rows: Vec<Value> = Vec::new();
        let mut scores: Vec<Option<f64>> = Vec::new();
        for (g, input) in inputs.all("udr").iter().enumerate() {
            let Artifact::Json(v) = &input.artifact else {
                return Err(StageError::input("udr", format!("result {g} is not JSON")));
            };
            let ms = matrix::field(matrix::field(v, variant, "udr")?, "model_scores", "udr")?;
            let ms = matrix::json_vec(ms, "model_scores", "udr")?;
            let models = v.get("models").and_then(Value::as_array);
            for (i, s) in ms.iter().enumerate() {
                let m = models.and_then(|m| m.get(i));
                rows.push(json!({
                    "group": g,
                    "index": i,
                    "node": m.map_or(Value::Null, |m| m["node"].clone()),
                    "coords": m.map_or(Value::Null, |m| m["coords"].clone()),
                    "score": matrix::num(*s),
                }));
                scores.push(Some(*s).filter(|x| x.is_finite()));
            }
        }
        if rows.is_empty() {
            return Err(StageError::input("udr", "no models given"));
        }
        let chosen = top_fraction(&scores, p.fraction);
        let selected: Vec<Value> = chosen.iter().map(|&i| rows[i].clone()).collect();
        let threshold = chosen.last().and_then(|&i| scores[i]).unwrap_or(f64::NAN);
        for (i, r) in rows.iter_mut().enumerate() {
            r["selected"] = Value::Bool(chosen.contains(&i));
        }
        Ok(Outputs::new().json(
            "result",
            json!({
                "selected": selected,
                "threshold": matrix::num(threshold),
                "n_models": rows.len(),
                "n_scored": scores.iter().filter(|s| s.is_some()).count(),
                "models": rows,
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_fraction_rounds_up_and_skips_nulls() {
        let scores: Vec<Option<f64>> = (0..20)
            .map(|i| if i == 3 { None } else { Some(i as f64) })
            .collect();
        // 19 scored × 0.15 = 2.85 → 3 models: 19, 18, 17.
        assert_eq!(top_fraction(&scores, 0.15), vec![19, 18, 17]);
        let scores: Vec<Option<f64>> = (0..400).map(|i| Some(i as f64)).collect();
        assert_eq!(top_fraction(&scores, 0.15).len(), 60);
        assert_eq!(top_fraction(&[None, None], 0.5), Vec::<usize>::new());
    }
}
