//! `zip = true` (axes of equal length) and cycles between stages (printed as the cycle).

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::diagnostic::Diagnostic;
use crate::pipeline::model::{Axis, StageDecl};
use crate::pipeline::raw::{RawEntry, RawValue};

pub(super) fn check_zip(entry: &RawEntry, axes: &[Axis], diags: &mut Vec<Diagnostic>) -> bool {
    match &entry.value.value {
        RawValue::Bool(z) => {
            if *z {
                let lens: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
                if lens.windows(2).any(|w| w[0] != w[1]) {
                    let sizes: Vec<String> = axes
                        .iter()
                        .map(|a| format!("{} has {}", a.name, a.values.len()))
                        .collect();
                    diags.push(Diagnostic::at(
                        &entry.value.span,
                        "zipped axes must have the same length",
                        sizes.join(", "),
                    ));
                }
            }
            *z
        }
        _ => {
            diags.push(
                Diagnostic::at(&entry.value.span, "`zip` must be true or false", "expected a boolean")
                    .help("`zip = true` pairs the stage's sweep axes element by element instead of crossing them"),
            );
            false
        }
    }
}

/// A cycle between stages is an error that prints the cycle.
pub(super) fn check_cycles(decls: &[StageDecl], diags: &mut Vec<Diagnostic>) {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..decls.len()).map(|i| graph.add_node(i)).collect();
    let index: HashMap<&str, usize> = decls
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    for (i, d) in decls.iter().enumerate() {
        for input in &d.inputs {
            for s in &input.sources {
                if let Some(&j) = index.get(s.stage.as_str()) {
                    graph.add_edge(nodes[j], nodes[i], ());
                }
            }
        }
    }
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        // Walk the cycle: from one member, follow edges that stay inside the component.
        let members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        let start = *members.iter().min().unwrap_or(&members[0]);
        let mut path = vec![start];
        let mut current = start;
        loop {
            let next = graph
                .neighbors(nodes[current])
                .map(|n| graph[n])
                .filter(|m| members.contains(m))
                .min_by_key(|m| (path.contains(m) && *m != start, *m));
            match next {
                Some(n) if n == start || path.contains(&n) => {
                    path.push(n);
                    break;
                }
                Some(n) => {
                    path.push(n);
                    current = n;
                }
                None => break,
            }
        }
        let names: Vec<&str> = path.iter().map(|&i| decls[i].name.as_str()).collect();
        let first = &decls[start];
        let mut d = Diagnostic::at(
            &first.name_span,
            format!("the stages form a cycle: {}", names.join(" → ")),
            "part of the cycle",
        );
        for &i in &path[1..path.len().saturating_sub(1)] {
            d = d.also(&decls[i].name_span, "part of the cycle");
        }
        diags.push(d.help("a pipeline is a DAG: remove one of these inputs"));
    }
}
