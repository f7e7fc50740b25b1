//! The one error type of flow-models.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A NaN or infinite loss: training cannot continue.
    #[error("diverged at step {step}: the loss is {loss}")]
    Diverged { step: u64, loss: f64 },
    /// The monitor asked to stop (Ctrl-C, SIGTERM); the last checkpoint is kept.
    #[error("cancelled at step {step}")]
    Cancelled { step: u64 },
    /// A specification or data problem found before training.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing weights or checkpoints.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// A weight file whose tensor `tensor` does not fit the network.
    #[error("{path}: tensor `{tensor}`: {message}")]
    Weights {
        path: PathBuf,
        tensor: String,
        message: String,
    },
    /// The requested backend is not in this build.
    #[error("{0}")]
    Backend(String),
}

impl ModelError {
    pub fn io(path: impl Into<PathBuf>, message: impl ToString) -> ModelError {
        ModelError::Io {
            path: path.into(),
            message: message.to_string(),
        }
    }
}
