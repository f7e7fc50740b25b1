//! Execution: jobs, the executor contract, the local executor, and the run loop. Executors
//! for clusters live in their own crates (`flow-slurm`), implementing [`executor::Executor`].

pub mod error;
pub mod executor;
pub mod job;
pub mod local;
pub mod session;
