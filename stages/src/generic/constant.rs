//! `constant`: a one-column table (`value`) holding one number `rows` times.
//!
//! A source for tests and the smoke pipeline. It can also be made slow (`delay_ms`, reporting
//! progress and honouring cancellation every 10 ms) or made to fail (`fail = true`), so that the
//! engine's scheduling, crash safety and failure handling can be exercised end to end.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};

use crate::table::f64_table;

pub struct Constant;

/// `constant`'s params (`rows` is an `i64` so that `check` can report a negative count).
#[derive(Debug, Clone, serde::Deserialize)]
struct ConstantParams {
    value: f64,
    rows: i64,
    delay_ms: i64,
    fail: bool,
}

/// Sleeps `ms` in 10 ms steps, reporting progress and stopping early on cancellation.
pub fn busy_wait(ms: u64, ctx: &RunContext) -> Result<(), StageError> {
    let steps = ms.div_ceil(10);
    for step in 0..steps {
        ctx.check_cancelled()?;
        std::thread::sleep(std::time::Duration::from_millis(10));
        ctx.progress(step + 1, steps, "waiting");
    }
    Ok(())
}

impl StageKind for Constant {
    fn name(&self) -> &'static str {
        "constant"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "A table with one number repeated (for tests and examples; can be slow or fail on purpose)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required("value", ParamType::Float, "the number"),
            ParamSpec::with_default("rows", ParamType::Int, ParamValue::Int(1), "how many rows"),
            ParamSpec::with_default(
                "delay_ms",
                ParamType::Int,
                ParamValue::Int(0),
                "work this long before answering",
            ),
            ParamSpec::with_default(
                "fail",
                ParamType::Bool,
                ParamValue::Bool(false),
                "fail instead of answering",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "table",
            ArtifactType::Table,
            "column `value`",
        )]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: ConstantParams = params.parse()?;
        if p.rows < 0 {
            return Err(StageError::param("rows", "must be ≥ 0"));
        }
        Ok(())
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ConstantParams = ctx.params().parse()?;
        busy_wait(p.delay_ms.max(0) as u64, ctx)?;
        if p.fail {
            return Err(StageError::failed("failed on purpose (fail = true)"));
        }
        let rows = usize::try_from(p.rows)
            .map_err(|_| StageError::param("rows", format!("must be ≥ 0, got {}", p.rows)))?;
        let values = vec![p.value; rows];
        Ok(Outputs::new().table("table", f64_table(&[("value", values)])?))
    }
}
