//! [`Store::hash_file`]: content digests of imported files, memoised by a stat cache, and
//! [`Store::hash_dir`]: content digests of imported directories.
//!
//! `stat/<digest of the canonical path>.json` records `{path, size, mtime_ns, digest}`; while a
//! file's size and mtime (nanoseconds) are unchanged, its digest is reused. A file modified in
//! the last [`RACY_WINDOW`] is hashed but not recorded: on filesystems with coarse timestamps
//! it could change again without its mtime changing ("racily clean", as git calls it).

use std::fs::{self, File, Metadata};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fsutil::{atomic_write, io_at, read_json};
use crate::{CacheError, Digest, Store};

/// Files modified more recently than this are not recorded in the stat cache.
const RACY_WINDOW: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct StatEntry {
    path: String,
    size: u64,
    mtime_ns: u64,
    digest: Digest,
}

impl Store {
    /// The blake3 digest of the bytes of the file at `path`.
    pub fn hash_file(&self, path: &Path) -> Result<Digest, CacheError> {
        let canonical = fs::canonicalize(path).map_err(io_at(path))?;
        let meta = fs::metadata(&canonical).map_err(io_at(path))?;
        if !meta.is_file() {
            return Err(CacheError::Invalid {
                path: path.to_path_buf(),
                reason: "not a regular file".to_string(),
            });
        }
        let name = canonical.to_string_lossy().into_owned();
        let entry_path = self.root().join("stat").join(format!(
            "{}.json",
            Digest::of_bytes(canonical.as_os_str().as_encoded_bytes())
        ));
        let before = stamp(&meta);
        if let (Some((size, mtime_ns)), Ok(entry)) = (before, read_json::<StatEntry>(&entry_path))
            && entry.path == name
            && entry.size == size
            && entry.mtime_ns == mtime_ns
        {
            return Ok(entry.digest);
        }

        let mut file = File::open(&canonical).map_err(io_at(path))?;
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(&mut file).map_err(io_at(path))?;
        let digest = Digest::from_hash(hasher.finalize());

        let after = file.metadata().map_err(io_at(path))?;
        let settled = after
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= RACY_WINDOW);
        if let Some((size, mtime_ns)) = before
            && stamp(&after) == before
            && settled
            && !self.is_read_only()
        {
            let entry = StatEntry {
                path: name,
                size,
                mtime_ns,
                digest,
            };
            let json = serde_json::to_vec_pretty(&entry).map_err(|source| CacheError::Json {
                path: entry_path.clone(),
                source,
            })?;
            atomic_write(&self.tmp_dir(), &entry_path, &json)?;
        }
        Ok(digest)
    }
}

impl Store {
    /// The content digest of the directory at `path`, by the one formula the cache uses for
    /// every directory of files (an object's port, an imported folder): blake3 over, per file in
    /// sorted '/'-path order, `u64le(len path) path u64le(size) bytes` (`DESIGN.md`). An imported
    /// folder with the same files as a published port has the same digest. Symbolic links are
    /// followed (a user's folder may link to its images), but a link back to a directory being
    /// walked is an error naming it, never an endless walk.
    pub fn hash_dir(&self, path: &Path) -> Result<Digest, CacheError> {
        Ok(crate::manifest::PortRecord::scan_following_links(path)?.content)
    }
}

/// (size, mtime in nanoseconds since the epoch), if the mtime is representable.
fn stamp(meta: &Metadata) -> Option<(u64, u64)> {
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((meta.len(), u64::try_from(mtime.as_nanos()).ok()?))
}
