//! [`KeyLock`]: an exclusive, per-key advisory lock on `locks/<key>.lock`.
//!
//! Locks are `flock`-style (std's `File::lock`): they belong to an open file description, so
//! two handles conflict even within one process, and the kernel releases them when the holder
//! exits, however it dies. Lock files are never deleted: deleting one while another process
//! waits on it would let two processes hold "the" lock at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::fsutil::io_at;
use crate::{CacheError, Digest};

/// Exclusive ownership of one key; released on drop.
#[derive(Debug)]
pub struct KeyLock {
    key: Digest,
    path: PathBuf,
    file: File,
}

impl KeyLock {
    /// Blocks until `key`'s lock under `locks_dir` is ours.
    pub(crate) fn acquire(locks_dir: &Path, key: Digest) -> Result<KeyLock, CacheError> {
        let (path, file) = open_lock_file(locks_dir, key)?;
        file.lock().map_err(io_at(&path))?;
        Ok(KeyLock { key, path, file })
    }

    /// Takes `key`'s lock under `locks_dir` if nobody holds it.
    pub(crate) fn try_acquire(
        locks_dir: &Path,
        key: Digest,
    ) -> Result<Option<KeyLock>, CacheError> {
        let (path, file) = open_lock_file(locks_dir, key)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(KeyLock { key, path, file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(io_at(&path)(e)),
        }
    }

    /// The locked key.
    pub fn key(&self) -> Digest {
        self.key
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Opens (creating if needed) `locks_dir/<key>.lock`, each call a new open file description.
fn open_lock_file(locks_dir: &Path, key: Digest) -> Result<(PathBuf, File), CacheError> {
    let path = locks_dir.join(format!("{key}.lock"));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_at(&path))?;
    Ok((path, file))
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        // Closing the file would release it too; unlocking first makes the intent explicit.
        let _ = self.file.unlock();
    }
}
