//! A validated pipeline: every stage's kind resolved, params type-checked with defaults filled
//! in, sweeps expanded into value lists, inputs resolved to upstream ports of the right type.
//! Planning ([`crate::plan`]) turns it into concrete nodes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::artifact::ArtifactType;
use crate::pipeline::raw::RawTable;
use crate::source::{SourceMap, Span, Spanned};
use crate::stage::{PortSpec, StageKind};
use crate::value::ParamValue;

/// One sweep axis of a stage: a parameter (or `seed`) and its values.
#[derive(Clone, Debug)]
pub struct Axis {
    pub name: String,
    pub values: Vec<ParamValue>,
    /// Where each value was written (a generated value points at its generator, e.g. `range`).
    pub value_spans: Vec<Span>,
    pub span: Span,
}

/// An upstream port an input reads from.
#[derive(Clone, Debug)]
pub struct SourceRef {
    pub stage: String,
    pub port: String,
    pub ty: ArtifactType,
    pub span: Span,
}

/// One connected input port.
#[derive(Clone, Debug)]
pub struct InputDecl {
    pub port: PortSpec,
    pub sources: Vec<SourceRef>,
}

/// One `[stages.NAME]` table, validated.
#[derive(Clone)]
pub struct StageDecl {
    pub name: String,
    pub name_span: Span,
    pub kind: Arc<dyn StageKind>,
    /// Fixed parameter values (defaults filled in); swept parameters are absent here.
    pub params: BTreeMap<String, Spanned<ParamValue>>,
    /// Names of `path` parameters: hashed by file content into the cache key.
    pub path_params: Vec<String>,
    pub axes: Vec<Axis>,
    /// Own axes zipped together instead of crossed.
    pub zip: bool,
    pub inputs: Vec<InputDecl>,
    pub group_by: Vec<Spanned<String>>,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// One `[publish]` entry: an output the pipeline writes to a stable path after a run.
#[derive(Clone, Debug)]
pub struct Publication {
    /// Relative to the pipeline's results directory, e.g. `report.html`.
    pub path: String,
    pub stage: String,
    pub port: String,
    /// For a `files` port: the one file of it to publish (`report.page/report.html`).
    pub file: Option<String>,
    pub span: Span,
}

/// A whole validated pipeline.
pub struct Pipeline {
    pub name: String,
    /// The pipeline file (canonical path): the scope of "last run" records.
    pub path: PathBuf,
    pub sources: SourceMap,
    /// In file order.
    pub stages: Vec<StageDecl>,
    /// The `[executor]` table, for executors that read one.
    pub executor: Option<RawTable>,
    /// `[publish]` entries, in file order.
    pub publish: Vec<Publication>,
}

impl Pipeline {
    pub fn stage(&self, name: &str) -> Option<&StageDecl> {
        self.stages.iter().find(|s| s.name == name)
    }
}
