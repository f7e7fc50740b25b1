//! The binary's error type: what can stop a command, rendered for a person, with an exit code
//! (2: the pipeline or the command line is wrong; 1: the work failed).

use flow_engine::PipelineError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Pipeline(PipelineError, bool),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Cache(#[from] flow_cache::CacheError),
    #[error(transparent)]
    Table(#[from] flow_tableio::TableIoError),
    #[error(transparent)]
    Artifact(#[from] flow_engine::artifact::ArtifactError),
    #[error(transparent)]
    Collect(#[from] flow_collect::CollectError),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    pub fn failed(message: impl Into<String>) -> Self {
        CliError::Failed(message.into())
    }

    pub fn render(&self) -> String {
        match self {
            CliError::Pipeline(e, color) => e.render(*color),
            other => format!("error: {other}\n"),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Pipeline(..) | CliError::Usage(_) => 2,
            CliError::Collect(e) if e.is_usage() => 2,
            _ => 1,
        }
    }
}
