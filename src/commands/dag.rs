//! `flow dag`: the plan's DAG as Graphviz DOT or Mermaid, one box per node (or per stage).

use std::collections::BTreeSet;

use petgraph::visit::EdgeRef;

use crate::cli::{DagArgs, DagFormat, Global};
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn dag(global: &Global, args: &DagArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, Some(&args.pipeline.file));
    let plan = ws.plan(&args.pipeline.file, &args.pipeline.sets)?;
    let (labels, edges): (Vec<String>, BTreeSet<(usize, usize)>) = if args.stages {
        let mut stages: Vec<String> = Vec::new();
        for &i in &plan.order {
            let s = &plan.node(i).stage;
            if !stages.contains(s) {
                stages.push(s.clone());
            }
        }
        let pos = |name: &str| stages.iter().position(|s| s == name).unwrap_or(0);
        let edges = plan
            .graph
            .edge_references()
            .map(|e| {
                (
                    pos(&plan.graph[e.source()].stage),
                    pos(&plan.graph[e.target()].stage),
                )
            })
            .collect();
        (stages, edges)
    } else {
        let labels = (0..plan.len())
            .map(|i| plan.graph[petgraph::graph::NodeIndex::new(i)].name.clone())
            .collect();
        let edges = plan
            .graph
            .edge_references()
            .map(|e| (e.source().index(), e.target().index()))
            .collect();
        (labels, edges)
    };
    print!(
        "{}",
        match args.format {
            DagFormat::Dot => dot(&plan.name, &labels, &edges),
            DagFormat::Mermaid => mermaid(&labels, &edges),
        }
    );
    Ok(0)
}

fn dot(name: &str, labels: &[String], edges: &BTreeSet<(usize, usize)>) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        esc(name)
    );
    for (i, l) in labels.iter().enumerate() {
        out.push_str(&format!("  n{i} [label=\"{}\"];\n", esc(l)));
    }
    for (a, b) in edges {
        out.push_str(&format!("  n{a} -> n{b};\n"));
    }
    out.push_str("}\n");
    out
}

fn mermaid(labels: &[String], edges: &BTreeSet<(usize, usize)>) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, l) in labels.iter().enumerate() {
        out.push_str(&format!("  n{i}[\"{}\"]\n", l.replace('"', "#quot;")));
    }
    for (a, b) in edges {
        out.push_str(&format!("  n{a} --> n{b}\n"));
    }
    out
}
