//! The store's areas besides `objects/`: what the engine and the binary keep in a cache, each
//! behind a method here so that the layout in `DESIGN.md` is the whole truth, `gc` and `du` see
//! everything, and no other crate joins paths onto the cache root.
//!
//! - `scratch/<key>/`: a node's private space while it computes (training checkpoints). It
//!   survives a crash so the next run resumes; it is removed when the node's object is published,
//!   and `gc` reclaims it once orphaned (see [`Store::orphaned_scratch`]).
//! - `index/<name>.json`: the engine's last-run records (advisory, one file per pipeline).
//! - `index/last-pipeline.<uid>`: the pipeline each user last ran or planned with this cache, so
//!   that `flow explain NODE` needs no `-p FILE`; per user, since a cache may be shared.
//! - `stage-runs/<digest>.toml`: the pipelines `flow stage` generates, named by their content.
//! - `<executor>/` (e.g. `slurm/`): a cluster executor's own records — serialised jobs, array
//!   scripts, task logs, and which task computes which key, so a restarted run adopts its jobs.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::fsutil::{atomic_write, io_at};
use crate::{CacheError, Digest, Store};

impl Store {
    /// The scratch directory of `key` (not created here).
    pub fn scratch(&self, key: &Digest) -> PathBuf {
        self.root().join("scratch").join(key.to_string())
    }

    /// Removes the scratch directory of `key`, if any.
    pub fn remove_scratch(&self, key: &Digest) -> Result<(), CacheError> {
        let dir = self.scratch(key);
        match fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_at(&dir)(e)),
            _ => Ok(()),
        }
    }

    /// Scratch directories left behind: the key's object is already published (a crash between
    /// publishing and cleaning up), or nothing in the directory changed for longer than
    /// `max_age` (an abandoned computation: its params were edited, or it was never re-run).
    /// With `max_age` `None`, only the first kind. A run may still hold one: whoever removes it
    /// takes the key's lock first (as `gc` does).
    pub fn orphaned_scratch(
        &self,
        max_age: Option<Duration>,
    ) -> Result<Vec<(Digest, PathBuf, u64)>, CacheError> {
        let area = self.root().join("scratch");
        let mut found = Vec::new();
        let entries = match fs::read_dir(&area) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(io_at(&area)(e)),
        };
        let now = SystemTime::now();
        for entry in entries {
            let dir = entry.map_err(io_at(&area))?.path();
            let Some(key) = dir
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse::<Digest>().ok())
            else {
                continue;
            };
            let (bytes, newest) = size_and_newest(&dir)?;
            let published = self.object_dir(&key).join("manifest.json").exists();
            let idle = now.duration_since(newest).unwrap_or_default();
            let abandoned = max_age.is_some_and(|age| idle > age);
            if published || abandoned {
                found.push((key, dir, bytes));
            }
        }
        found.sort();
        Ok(found)
    }

    /// The directory a cluster executor keeps its records in (`<root>/<executor>/`, not
    /// created here).
    pub fn executor_area(&self, executor: &str) -> PathBuf {
        self.root().join(executor)
    }

    /// The file of the engine's record named `name` (`index/<name>.json`).
    pub fn index_file(&self, name: &str) -> PathBuf {
        self.root().join("index").join(format!("{name}.json"))
    }

    /// Writes `bytes` as the record `name`, atomically.
    pub fn write_index(&self, name: &str, bytes: &[u8]) -> Result<(), CacheError> {
        atomic_write(&self.tmp_dir(), &self.index_file(name), bytes)
    }

    /// Remembers `pipeline` as the current user's last pipeline with this cache (best effort).
    pub fn set_last_pipeline(&self, pipeline: &Path) -> Result<(), CacheError> {
        atomic_write(
            &self.tmp_dir(),
            &self.last_pipeline_file(),
            pipeline.display().to_string().as_bytes(),
        )
    }

    /// The current user's last pipeline with this cache, if any.
    pub fn last_pipeline(&self) -> Option<PathBuf> {
        fs::read_to_string(self.last_pipeline_file())
            .ok()
            .map(|s| PathBuf::from(s.trim()))
    }

    fn last_pipeline_file(&self) -> PathBuf {
        self.root()
            .join("index")
            .join(format!("last-pipeline.{}", user_id()))
    }

    /// Writes a generated pipeline file into `stage-runs/`, named by its content; returns it.
    pub fn write_stage_run(&self, toml: &str) -> Result<PathBuf, CacheError> {
        let file = self.root().join("stage-runs").join(format!(
            "{}.toml",
            Digest::of_bytes(toml.as_bytes()).short()
        ));
        atomic_write(&self.tmp_dir(), &file, toml.as_bytes())?;
        Ok(file)
    }
}

/// The numeric user id of this process (the owner of `/proc/self`), or "any" without `/proc`.
fn user_id() -> String {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").map_or_else(|_| "any".to_string(), |m| m.uid().to_string())
}

/// Total bytes under `dir` and the newest modification time of it and anything in it.
fn size_and_newest(dir: &Path) -> Result<(u64, SystemTime), CacheError> {
    let meta = fs::symlink_metadata(dir).map_err(io_at(dir))?;
    let mut newest = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    if !meta.is_dir() {
        return Ok((meta.len(), newest));
    }
    let mut bytes = 0;
    for entry in fs::read_dir(dir).map_err(io_at(dir))? {
        let (b, n) = size_and_newest(&entry.map_err(io_at(dir))?.path())?;
        bytes += b;
        newest = newest.max(n);
    }
    Ok((bytes, newest))
}
