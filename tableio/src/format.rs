//! Table file formats and how they are recognised from a file name.

use std::fmt;
use std::path::Path;

use crate::error::TableIoError;

/// Every extension [`Format::from_path`] recognises, for error messages.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    ".npy", ".arrow", ".ipc", ".feather", ".parquet", ".pq", ".csv", ".json",
];

/// A table file format, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// NumPy `.npy` array (1-D or 2-D for tables).
    Npy,
    /// Arrow IPC, file or stream format (`.arrow`, `.ipc`, `.feather`).
    Arrow,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Comma-separated values with a header row.
    Csv,
    /// JSON array of row objects (write only).
    Json,
}

impl Format {
    /// Pick the format from the file's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, TableIoError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let format = match extension.as_deref() {
            Some("npy") => Format::Npy,
            Some("arrow" | "ipc" | "feather") => Format::Arrow,
            Some("parquet" | "pq") => Format::Parquet,
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ => {
                return Err(TableIoError::UnknownExtension {
                    path: path.to_path_buf(),
                    extension,
                });
            }
        };
        Ok(format)
    }

    /// A short lowercase name ("npy", "arrow", "parquet", "csv", "json").
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Arrow => "arrow",
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
