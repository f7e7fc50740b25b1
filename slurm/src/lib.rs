//! flow-slurm: the Slurm executor, the same plan on a real cluster. Slurm schedules; flow plans and caches.
//!
//! Ready nodes of one stage kind and resource class go out as one job array; each task runs
//! `flow exec-node` on a serialised [`Job`](flow_engine::exec::job::Job) written into the shared cache,
//! so no task re-parses the pipeline. Dependencies are handled by flow: only ready nodes are
//! submitted, so no job can wait forever on a failed dependency. State comes from `squeue` at a
//! bounded rate (`sacct` where finished jobs have left the queue); a task that ends badly is
//! reported with its Slurm state, the tail of its stderr and its log path; PREEMPTED and
//! NODE_FAIL tasks are resubmitted up to a limit. Submissions are recorded in the cache, so a
//! restarted `flow run` finds its jobs still queued or running and waits for them instead of
//! submitting them again.

pub mod client;
pub mod config;
mod executor;
pub use executor::job_states;
pub mod record;

pub use client::SlurmClient;
pub use config::SlurmConfig;
pub use executor::SlurmExecutor;
