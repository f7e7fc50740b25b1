//! `import`: a table from a file (NPY, Arrow IPC, Parquet or CSV), hashed by content.
//!
//! The file is a `path` parameter, so its *content* digest enters the cache key (through a stat
//! cache, so unchanged large files are not re-hashed): moving the file changes nothing, editing
//! it re-runs the node and, if the table changed, everything downstream. NaN and infinite values
//! are rejected (naming the column and row) unless `allow_nonfinite = true`.
//!
//! A three-dimensional NPY array (`N × H × W`, values in [0, 1]) is read as images: the result
//! is an image table (`crate::images`) with ids `0000…`, so `flow stage train --in
//! images=faces.npy` works on a plain array.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};

pub struct Import;

/// `import`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct ImportParams {
    path: std::path::PathBuf,
    allow_nonfinite: bool,
}

impl StageKind for Import {
    fn name(&self) -> &'static str {
        "import"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Import a table from NPY, Arrow IPC, Parquet or CSV (hashed by content)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required(
                "path",
                ParamType::Path,
                "the file, relative to the pipeline file",
            ),
            ParamSpec::with_default(
                "allow_nonfinite",
                ParamType::Bool,
                ParamValue::Bool(false),
                "accept NaN and infinite values instead of rejecting the file",
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
            "the imported table",
        )]
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ImportParams = ctx.params().parse()?;
        let path = p.path.as_path();
        let is_npy = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        if is_npy && flow_tableio::read_npy_array(path).is_ok_and(|a| a.ndim() == 3) {
            let images = crate::images::ImageSet::from_npy(path, None)
                .map_err(|e| StageError::param("path", e))?;
            return Ok(Outputs::new().table("table", images.to_table()?));
        }
        let batch =
            flow_tableio::read_table(path).map_err(|e| StageError::param("path", e.to_string()))?;
        if !p.allow_nonfinite {
            flow_tableio::ensure_finite(&batch, &path.display().to_string())
                .map_err(|e| StageError::param("path", e.to_string()))?;
        }
        Ok(Outputs::new().table("table", batch))
    }
}
