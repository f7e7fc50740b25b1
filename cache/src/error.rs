//! The one error type of the crate. Every variant that can name a path does.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// An I/O operation on `path` failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    /// `path` does not hold the JSON the cache expects, or a value could not be encoded.
    #[error("{}: invalid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },

    /// A string that should be a digest is not 64 hexadecimal digits.
    #[error("invalid digest {text:?}: expected 64 hexadecimal digits")]
    InvalidDigest { text: String },

    /// Something on disk, or a name handed to the cache, breaks one of the cache's rules.
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}
