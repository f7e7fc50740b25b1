//! `flow run`: compute every wanted node whose result is not cached, with progress, and end with
//! a summary that names each failure. Ctrl-C or SIGTERM stops cleanly: no new node starts,
//! running nodes stop at their next cancellation check, nothing half-written is published. A
//! second Ctrl-C exits at once (still without corrupting the cache: unpublished work is only in
//! `tmp/`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use flow_engine::PipelineError;
use flow_engine::events::RunEvents;
use flow_engine::exec::local::LocalExecutor;
use flow_engine::exec::session::{RunOptions, RunReport, run as run_plan};
use flow_slurm::config::executor_kind;
use flow_slurm::{SlurmConfig, SlurmExecutor};

use crate::commands::publish;
use crate::progress::{ProgressMode, TerminalProgress};

use crate::cli::{ExecutorChoice, Global, ProgressChoice, RunArgs};
use crate::error::CliError;
use crate::workspace::{Workspace, select_nodes};

pub fn progress_mode(choice: ProgressChoice) -> ProgressMode {
    match choice {
        ProgressChoice::Auto => ProgressMode::detect(),
        ProgressChoice::Bars => ProgressMode::Bars,
        ProgressChoice::Lines => ProgressMode::Lines,
        ProgressChoice::None => ProgressMode::Silent,
    }
}

/// Installs the Ctrl-C / SIGTERM handler: the first signal asks to stop, the second exits.
pub fn cancel_flag() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            say!("flow: stopped");
            std::process::exit(130);
        }
        say!("flow: stopping — waiting for running nodes to stop (press Ctrl-C again to exit now)");
    });
    cancel
}

pub fn run(global: &Global, args: &RunArgs) -> Result<i32, CliError> {
    let started = Instant::now();
    let ws = Workspace::open(global, Some(&args.pipeline.file))?;
    let (pipeline, plan) = ws.load(&args.pipeline.file, &args.pipeline.sets)?;
    let forced = select_nodes(&plan, &args.force, "--force")?;
    let publications = publish::check(&pipeline, &plan)?;
    let wanted = if args.until.is_empty() {
        vec![true; plan.len()]
    } else {
        let targets = select_nodes(&plan, &args.until, "--until")?;
        let idx: Vec<_> = plan
            .order
            .iter()
            .copied()
            .filter(|i| targets[i.index()])
            .collect();
        plan.ancestors(&idx)
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let choice = match args.executor {
        Some(c) => c,
        None => match executor_kind(pipeline.executor.as_ref()).as_deref() {
            None | Some("local") => ExecutorChoice::Local,
            Some("slurm") => ExecutorChoice::Slurm,
            Some(other) => {
                return Err(CliError::usage(format!(
                    "[executor] kind = \"{other}\": flow knows \"local\" and \"slurm\""
                )));
            }
        },
    };
    let cancel = cancel_flag();
    let _ = ws.store.clean_stale_staging();
    let total = wanted.iter().filter(|w| **w).count() as u64;
    let terminal = Arc::new(TerminalProgress::new(progress_mode(args.progress), total));
    let progress = RunEvents::new(terminal.clone());
    let opts = RunOptions {
        forced,
        wanted,
        cancel: cancel.clone(),
    };
    let report = match choice {
        ExecutorChoice::Local => {
            let mut executor = LocalExecutor::new(
                jobs,
                ws.store.clone(),
                ws.catalog.clone(),
                cancel,
                progress.clone(),
            );
            run_plan(&plan, &ws.store, &mut executor, &progress, &opts)
        }
        ExecutorChoice::Slurm => {
            let config =
                SlurmConfig::from_table(pipeline.executor.as_ref()).map_err(|diagnostics| {
                    CliError::Pipeline(
                        PipelineError {
                            sources: pipeline.sources.clone(),
                            diagnostics,
                        },
                        ws.color,
                    )
                })?;
            let mut executor =
                SlurmExecutor::new(config, ws.store.clone(), cancel, progress.clone())
                    .map_err(CliError::failed)?;
            let report = run_plan(&plan, &ws.store, &mut executor, &progress, &opts);
            let c = executor.calls();
            let submitted = executor.all_submitted_at.map_or(String::new(), |t| {
                format!(
                    "; last submission {:.2}s after start",
                    (t - started).as_secs_f64()
                )
            });
            say!(
                "slurm: {} sbatch, {} squeue, {} sacct, {} scancel calls{submitted}",
                c.sbatch,
                c.squeue,
                c.sacct,
                c.scancel
            );
            report
        }
    };
    terminal.finish();
    say_raw!(
        "{}",
        summary(&plan.name, &report, started.elapsed().as_secs_f64())
    );
    if !publications.is_empty() && !report.cancelled {
        let dir = publish::results_dir(&pipeline, args.results.as_deref());
        let (written, stale) = publish::publish(&ws, &pipeline, &plan, &publications, &dir)?;
        for path in &written {
            say!("flow: published {}", path.display());
        }
        for path in &stale {
            say!(
                "flow: not published (its node has no result): {}",
                dir.join(path).display()
            );
        }
    }
    Ok(if report.cancelled {
        130
    } else if report.ok() {
        0
    } else {
        1
    })
}

/// The closing lines of a run.
pub fn summary(name: &str, r: &RunReport, seconds: f64) -> String {
    let mut out = format!(
        "flow: {name}: {} computed, {} cached{}, {} failed, {} skipped in {seconds:.2}s\n",
        r.computed.len(),
        r.cached,
        if r.reused > 0 {
            format!(
                ", {} reused (computed meanwhile under the same key)",
                r.reused
            )
        } else {
            String::new()
        },
        r.failed.len(),
        r.skipped.len(),
    );
    for (node, reason) in &r.failed {
        out.push_str(&format!("  FAILED  {node}: {reason}\n"));
    }
    if !r.skipped.is_empty() {
        let shown: Vec<String> = r
            .skipped
            .iter()
            .take(10)
            .map(|(n, c)| format!("{n} (needs {c})"))
            .collect();
        let more = if r.skipped.len() > 10 {
            format!(" and {} more", r.skipped.len() - 10)
        } else {
            String::new()
        };
        out.push_str(&format!("  skipped {}{more}\n", shown.join(", ")));
    }
    if r.cancelled {
        out.push_str(&format!(
            "  cancelled: {} nodes did not start; run again to continue\n",
            r.not_started
        ));
    }
    out
}
