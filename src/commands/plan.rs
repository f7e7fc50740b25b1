//! `flow plan`: every node of the pipeline, cached or to run, and why (a dry run).

use flow_engine::exec::session::plan_status;
use serde_json::json;

use crate::cli::{Global, PlanArgs, PlanFormat};
use crate::error::CliError;
use crate::workspace::{Workspace, select_nodes};

pub fn plan(global: &Global, args: &PlanArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, Some(&args.pipeline.file));
    let plan = ws.plan(&args.pipeline.file, &args.pipeline.sets)?;
    let forced = select_nodes(&plan, &args.force, "--force")?;
    let statuses = plan_status(&plan, &ws.store, &forced);
    match args.format {
        PlanFormat::Json => {
            let rows: Vec<_> = statuses
                .iter()
                .map(|s| {
                    let node = plan.node(s.index);
                    json!({
                        "name": node.name,
                        "stage": node.stage,
                        "kind": node.kind,
                        "key": s.digest.map(|d| d.to_string()),
                        "status": if s.cached { "cached" } else { "run" },
                        "reason": s.reason,
                        "params": node.params.to_json(),
                        "coords": node.coords.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            );
        }
        PlanFormat::Text => {
            let cached = statuses.iter().filter(|s| s.cached).count();
            for s in &statuses {
                let node = plan.node(s.index);
                if s.cached {
                    println!("cached  {}", node.name);
                } else {
                    println!("run     {}  ({})", node.name, s.reason);
                }
            }
            println!(
                "{}: {} nodes, {} cached, {} to run",
                plan.name,
                statuses.len(),
                cached,
                statuses.len() - cached
            );
        }
    }
    Ok(0)
}
