//! The error type of this crate.
//!
//! Every variant carries the file (or, for in-memory checks, the caller's
//! description of where the data came from) so that a message printed on its
//! own tells the user which file to look at.

use std::path::{Path, PathBuf};

use arrow_schema::ArrowError;
use parquet::errors::ParquetError;

use crate::format::SUPPORTED_EXTENSIONS;

/// Everything that can go wrong while reading, writing or checking a table.
#[derive(Debug, thiserror::Error)]
pub enum TableIoError {
    /// The file to read does not exist.
    #[error("{}: file not found", .path.display())]
    NotFound { path: PathBuf },

    /// Any other I/O failure (permissions, full disk, missing directory...).
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file name's extension does not name a supported format.
    #[error(
        "{}: cannot tell the table format from the extension {}; supported extensions are {}",
        .path.display(),
        .extension.as_deref().map(|e| format!("\".{e}\"")).unwrap_or_else(|| "(none)".to_string()),
        SUPPORTED_EXTENSIONS.join(", ")
    )]
    UnknownExtension {
        path: PathBuf,
        extension: Option<String>,
    },

    /// A CSV file could not be parsed. `line` is taken from arrow's message
    /// when it reports one (arrow counts lines from 1, header included, for
    /// structural errors).
    #[error(
        "{}{}: invalid CSV: {message}",
        .path.display(),
        .line.map(|l| format!(", line {l}")).unwrap_or_default()
    )]
    Csv {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },

    /// A reader of the format gave up on malformed bytes by panicking (arrow-rs's IPC reader
    /// trusts the buffer offsets in a file's metadata); flow turns that into this error.
    #[error("{}: malformed {format} file: {message}", .path.display())]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },

    /// An NPY file could not be read or written (bad header, unsupported
    /// dtype, wrong rank...).
    #[error("{}: {message}", .path.display())]
    Npy { path: PathBuf, message: String },

    /// An Arrow-level failure (IPC, CSV writer, JSON writer, casts).
    #[error("{}: {source}", .path.display())]
    Arrow {
        path: PathBuf,
        #[source]
        source: ArrowError,
    },

    /// A Parquet-level failure.
    #[error("{}: {source}", .path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },

    /// The operation is not supported for this file (e.g. reading `.json`).
    #[error("{}: {message}", .path.display())]
    Unsupported { path: PathBuf, message: String },

    /// A float column holds NaN or ±inf. `origin` is the caller's name for
    /// the data (usually a file path); `row` is 0-based.
    #[error(
        "{origin}: column \"{column}\" has a non-finite value ({value}) at row {row} \
         (0-based; data row {} counting from 1)",
        .row + 1
    )]
    NonFinite {
        origin: String,
        column: String,
        row: usize,
        value: f64,
    },

    /// Converting an in-memory batch failed; `what` says what was being
    /// produced (there is no file involved).
    #[error("{what}: {source}")]
    Encode {
        what: String,
        #[source]
        source: ArrowError,
    },
}

impl TableIoError {
    /// Wrap an I/O error, turning "not found" into [`TableIoError::NotFound`].
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            TableIoError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            TableIoError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    pub(crate) fn arrow(path: &Path, source: ArrowError) -> Self {
        match source {
            ArrowError::IoError(_, e) => Self::io(path, e),
            source => TableIoError::Arrow {
                path: path.to_path_buf(),
                source,
            },
        }
    }

    pub(crate) fn parquet(path: &Path, source: ParquetError) -> Self {
        TableIoError::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn npy(path: &Path, message: impl Into<String>) -> Self {
        TableIoError::Npy {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(path: &Path, message: impl Into<String>) -> Self {
        TableIoError::Unsupported {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// A CSV error from arrow, with the line number pulled out of its message.
    pub(crate) fn csv(path: &Path, source: ArrowError) -> Self {
        let message = match source {
            ArrowError::IoError(_, e) => return Self::io(path, e),
            ArrowError::CsvError(m) | ArrowError::ParseError(m) => m,
            other => other.to_string(),
        };
        TableIoError::Csv {
            path: path.to_path_buf(),
            line: line_in_message(&message),
            message,
        }
    }
}

/// Find "line N" in an arrow-csv message.
fn line_in_message(message: &str) -> Option<usize> {
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        rest = &rest[i + "line ".len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::line_in_message;

    #[test]
    fn finds_line_numbers_in_arrow_messages() {
        assert_eq!(
            line_in_message("Encountered unequal lengths ... found 2 records at line 3"),
            Some(3)
        );
        assert_eq!(
            line_in_message("incorrect number of fields for line 12, expected 2 got 1"),
            Some(12)
        );
        assert_eq!(line_in_message("no number here: line x"), None);
    }
}
