//! `import-json`: a JSON value from a file, hashed by content (e.g. a saved `lasso-ve` result
//! given to `flow stage alignment --in lasso=result.json`).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, PortSpec, RunContext, StageError,
    StageKind,
};

pub struct ImportJson;

/// `import-json`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct ImportJsonParams {
    path: String,
}

impl StageKind for ImportJson {
    fn name(&self) -> &'static str {
        "import-json"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Import a JSON value from a file (hashed by content)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::required(
            "path",
            ParamType::Path,
            "the file, relative to the pipeline file",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "value",
            ArtifactType::Json,
            "the parsed JSON value",
        )]
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ImportJsonParams = ctx.params().parse()?;
        let path = p.path.as_str();
        let text =
            std::fs::read(path).map_err(|e| StageError::param("path", format!("{path}: {e}")))?;
        let value: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| StageError::param("path", format!("{path}: not JSON: {e}")))?;
        Ok(Outputs::new().json("value", value))
    }
}
