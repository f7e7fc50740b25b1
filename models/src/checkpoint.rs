//! Checkpoints: everything a killed or preempted run needs to continue exactly where it was.
//!
//! A checkpoint is a directory `checkpoint/` inside the node's scratch space holding the
//! network's parameters (`network.bpk`, burnpack, with their parameter ids), Adam's moments and
//! step counts (`optimizer.bpk`), the classifier's best network so far (`best.bpk`), and the
//! loop's own state (`state.json`: the spec, the step, the loss curve so far, early-stopping
//! counters). It is written to `checkpoint.tmp/` and renamed into place (the previous one moved
//! aside first and removed last), so a crash at any moment leaves one complete checkpoint: the
//! new one, or the previous one in `checkpoint.old/`.
//!
//! The random draws of step k depend only on k ([`crate::rng`]), so no generator state is saved.
//! A checkpoint whose spec differs from the run's is ignored (and replaced at the next save).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::ModelError;
use crate::spec::TrainSpec;
use crate::trainer::CurvePoint;

/// Where and how often to checkpoint.
#[derive(Clone, Debug)]
pub struct Checkpointing {
    pub dir: PathBuf,
    /// Wall time between checkpoints (zero: after every step).
    pub every: Duration,
}

/// The training loop's state besides the tensors.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LoopState {
    /// Steps completed.
    pub step: u64,
    pub curve: Vec<CurvePoint>,
    /// The running sums of the curve window in progress: steps, loss, reconstruction, kl.
    pub window: (u64, f64, f64, f64),
    /// Classifier: the best validation accuracy so far, its step, and evaluations since.
    pub best_accuracy: Option<f64>,
    pub best_step: u64,
    pub evals_since_best: u64,
    /// Classifier: early stopping ended the run.
    pub stopped_early: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StateFile {
    spec: TrainSpec,
    state: LoopState,
}

/// The files of one complete checkpoint.
pub struct Saved {
    pub state: LoopState,
    pub network: PathBuf,
    pub optimizer: PathBuf,
    pub best: Option<PathBuf>,
}

const CURRENT: &str = "checkpoint";
const STAGING: &str = "checkpoint.tmp";
const PREVIOUS: &str = "checkpoint.old";

impl Checkpointing {
    /// The newest complete checkpoint for `spec`, if any.
    pub fn latest(&self, spec: &TrainSpec) -> Result<Option<Saved>, ModelError> {
        for name in [CURRENT, PREVIOUS] {
            let dir = self.dir.join(name);
            let state_path = dir.join("state.json");
            let Ok(text) = fs::read_to_string(&state_path) else {
                continue;
            };
            let file: StateFile = match serde_json::from_str(&text) {
                Ok(f) => f,
                Err(_) => continue, // torn or foreign: ignore, it will be replaced
            };
            if &file.spec != spec {
                continue;
            }
            let best = dir.join("best.bpk");
            return Ok(Some(Saved {
                state: file.state,
                network: dir.join("network.bpk"),
                optimizer: dir.join("optimizer.bpk"),
                best: best.exists().then_some(best),
            }));
        }
        Ok(None)
    }

    /// Writes a checkpoint: `write` puts the tensor files into the directory it is given.
    pub fn save(
        &self,
        spec: &TrainSpec,
        state: &LoopState,
        write: impl FnOnce(&Path) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let staging = self.dir.join(STAGING);
        let current = self.dir.join(CURRENT);
        let previous = self.dir.join(PREVIOUS);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| ModelError::io(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| ModelError::io(&staging, e))?;
        write(&staging)?;
        let file = StateFile {
            spec: spec.clone(),
            state: state.clone(),
        };
        let text = serde_json::to_string(&file).map_err(|e| ModelError::io(&staging, e))?;
        let state_path = staging.join("state.json");
        fs::write(&state_path, text).map_err(|e| ModelError::io(&state_path, e))?;
        sync_dir(&staging)?;
        if previous.exists() {
            fs::remove_dir_all(&previous).map_err(|e| ModelError::io(&previous, e))?;
        }
        if current.exists() {
            fs::rename(&current, &previous).map_err(|e| ModelError::io(&current, e))?;
        }
        fs::rename(&staging, &current).map_err(|e| ModelError::io(&staging, e))?;
        if previous.exists() {
            fs::remove_dir_all(&previous).map_err(|e| ModelError::io(&previous, e))?;
        }
        Ok(())
    }
}

/// fsyncs every file of `dir` and the directory itself.
fn sync_dir(dir: &Path) -> Result<(), ModelError> {
    for entry in fs::read_dir(dir).map_err(|e| ModelError::io(dir, e))? {
        let path = entry.map_err(|e| ModelError::io(dir, e))?.path();
        fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| ModelError::io(&path, e))?;
    }
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| ModelError::io(dir, e))
}

/// When the next checkpoint is due.
pub struct Clock {
    every: Duration,
    last: Instant,
}

impl Clock {
    pub fn new(every: Duration) -> Clock {
        Clock {
            every,
            last: Instant::now(),
        }
    }

    pub fn due(&self) -> bool {
        self.last.elapsed() >= self.every
    }

    pub fn reset(&mut self) {
        self.last = Instant::now();
    }
}
