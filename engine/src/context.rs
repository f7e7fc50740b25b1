//! What a running stage is given besides its inputs: its params, seed, thread budget, a scratch
//! directory that survives a crash (for checkpoints; never part of the cache key), the
//! directories to write `files` outputs into, a progress handle and a cancellation flag.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::events::NodeProgress;
use crate::params::Params;
use crate::stage::StageError;

pub struct RunContext {
    pub(crate) node: String,
    pub(crate) params: Params,
    pub(crate) seed: u64,
    pub(crate) threads: usize,
    pub(crate) scratch: PathBuf,
    pub(crate) outputs: PathBuf,
    pub(crate) cancel: Arc<AtomicBool>,
    pub(crate) progress: NodeProgress,
}

impl RunContext {
    /// A context for running a stage outside a plan (tests, benchmarks): outputs and scratch in
    /// `dir`, no progress display.
    pub fn detached(
        node: &str,
        params: Params,
        seed: u64,
        threads: usize,
        dir: &Path,
    ) -> RunContext {
        RunContext {
            node: node.to_string(),
            params,
            seed,
            threads,
            scratch: dir.join("scratch"),
            outputs: dir.join("ports"),
            cancel: Arc::new(AtomicBool::new(false)),
            progress: NodeProgress::silent(),
        }
    }

    /// The node's readable name, e.g. `bvae[beta=2.5,seed=3]`.
    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The node's seed (`seed = …` in the pipeline, or swept).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Threads this node may use (rayon work inside `run` is already confined to this many).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A directory private to this node's key that survives a crash or kill of the run (for
    /// checkpoints). Created on first use; removed once the node's result is published.
    pub fn scratch_dir(&self) -> Result<&Path, StageError> {
        std::fs::create_dir_all(&self.scratch)
            .map_err(|e| StageError::failed(format!("scratch {}: {e}", self.scratch.display())))?;
        Ok(&self.scratch)
    }

    /// The directory a `files` output port is written into (created on first use).
    pub fn output_dir(&self, port: &str) -> Result<PathBuf, StageError> {
        let dir = self.outputs.join(port);
        std::fs::create_dir_all(&dir)
            .map_err(|e| StageError::failed(format!("output {}: {e}", dir.display())))?;
        Ok(dir)
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once the run is being stopped; call it between units of work.
    pub fn check_cancelled(&self) -> Result<(), StageError> {
        if self.is_cancelled() {
            Err(StageError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Reports progress: `step` of `total` units, with a short message (e.g. the loss).
    pub fn progress(&self, step: u64, total: u64, message: &str) {
        self.progress.update(step, total, message);
    }
}
