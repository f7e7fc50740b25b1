//! The executor contract: something that runs [`Job`]s and reports how each ended. The run loop
//! ([`crate::exec::session`]) decides *what* is ready; an executor decides *where* it runs
//! (worker threads here, a Slurm job array on a cluster).

use crate::exec::job::Job;
use flow_cache::Object;

/// How one job ended.
#[expect(
    clippy::large_enum_variant,
    reason = "one outcome per job, moved once; boxing the object would only add a step"
)]
pub enum Outcome {
    Done {
        index: usize,
        object: Object,
        reused: bool,
        seconds: f64,
    },
    Failed {
        index: usize,
        reason: String,
    },
    /// Stopped by the run's cancellation: neither done nor a failure of the node.
    Cancelled {
        index: usize,
    },
}

pub trait Executor {
    /// Whether a job needing `threads` threads can start now.
    fn has_room(&self, threads: usize) -> bool;
    /// Starts a job (the caller checked `has_room`).
    fn start(&mut self, job: Job);
    /// Jobs started and not yet reported.
    fn running(&self) -> usize;
    /// Blocks until a running job ends; `None` when none is running.
    fn next(&mut self) -> Option<Outcome>;
}
