//! The stage contract: what a stage kind declares and what it is given to run.
//!
//! A stage kind declares its name in TOML (`kind = "udr"`), a version (bump it whenever its
//! output for the same inputs could change: every cached result of the old version is then
//! recomputed), typed parameters with defaults, named input and output ports with their artifact
//! types, a thread budget, and a `run` function. `run` receives its input artifacts and a
//! [`RunContext`]; it never touches the cache and never reads a file that is not a declared input
//! (a `path` parameter is an input by content): that is what makes the cache key complete.

use crate::artifact::{ArtifactType, Inputs, Outputs};
use crate::context::RunContext;
use crate::params::Params;
use crate::value::ParamValue;

/// The type of a parameter, checked before anything runs.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamType {
    Bool,
    Int,
    Float,
    Str,
    /// One of a fixed set of strings.
    Choice(&'static [&'static str]),
    /// A file or directory read by the stage: hashed by content into the cache key (its path
    /// is not); a directory by the relative paths and contents of every file below it.
    Path,
    /// A list of floats.
    FloatList,
    /// A list of integers.
    IntList,
}

impl ParamType {
    pub fn describe(&self) -> String {
        match self {
            ParamType::Bool => "a boolean".into(),
            ParamType::Int => "an integer".into(),
            ParamType::Float => "a number".into(),
            ParamType::Str => "a string".into(),
            ParamType::Choice(options) => format!("one of {}", quote_list(options)),
            ParamType::Path => "a file path".into(),
            ParamType::FloatList => "a list of numbers".into(),
            ParamType::IntList => "a list of integers".into(),
        }
    }
}

/// `"a", "b" or "c"`.
pub fn quote_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    /// `None`: the parameter is required.
    pub default: Option<ParamValue>,
    pub doc: &'static str,
}

impl ParamSpec {
    pub fn required(name: &'static str, ty: ParamType, doc: &'static str) -> Self {
        ParamSpec {
            name,
            ty,
            default: None,
            doc,
        }
    }

    pub fn with_default(
        name: &'static str,
        ty: ParamType,
        default: ParamValue,
        doc: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty,
            default: Some(default),
            doc,
        }
    }
}

/// How many upstream artifacts an input port takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    /// Exactly one artifact; a swept upstream is mapped (one node per upstream instance).
    One,
    /// A list; a swept upstream is gathered (all instances, or one group per `group_by` value).
    Many,
}

/// One declared input or output port.
#[derive(Clone, Debug)]
pub struct PortSpec {
    pub name: &'static str,
    pub ty: ArtifactType,
    pub cardinality: Cardinality,
    pub optional: bool,
    pub doc: &'static str,
}

impl PortSpec {
    pub fn one(name: &'static str, ty: ArtifactType, doc: &'static str) -> Self {
        PortSpec {
            name,
            ty,
            cardinality: Cardinality::One,
            optional: false,
            doc,
        }
    }

    pub fn many(name: &'static str, ty: ArtifactType, doc: &'static str) -> Self {
        PortSpec {
            name,
            ty,
            cardinality: Cardinality::Many,
            optional: false,
            doc,
        }
    }

    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// The input ports a stage's declaration connects, for [`StageKind::check`]: an optional port
/// that a parameter setting needs (or forbids) is a plan-time error, not a mid-run one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectedPorts(std::collections::BTreeSet<String>);

impl ConnectedPorts {
    pub fn new<'a>(ports: impl IntoIterator<Item = &'a str>) -> Self {
        ConnectedPorts(ports.into_iter().map(str::to_string).collect())
    }

    pub fn is_connected(&self, port: &str) -> bool {
        self.0.contains(port)
    }
}

/// Why a stage run failed. The message is shown to the user next to the node's name.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// Bad input, detected before any work: names the port.
    #[error("input `{port}`: {message}")]
    Input { port: String, message: String },
    /// A parameter value the types could not rule out.
    #[error("parameter `{name}`: {message}")]
    Param { name: String, message: String },
    /// Numerical divergence (a NaN or infinite loss).
    #[error("diverged at step {step}: {message}")]
    Diverged { step: u64, message: String },
    /// The run was cancelled (Ctrl-C, SIGTERM).
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

impl StageError {
    pub fn input(port: &str, message: impl Into<String>) -> Self {
        StageError::Input {
            port: port.into(),
            message: message.into(),
        }
    }

    pub fn param(name: &str, message: impl Into<String>) -> Self {
        StageError::Param {
            name: name.into(),
            message: message.into(),
        }
    }

    /// `Ok` when the count param `name` is at least 1, else "must be ≥ 1, got VALUE".
    pub fn require_count(name: &str, value: i64) -> Result<(), StageError> {
        if value < 1 {
            return Err(StageError::param(name, format!("must be ≥ 1, got {value}")));
        }
        Ok(())
    }

    pub fn failed(message: impl Into<String>) -> Self {
        StageError::Failed(message.into())
    }
}

/// A stage kind. Implementations live in `flow-stages`, never in the engine.
pub trait StageKind: Send + Sync {
    /// The name used in `kind = "…"`.
    fn name(&self) -> &'static str;
    /// Bumped whenever outputs for the same inputs and params could change.
    fn version(&self) -> u32;
    /// One line for `flow stage --list` and help.
    fn summary(&self) -> &'static str;
    fn params(&self) -> Vec<ParamSpec>;
    fn inputs(&self) -> Vec<PortSpec>;
    fn outputs(&self) -> Vec<PortSpec>;
    /// Threads this stage uses for these params (a pipeline may override with `threads = n`).
    fn threads(&self, _params: &Params) -> usize {
        1
    }
    /// GPUs this stage wants on a cluster for these params (0: none).
    fn gpus(&self, _params: &Params) -> u32 {
        0
    }
    /// Replaces a parameter whose meaning depends on the machine (e.g. `device = "auto"`) by
    /// what it resolves to here, so that the cache key holds the choice that decides the bytes
    /// (a CPU and a CUDA result never share a key). Called on every node when the plan is made;
    /// the default changes nothing.
    fn resolve(&self, _params: &mut Params) {}
    /// Checks that types alone cannot express (ranges, combinations of params, which optional
    /// inputs a setting needs), before anything runs. Validation calls it once for every
    /// distinct parameter set a stage's sweep expands to, so `run` may rely on it and never
    /// re-checks.
    fn check(&self, _params: &Params, _connected: &ConnectedPorts) -> Result<(), StageError> {
        Ok(())
    }
    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError>;
}
