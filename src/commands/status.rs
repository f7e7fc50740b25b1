//! `flow status`: per stage, how many nodes are cached and how many would run.

use flow_engine::exec::session::plan_status;

use crate::cli::{Global, PipelineArgs};
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn status(global: &Global, args: &PipelineArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, Some(&args.file));
    let plan = ws.plan(&args.file, &args.sets)?;
    let statuses = plan_status(&plan, &ws.store, &vec![false; plan.len()]);
    let mut rows: Vec<(String, String, usize, usize)> = Vec::new();
    for s in &statuses {
        let node = plan.node(s.index);
        match rows.iter_mut().find(|r| r.0 == node.stage) {
            Some(r) => {
                r.2 += 1;
                r.3 += usize::from(s.cached);
            }
            None => rows.push((
                node.stage.clone(),
                node.kind.clone(),
                1,
                usize::from(s.cached),
            )),
        }
    }
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(5).max(5);
    let k = rows.iter().map(|r| r.1.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<w$}  {:<k$}  {:>6}  {:>6}  {:>6}",
        "stage", "kind", "nodes", "cached", "to run"
    );
    for (stage, kind, n, c) in &rows {
        println!("{stage:<w$}  {kind:<k$}  {n:>6}  {c:>6}  {:>6}", n - c);
    }
    let cached = statuses.iter().filter(|s| s.cached).count();
    println!(
        "{}: {} nodes, {} cached, {} to run (cache {})",
        plan.name,
        statuses.len(),
        cached,
        statuses.len() - cached,
        ws.store.root().display()
    );
    let keys: Vec<(String, flow_cache::Digest)> = statuses
        .iter()
        .filter(|s| !s.cached)
        .filter_map(|s| s.digest.map(|d| (plan.node(s.index).name.clone(), d)))
        .collect();
    let jobs = flow_slurm::job_states(&ws.store, &keys);
    if !jobs.is_empty() {
        println!("\nSlurm jobs of this run:");
        for (node, id, state) in jobs {
            println!("  {id:<12} {state:<12} {node}");
        }
    }
    Ok(0)
}
