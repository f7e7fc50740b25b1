//! The one error type of flow-collect: every message names what the user wrote and, where a
//! name was misspelt, the closest one that exists.

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// A column named in `--where`, `--sort`, `--group-by` or `--field` that the table lacks.
    #[error("no column `{name}` in the collected table{hint}")]
    UnknownColumn { name: String, hint: String },
    /// A `--field` that names no vector field of the stage's results.
    #[error("stage `{stage}` has no vector field `{name}`{hint}")]
    UnknownField {
        stage: String,
        name: String,
        hint: String,
    },
    /// A `--where`, `--sort` or `--agg` the small syntax does not read.
    #[error("{what} `{text}`: {message}")]
    Syntax {
        what: &'static str,
        text: String,
        message: String,
    },
    /// Vector fields asked for in long form whose lengths differ within one result.
    #[error(
        "node `{node}`: fields {fields} have different lengths ({lengths}); long form needs equal ones"
    )]
    Ragged {
        node: String,
        fields: String,
        lengths: String,
    },
    /// Two stages with no sweep coordinate in common.
    #[error(
        "stages `{left}` and `{right}` share no sweep coordinate to join on ({left}: {left_coords}; {right}: {right_coords})"
    )]
    NoSharedCoordinates {
        left: String,
        right: String,
        left_coords: String,
        right_coords: String,
    },
    /// An output file whose extension names no format.
    #[error("{path}: unknown format; use .parquet, .arrow, .csv or .json")]
    UnknownFormat { path: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// polars refused an operation.
    #[error("{0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

impl CollectError {
    /// Whether the command line is at fault (exit code 2) rather than the work.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            CollectError::UnknownColumn { .. }
                | CollectError::UnknownField { .. }
                | CollectError::Syntax { .. }
                | CollectError::NoSharedCoordinates { .. }
                | CollectError::UnknownFormat { .. }
        )
    }
}

/// `; did you mean `x`?` for the candidate closest to `name`, if any is close enough.
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    flow_engine::diagnostic::did_you_mean(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}
