//! [`JobError`]: how running one node can fail, the execution layer's one error type.

use crate::stage::StageError;

/// Why a job did not publish a result.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The run is being stopped (Ctrl-C, SIGTERM): not a failure of the node.
    #[error("cancelled")]
    Cancelled,
    /// The stage reported an error (its message names the input or parameter).
    #[error(transparent)]
    Stage(StageError),
    /// The stage panicked; the panic's message.
    #[error("stage panicked: {0}")]
    Panicked(String),
    /// The stage broke its contract (an undeclared, missing or mistyped output).
    #[error("stage bug: {0}")]
    StageBug(String),
    /// An input could not be loaded from the cache (gone, corrupt, unreadable).
    #[error("input `{port}`: {message}")]
    Input { port: String, message: String },
    /// The job names a kind this binary does not have (a cluster task run by another build).
    #[error("unknown stage kind `{0}` in this flow binary")]
    UnknownKind(String),
    /// Writing the outputs failed.
    #[error("output `{port}`: {source}")]
    Output {
        port: String,
        source: crate::artifact::ArtifactError,
    },
    /// The cache failed (a lock, a lookup, publishing).
    #[error(transparent)]
    Cache(#[from] flow_cache::CacheError),
}

impl From<StageError> for JobError {
    fn from(e: StageError) -> JobError {
        match e {
            StageError::Cancelled => JobError::Cancelled,
            other => JobError::Stage(other),
        }
    }
}
