//! `sum`: gathers tables and sums their `value` columns into one row (`value`, `count`).
//!
//! The gather kind of the engine's tests: with `group_by` one node per group. `delay_ms` makes
//! it slow (for concurrency and kill tests).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};

use crate::generic::constant::busy_wait;
use crate::table::{f64_column, f64_table};

pub struct Sum;

/// `sum`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct SumParams {
    delay_ms: i64,
}

impl StageKind for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Sum the `value` columns of gathered tables"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "delay_ms",
            ParamType::Int,
            ParamValue::Int(0),
            "work this long first",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::many(
            "parts",
            ArtifactType::Table,
            "tables with a numeric column `value`",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "table",
            ArtifactType::Table,
            "columns `value` (the sum) and `count` (values summed)",
        )]
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SumParams = ctx.params().parse()?;
        busy_wait(p.delay_ms.max(0) as u64, ctx)?;
        let mut total = 0.0;
        let mut count = 0usize;
        for table in inputs.tables("parts")? {
            let values = f64_column(table, "value", "parts")?;
            total += values.iter().sum::<f64>();
            count += values.len();
        }
        Ok(Outputs::new().table(
            "table",
            f64_table(&[("value", vec![total]), ("count", vec![count as f64])])?,
        ))
    }
}
