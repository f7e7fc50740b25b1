//! `describe`: a JSON summary of a table: row count and, per numeric column, mean, min and max
//! (population statistics, NaNs skipped).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, PortSpec, RunContext, StageError, StageKind,
};

use crate::table::f64_column;

pub struct Describe;

impl StageKind for Describe {
    fn name(&self) -> &'static str {
        "describe"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Summarise a table as JSON: rows, and mean/min/max of each numeric column"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("table", ArtifactType::Table, "any table")]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "summary",
            ArtifactType::Json,
            "{rows, columns: {name: {mean, min, max}}}",
        )]
    }

    fn run(&self, inputs: &Inputs, _ctx: &RunContext) -> Result<Outputs, StageError> {
        let table = inputs.table("table")?;
        let mut columns = serde_json::Map::new();
        for field in table.schema().fields() {
            let Ok(values) = f64_column(table, field.name(), "table") else {
                continue;
            };
            let finite: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
            let n = finite.len().max(1) as f64;
            columns.insert(
                field.name().clone(),
                serde_json::json!({
                    "mean": finite.iter().sum::<f64>() / n,
                    "min": finite.iter().copied().fold(f64::INFINITY, f64::min),
                    "max": finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                }),
            );
        }
        Ok(Outputs::new().json(
            "summary",
            serde_json::json!({ "rows": table.num_rows(), "columns": columns }),
        ))
    }
}
