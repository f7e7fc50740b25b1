//! flow-engine: the pipeline language, plans, cache keys, executors and run events.
//!
//! Data flows one way, each step its own type: TOML text → [`pipeline::raw`] (spans kept) →
//! [`Pipeline`] (validated; `extends` and `--set` applied) → [`Plan`] (sweeps expanded into
//! concrete nodes, a petgraph DAG) → [`exec::session::run`] (keys computed as input content
//! becomes known, missing ones run by an [`exec::executor::Executor`]) → the cache.
//!
//! The engine knows nothing about faces, neurons or burn: stage kinds come from a [`Catalog`]
//! that the binary fills from `flow-stages`.

pub mod artifact;
pub mod catalog;
pub mod context;
pub mod diagnostic;
pub mod events;
pub mod exec;
pub mod params;
pub mod pipeline;
pub mod plan;
pub mod run_index;
pub mod source;
pub mod stage;
pub mod value;

pub use artifact::{Artifact, ArtifactType, Inputs, Outputs};
pub use catalog::Catalog;
pub use context::RunContext;
pub use params::Params;
pub use pipeline::{Pipeline, PipelineError, load_pipeline};
pub use plan::Plan;
pub use stage::{
    Cardinality, ConnectedPorts, ParamSpec, ParamType, PortSpec, StageError, StageKind,
};
pub use value::ParamValue;
