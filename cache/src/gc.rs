//! [`Store::gc`]: removing objects by reachability, age and total size, and orphaned scratch
//! directories (see [`Store::orphaned_scratch`]), and
//! [`Store::clean_stale_staging`]: removing what killed processes left in `tmp/`.
//!
//! An object whose key lock is held (being written, or deliberately pinned) is never removed.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fsutil::{host_tag, io_at};
use crate::{CacheError, Digest, Object, Store};

/// What to remove. With every field `None`, only stale staging directories go.
#[derive(Clone, Debug, Default)]
pub struct GcPolicy {
    /// Remove every object not in this set (e.g. the keys reachable from named pipelines).
    pub keep: Option<HashSet<Digest>>,
    /// Then remove least-recently-used objects until the total is at most this many bytes.
    pub max_size: Option<u64>,
    /// Remove objects not used for longer than this.
    pub max_age: Option<Duration>,
    /// Remove scratch directories (checkpoints) of keys nobody computes that have not changed
    /// for longer than this; scratch of an already published key goes in any case.
    pub scratch_max_age: Option<Duration>,
    /// Report what would be removed, remove nothing.
    pub dry_run: bool,
}

/// One object removed (or, in a dry run, that would be).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedObject {
    pub key: Digest,
    pub kind: String,
    pub bytes: u64,
}

/// What a gc did.
#[derive(Clone, Debug, Default)]
pub struct GcReport {
    pub removed: Vec<RemovedObject>,
    pub kept_objects: usize,
    pub kept_bytes: u64,
    /// Stale staging directories and temporary files removed (or, in a dry run, found).
    pub stale_staging: usize,
    /// Orphaned scratch directories removed (or, in a dry run, found): key and bytes.
    pub scratch: Vec<(Digest, u64)>,
}

impl Store {
    /// Removes, in order: objects not in `keep`, objects unused for longer than `max_age`,
    /// then least-recently-used objects until the total is at most `max_size`; orphaned
    /// scratch; and stale entries of `tmp/`. Whatever has its key lock held is skipped.
    pub fn gc(&self, policy: &GcPolicy) -> Result<GcReport, CacheError> {
        let stale_staging = if policy.dry_run {
            self.stale_temp_entries()?.len()
        } else {
            self.clean_stale_staging()?
        };
        let mut report = GcReport {
            stale_staging,
            ..GcReport::default()
        };
        let now = SystemTime::now();

        let mut objects: Vec<(Object, SystemTime)> = self
            .objects()?
            .into_iter()
            .map(|o| {
                let used = self.used_at(&o);
                (o, used)
            })
            .collect();
        objects.sort_by_key(|(o, used)| (*used, o.key)); // least recently used first

        let mut kept = Vec::new();
        for (object, used) in objects {
            let unreachable = policy
                .keep
                .as_ref()
                .is_some_and(|k| !k.contains(&object.key));
            let too_old = policy
                .max_age
                .is_some_and(|age| now.duration_since(used).is_ok_and(|idle| idle > age));
            if !((unreachable || too_old) && self.collect(&object, policy.dry_run, &mut report)?) {
                kept.push(object);
            }
        }

        if let Some(max_size) = policy.max_size {
            let mut total: u64 = kept.iter().map(Object::bytes).sum();
            let mut still_kept = Vec::new();
            for object in kept {
                if total > max_size && self.collect(&object, policy.dry_run, &mut report)? {
                    total -= object.bytes();
                } else {
                    still_kept.push(object);
                }
            }
            kept = still_kept;
        }

        for (key, dir, bytes) in self.orphaned_scratch(policy.scratch_max_age)? {
            // A run computing this key holds its lock: leave its checkpoints alone.
            let Some(_lock) = self.try_lock(&key)? else {
                continue;
            };
            if !policy.dry_run {
                fs::remove_dir_all(&dir).map_err(io_at(&dir))?;
            }
            report.scratch.push((key, bytes));
        }

        report.kept_objects = kept.len();
        report.kept_bytes = kept.iter().map(Object::bytes).sum();
        Ok(report)
    }

    /// Removes `object` unless its lock is held; says whether it was (or would be) removed.
    fn collect(
        &self,
        object: &Object,
        dry_run: bool,
        report: &mut GcReport,
    ) -> Result<bool, CacheError> {
        let Some(_lock) = self.try_lock(&object.key)? else {
            return Ok(false);
        };
        if !dry_run {
            self.remove(&object.key)?;
        }
        report.removed.push(RemovedObject {
            key: object.key,
            kind: object.manifest.kind.clone(),
            bytes: object.bytes(),
        });
        Ok(true)
    }

    /// Last use, else creation time.
    fn used_at(&self, object: &Object) -> SystemTime {
        self.last_use(&object.key)
            .or_else(|| {
                let created = Duration::try_from_secs_f64(object.manifest.created_unix).ok()?;
                UNIX_EPOCH.checked_add(created)
            })
            .unwrap_or(UNIX_EPOCH)
    }

    /// Removes the entries of `tmp/` left by dead processes of this host; returns how many.
    pub fn clean_stale_staging(&self) -> Result<usize, CacheError> {
        let stale = self.stale_temp_entries()?;
        for path in &stale {
            let removed = if path.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
            match removed {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_at(path)(e)),
            }
        }
        Ok(stale.len())
    }

    /// Entries of `tmp/` named `<label>.<pid>.<nanos>[.<host>]` whose host is this one (or
    /// unrecorded) and whose pid is not running. Without `/proc` nothing can be judged stale.
    fn stale_temp_entries(&self) -> Result<Vec<PathBuf>, CacheError> {
        let proc = Path::new("/proc");
        if !proc.join("self").exists() {
            return Ok(Vec::new());
        }
        let tmp = self.tmp_dir();
        let mut stale = Vec::new();
        for entry in fs::read_dir(&tmp).map_err(io_at(&tmp))? {
            let path = entry.map_err(io_at(&tmp))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let parts: Vec<&str> = name.split('.').collect();
            let Some(pid) = parts.get(1).and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            let this_host = parts.get(3).is_none_or(|h| *h == host_tag());
            if parts.len() >= 3 && this_host && !proc.join(pid.to_string()).exists() {
                stale.push(path);
            }
        }
        stale.sort();
        Ok(stale)
    }
}
