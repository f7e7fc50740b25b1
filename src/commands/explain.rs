//! `flow explain NODE`: the parts of a node's cache key, and what changed since that node's
//! last run — the answer to "why did this re-run?".

use flow_engine::exec::session::reason;
use flow_engine::run_index::RunIndex;

use crate::cli::{Global, NodeArgs};
use crate::commands::node::find_in_pipeline;
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn explain(global: &Global, args: &NodeArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, args.pipeline.as_deref());
    let found = find_in_pipeline(&ws, args)?;
    let node = found.plan.node(found.index);
    let index = RunIndex::open(&ws.store, &found.plan.scope);
    println!("node     {}", node.name);
    println!(
        "stage    {} (kind `{}`, version {})",
        node.stage, node.kind, node.version
    );
    let Some(key) = &found.status.key else {
        println!("key      not known yet: {}", found.status.reason);
        println!(
            "         (a key includes the content of every input; it is computed once they exist)"
        );
        return Ok(0);
    };
    let digest = key.digest();
    println!("key      {digest}");
    println!(
        "status   {}",
        if found.status.cached {
            "cached".to_string()
        } else {
            format!("to run: {}", found.status.reason)
        }
    );
    println!("parts of the key:");
    println!("  kind     {}", key.kind);
    println!("  version  {}", key.version);
    println!("  seed     {}", key.seed);
    for (k, v) in &key.params {
        println!("  param    {k} = {v}");
    }
    for (input, plan_input) in key.inputs.iter().zip(&node.inputs) {
        for (content, source) in input.content.iter().zip(&plan_input.sources) {
            let up = &found.plan.graph[petgraph::graph::NodeIndex::new(source.node)];
            println!(
                "  input    {} ← {}.{}  content {}",
                input.port,
                up.name,
                source.port,
                content.short()
            );
        }
    }
    match index.last(&node.name) {
        None => println!("last run: none recorded for this node"),
        Some(old) if old == key => println!("last run: same key"),
        Some(old) => {
            println!("since the last run ({}):", old.digest().short());
            println!("  {}", reason(key, Some(old), false).replace("; ", "\n  "));
        }
    }
    Ok(0)
}
