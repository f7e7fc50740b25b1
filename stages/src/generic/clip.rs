//! `clip`: clamps column `value` of a table into [`min`, `max`].
//!
//! Used to show early cutoff: raising `max` above every value re-runs this node but produces
//! the same bytes, so nothing downstream re-runs.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, PortSpec, RunContext, StageError,
    StageKind,
};

use crate::table::{f64_column, f64_table};

pub struct Clip;

/// `clip`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct ClipParams {
    min: f64,
    max: f64,
}

impl StageKind for Clip {
    fn name(&self) -> &'static str {
        "clip"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Clamp column `value` into [min, max]"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required("min", ParamType::Float, "lower bound"),
            ParamSpec::required("max", ParamType::Float, "upper bound"),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "table",
            ArtifactType::Table,
            "a table with a numeric column `value`",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "table",
            ArtifactType::Table,
            "column `value`, clamped",
        )]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: ClipParams = params.parse()?;
        if p.min > p.max {
            return Err(StageError::param("min", "must not exceed `max`"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ClipParams = ctx.params().parse()?;
        let (lo, hi) = (p.min, p.max);
        let values = f64_column(inputs.table("table")?, "value", "table")?;
        let clipped: Vec<f64> = values.iter().map(|v| v.clamp(lo, hi)).collect();
        Ok(Outputs::new().table("table", f64_table(&[("value", clipped)])?))
    }
}
