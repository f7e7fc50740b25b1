//! `unit-subsets`: one random subset of a network's units — the paper's "VGG (raw)" baseline.
//!
//! Paper: Online methods, "Baseline models" ("we also randomly subsampled the units in the last
//! hidden layer of VGG (without replacement) to control for any potential linear mixing of their
//! responses which PCA could plausibly introduce") and "Hyperparameter sweep" ("we first
//! uniformly sampled five values from N ∈ [10, 50] without replacement to indicate the size of
//! the hidden unit subsets. Then, for each size value we sampled ten random hidden unit subsets
//! without replacement, resulting in 50 VGG (raw) model instances in total").
//!
//! The draw is `neuron-subsets`' ([`draw_subsets`]): `n_sizes` (5) distinct sizes from
//! [`min_size`, `max_size`] = [10, 50] (or the `sizes` given), `per_size` (10) subsets each, all
//! from the node's seed. One node is one subset: `instance` (0 … n_sizes × per_size − 1, in size
//! order) picks it, so the paper's 50 instances are `sweep.instance = { range = [0, 50] }` with
//! one fixed seed (every node then draws the same family and keeps its own member).
//!
//! Output: `units`, `image_id` + `u00 …` (the chosen columns in their table order), and `result`
//! with the instance, its size and the names of the chosen columns.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::analysis::neuron_subsets::{draw_subsets, subset_specs};
use crate::baselines::data::{FeatureMatrix, unit_names};
use crate::matrix::take_cols;
use crate::table::matrix_table;

/// The params of `unit-subsets` (counts as `i64` so `check` can name values below 1).
#[derive(Debug, Clone, serde::Deserialize)]
struct UnitSubsetsParams {
    instance: i64,
    n_sizes: i64,
    per_size: i64,
    min_size: i64,
    max_size: i64,
    /// Empty: draw the sizes.
    sizes: Vec<i64>,
}

impl UnitSubsetsParams {
    fn instances(&self) -> i64 {
        let sizes = if self.sizes.is_empty() {
            self.n_sizes
        } else {
            self.sizes.len() as i64
        };
        sizes * self.per_size
    }
}

pub struct UnitSubsets;

impl StageKind for UnitSubsets {
    fn name(&self) -> &'static str {
        "unit-subsets"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "One random subset of a network's units (the paper's VGG (raw)): sizes and subsets from the node's seed"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let mut specs = vec![ParamSpec::with_default(
            "instance",
            ParamType::Int,
            ParamValue::Int(0),
            "which subset, 0 … n_sizes × per_size − 1 in size order (sweep it)",
        )];
        specs.extend(subset_specs(
            "largest size drawn (capped at the number of units)",
        ));
        specs
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "units",
            ArtifactType::Table,
            "a network's units: image_id + one numeric column per unit (e.g. VGG-Face fc7)",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "image_id + u00 … : the chosen units",
            ),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "instance, size, and the chosen columns",
            ),
        ]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: UnitSubsetsParams = params.parse()?;
        for (name, value) in [
            ("n_sizes", p.n_sizes),
            ("per_size", p.per_size),
            ("min_size", p.min_size),
            ("max_size", p.max_size),
        ] {
            StageError::require_count(name, value)?;
        }
        if let Some(bad) = p.sizes.iter().find(|&&s| s < 1) {
            return Err(StageError::param(
                "sizes",
                format!("sizes must be ≥ 1, got {bad}"),
            ));
        }
        if !(0..p.instances()).contains(&p.instance) {
            return Err(StageError::param(
                "instance",
                format!(
                    "must be in 0 … {} ({} subsets), got {}",
                    p.instances() - 1,
                    p.instances(),
                    p.instance
                ),
            ));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: UnitSubsetsParams = ctx.params().parse()?;
        let units = FeatureMatrix::from_table(inputs.table("units")?, "units")?;
        let sizes = (!p.sizes.is_empty()).then(|| p.sizes.iter().map(|&s| s as usize).collect());
        let (_, subsets) = draw_subsets(
            units.ncols(),
            sizes,
            p.n_sizes as usize,
            p.per_size as usize,
            p.min_size as usize,
            p.max_size as usize,
            ctx.seed(),
        )?;
        let chosen = &subsets[p.instance as usize];
        let data = take_cols(&units.data, chosen);
        let table = matrix_table(&data, Some(&units.ids), &unit_names(chosen.len()))?;
        let names: Vec<&str> = chosen.iter().map(|&j| units.features[j].as_str()).collect();
        let result = json!({
            "instance": p.instance,
            "size": chosen.len(),
            "columns": names,
        });
        Ok(Outputs::new().table("units", table).json("result", result))
    }
}
