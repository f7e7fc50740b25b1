//! The pipeline language: TOML text → [`RawPipeline`](load::RawPipeline) (spans kept, `extends`
//! and `--set` applied) → [`Pipeline`](model::Pipeline) (validated).

pub mod load;
pub mod model;
pub mod raw;
pub mod sweep;
pub mod validate;

use std::path::Path;

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;
pub use model::Pipeline;

/// A pipeline that could not be loaded: the diagnostics and the sources they point into.
#[derive(Debug)]
pub struct PipelineError {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl PipelineError {
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render_all(&self.diagnostics, &self.sources, color)
    }
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for PipelineError {}

/// Loads and validates a pipeline file with `--set` overrides.
pub fn load_pipeline(
    path: &Path,
    sets: &[String],
    catalog: &Catalog,
) -> Result<Pipeline, PipelineError> {
    let (raw, sources) = load::load(path, sets).map_err(|f| PipelineError {
        sources: f.sources,
        diagnostics: f.diagnostics,
    })?;
    validate::validate(raw, sources, catalog).map_err(|(sources, diagnostics)| PipelineError {
        sources,
        diagnostics,
    })
}
