//! Small filesystem helpers shared by the store: error mapping, fsync, JSON reading, unique
//! temporary names and atomic writes.
//!
//! Every temporary name the cache creates in `tmp/` has the shape
//! `<label>.<pid>.<nanos>[.<host>]`, so that [`crate::Store::clean_stale_staging`] can tell
//! whether the process that made it is still alive.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use crate::CacheError;

/// Maps an I/O error to [`CacheError::Io`] naming `path`.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> CacheError {
    move |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Flushes a directory's entries to disk (a new or renamed child is durable only after this).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), CacheError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))
}

/// Reads and parses a JSON file.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CacheError> {
    let bytes = fs::read(path).map_err(io_at(path))?;
    serde_json::from_slice(&bytes).map_err(|source| CacheError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// This machine's host name, reduced to `[A-Za-z0-9-]` so it can be one dot-separated
/// component of a temporary name; empty where it cannot be read.
pub(crate) fn host_tag() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let raw = fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        raw.trim()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect()
    })
}

/// A temporary name `<label>.<pid>.<nanos>[.<host>]`; `attempt` separates retries.
pub(crate) fn temp_name(label: &str, attempt: u32) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        + u128::from(attempt);
    let pid = std::process::id();
    match host_tag() {
        "" => format!("{label}.{pid}.{nanos}"),
        host => format!("{label}.{pid}.{nanos}.{host}"),
    }
}

/// Creates a fresh directory `<tmp>/<temp_name(label)>`.
pub(crate) fn create_temp_dir(tmp: &Path, label: &str) -> Result<PathBuf, CacheError> {
    let mut attempt = 0;
    loop {
        let dir = tmp.join(temp_name(label, attempt));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(io_at(&dir)(e)),
        }
    }
}

/// Writes `bytes` to `target` atomically: into a fresh file in `tmp` (same filesystem), then
/// renamed over `target`. Readers see the old content or the new, never a torn file. Not
/// fsynced: callers use it only for caches whose loss costs a recomputation, not correctness.
pub(crate) fn atomic_write(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(io_at(parent))?;
    }
    let mut attempt = 0;
    let (temp, mut file) = loop {
        let temp = tmp.join(temp_name("write", attempt));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => break (temp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(io_at(&temp)(e)),
        }
    };
    let written = file.write_all(bytes).map_err(io_at(&temp));
    drop(file);
    let renamed = written.and_then(|()| fs::rename(&temp, target).map_err(io_at(target)));
    if renamed.is_err() {
        let _ = fs::remove_file(&temp);
    }
    renamed
}
