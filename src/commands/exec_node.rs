//! `flow exec-node JOB.json` (hidden): runs one serialised plan node against the cache. This is
//! what a cluster task runs; the pipeline is not re-parsed or re-planned.

use std::sync::Arc;

use flow_engine::events::RunEvents;
use flow_engine::exec::job::{Job, JobEnv, execute};

use crate::progress::{ProgressMode, TerminalProgress};

use crate::cli::{ExecNodeArgs, Global};
use crate::commands::run::cancel_flag;
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn exec_node(global: &Global, args: &ExecNodeArgs) -> Result<i32, CliError> {
    let ws = Workspace::open(global, None)?;
    let text = std::fs::read(&args.job)
        .map_err(|e| CliError::failed(format!("{}: {e}", args.job.display())))?;
    let job: Job = serde_json::from_slice(&text)
        .map_err(|e| CliError::failed(format!("{}: not a job: {e}", args.job.display())))?;
    let progress = RunEvents::new(Arc::new(TerminalProgress::new(ProgressMode::Lines, 1)));
    let node_progress = progress.started(&job.node.name);
    let log = |line: &str| say!("{line}");
    let env = JobEnv {
        store: &ws.store,
        catalog: &ws.catalog,
        cancel: cancel_flag(),
        progress: node_progress,
        log: &log,
    };
    match execute(&job, &env) {
        Ok(done) => {
            println!(
                "{}",
                serde_json::json!({ "node": job.node.name, "object": done.object.key.to_string(), "reused": done.reused, "seconds": done.seconds })
            );
            Ok(0)
        }
        Err(reason) => Err(CliError::failed(format!("{}: {reason}", job.node.name))),
    }
}
