//! Execution: jobs, the executor contract, the local executor, and the run loop.

pub mod executor;
pub mod job;
pub mod local;
pub mod session;
pub mod slurm;
