//! Submission records in the shared cache: `slurm/submitted/<key>.json` says which Slurm task
//! computes a key, so a restarted `flow run` adopts a task still queued or running instead of
//! submitting it again; `slurm/submissions.log` has one line per `sbatch` (for `flow status`,
//! tests and benchmarks).

use std::path::{Path, PathBuf};

use flow_cache::Digest;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Submission {
    pub node: String,
    /// `ARRAY_TASK`, as squeue prints it (`123_4`).
    pub slurm_id: String,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    pub attempts: u32,
    pub submitted_unix: f64,
}

pub fn record_path(dir: &Path, key: &Digest) -> PathBuf {
    dir.join("submitted").join(format!("{key}.json"))
}

pub fn read(dir: &Path, key: &Digest) -> Option<Submission> {
    std::fs::read(record_path(dir, key))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

pub fn write(dir: &Path, key: &Digest, s: &Submission) -> std::io::Result<()> {
    let path = record_path(dir, key);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(s).unwrap_or_default())?;
    std::fs::rename(tmp, path)
}

pub fn remove(dir: &Path, key: &Digest) {
    let _ = std::fs::remove_file(record_path(dir, key));
}
