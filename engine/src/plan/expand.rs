//! Sweep expansion: stages → concrete nodes.
//!
//! Every node has coordinates: values on sweep axes, each axis identified by the stage that
//! declared it and its name. The rules, applied per stage in dependency order:
//! - **own axes**: a stage's `sweep.*` axes are crossed (or zipped with `zip = true`);
//! - **map**: a one-artifact input from a swept stage inherits that stage's coordinates, so there
//!   is one node per upstream instance;
//! - **gather**: a many-artifact input receives all instances of the upstream stage; with
//!   `group_by = ["beta"]` one node per distinct value of those axes, each gathering its group;
//! - **join**: coordinates from different inputs on the *same* axis (same declaring stage) must
//!   agree, so two inputs derived from one sweep pair up instance by instance; axes from
//!   different stages are crossed.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::params::Params;
use crate::pipeline::PipelineError;
use crate::pipeline::model::{Pipeline, StageDecl};
use crate::plan::{InputSource, Plan, PlanInput, PlanNode};
use crate::stage::Cardinality;
use crate::value::ParamValue;

/// An axis: (declaring stage, axis name).
type AxisId = (String, String);
/// Coordinates of one instance, in order.
type Coords = Vec<(AxisId, ParamValue)>;

fn agrees(a: &Coords, b: &Coords) -> bool {
    b.iter()
        .all(|(id, v)| a.iter().find(|(i, _)| i == id).is_none_or(|(_, w)| w == v))
}

/// Every consistent merge of one element of `left` with one of `right`.
fn join(left: Vec<Coords>, right: &[Coords]) -> Vec<Coords> {
    let mut out = Vec::new();
    for l in &left {
        for r in right {
            if agrees(l, r) {
                let mut merged = l.clone();
                merged.extend(
                    r.iter()
                        .filter(|(id, _)| !l.iter().any(|(i, _)| i == id))
                        .cloned(),
                );
                out.push(merged);
            }
        }
    }
    out
}

fn own_coords(decl: &StageDecl) -> Vec<Coords> {
    let id = |name: &str| (decl.name.clone(), name.to_string());
    if decl.axes.is_empty() {
        return vec![Vec::new()];
    }
    if decl.zip {
        let n = decl.axes[0].values.len();
        return (0..n)
            .map(|i| {
                decl.axes
                    .iter()
                    .map(|a| (id(&a.name), a.values[i].clone()))
                    .collect()
            })
            .collect();
    }
    let mut out = vec![Vec::new()];
    for axis in &decl.axes {
        let values: Vec<Coords> = axis
            .values
            .iter()
            .map(|v| vec![(id(&axis.name), v.clone())])
            .collect();
        out = join(out, &values);
    }
    out
}

/// Expands a validated pipeline into a plan.
pub fn plan(pipeline: &Pipeline) -> Result<Plan, PipelineError> {
    let mut diags = Vec::new();
    let mut graph: DiGraph<PlanNode, ()> = DiGraph::new();
    let mut order = Vec::new();
    // Instances of each expanded stage: (coords, node index).
    let mut instances: HashMap<String, Vec<(Coords, NodeIndex)>> = HashMap::new();

    for decl in stage_order(pipeline) {
        let mut space: Vec<Coords> = vec![Vec::new()];
        for input in &decl.inputs {
            for source in &input.sources {
                let Some(up) = instances.get(&source.stage) else {
                    continue;
                };
                let factor: Vec<Coords> = match input.port.cardinality {
                    Cardinality::One => up.iter().map(|(c, _)| c.clone()).collect(),
                    Cardinality::Many => {
                        let mut groups: Vec<Coords> = Vec::new();
                        for (c, _) in up {
                            let g: Coords = c
                                .iter()
                                .filter(|((_, name), _)| {
                                    decl.group_by.iter().any(|g| &g.value == name)
                                })
                                .cloned()
                                .collect();
                            if !groups.contains(&g) {
                                groups.push(g);
                            }
                        }
                        groups
                    }
                };
                space = join(space, &factor);
            }
        }
        // Every group_by axis must exist on some gathered input.
        for g in &decl.group_by {
            let available: Vec<String> = decl
                .inputs
                .iter()
                .filter(|i| i.port.cardinality == Cardinality::Many)
                .flat_map(|i| i.sources.iter())
                .filter_map(|s| instances.get(&s.stage))
                .flat_map(|up| {
                    up.first()
                        .map(|(c, _)| c.iter().map(|((_, n), _)| n.clone()).collect::<Vec<_>>())
                })
                .flatten()
                .collect();
            if !available.contains(&g.value) {
                diags.push(
                    Diagnostic::at(
                        &g.span,
                        format!(
                            "`group_by`: no gathered input of `{}` has an axis `{}`",
                            decl.name, g.value
                        ),
                        "unknown axis",
                    )
                    .suggest(did_you_mean(&g.value, available.iter().map(String::as_str)))
                    .help(if available.is_empty() {
                        "group_by applies to gathered (many) inputs from swept stages".to_string()
                    } else {
                        format!("axes available: {}", available.join(", "))
                    }),
                );
            }
        }
        space = join(space, &own_coords(decl));
        if space.is_empty() {
            diags.push(Diagnostic::at(
                &decl.name_span,
                format!(
                    "stage `{}` has no instances: the sweeps of its inputs never agree",
                    decl.name
                ),
                "empty expansion",
            ));
            continue;
        }

        // For each input source: its instances grouped by their coordinates on the axes they
        // share with this stage's nodes (all nodes of a stage have the same axes), so each node
        // finds its inputs by one lookup instead of a scan.
        let axes: Vec<AxisId> = space[0].iter().map(|(id, _)| id.clone()).collect();
        let lookups: Vec<Vec<SourceLookup>> = decl
            .inputs
            .iter()
            .map(|input| {
                input
                    .sources
                    .iter()
                    .map(|s| SourceLookup::new(instances.get(&s.stage), &axes, &s.port))
                    .collect()
            })
            .collect();
        let mut mine = Vec::new();
        for coords in space {
            let node = build_node(decl, &coords, &lookups);
            let ups: Vec<usize> = node
                .inputs
                .iter()
                .flat_map(|i| i.sources.iter().map(|s| s.node))
                .collect();
            let index = graph.add_node(node);
            for up in ups {
                graph.update_edge(NodeIndex::new(up), index, ());
            }
            order.push(index);
            mine.push((coords, index));
        }
        instances.insert(decl.name.clone(), mine);
    }
    if !diags.is_empty() {
        return Err(PipelineError {
            sources: pipeline.sources.clone(),
            diagnostics: diags,
        });
    }
    let by_name = order.iter().map(|&i| (graph[i].name.clone(), i)).collect();
    Ok(Plan {
        name: pipeline.name.clone(),
        scope: pipeline.path.display().to_string(),
        graph,
        order,
        by_name,
    })
}

/// An upstream stage's instances keyed by their values on the axes a downstream stage shares.
struct SourceLookup {
    shared: Vec<AxisId>,
    port: String,
    groups: HashMap<String, Vec<NodeIndex>>,
}

/// A hashable spelling of the values of `coords` on `axes`.
fn project(coords: &Coords, axes: &[AxisId]) -> String {
    let mut key = String::new();
    for axis in axes {
        if let Some((_, v)) = coords.iter().find(|(id, _)| id == axis) {
            key.push_str(&v.to_json().to_string());
        }
        key.push('\u{1f}');
    }
    key
}

impl SourceLookup {
    fn new(
        instances: Option<&Vec<(Coords, NodeIndex)>>,
        axes: &[AxisId],
        port: &str,
    ) -> SourceLookup {
        let instances = instances.map_or(&[][..], Vec::as_slice);
        let shared: Vec<AxisId> = instances
            .first()
            .map(|(c, _)| {
                c.iter()
                    .map(|(id, _)| id.clone())
                    .filter(|id| axes.contains(id))
                    .collect()
            })
            .unwrap_or_default();
        let mut groups: HashMap<String, Vec<NodeIndex>> = HashMap::new();
        for (c, idx) in instances {
            groups.entry(project(c, &shared)).or_default().push(*idx);
        }
        SourceLookup {
            shared,
            port: port.to_string(),
            groups,
        }
    }

    /// The instances that agree with `coords` on every shared axis, in plan order.
    fn matching(&self, coords: &Coords) -> &[NodeIndex] {
        self.groups
            .get(&project(coords, &self.shared))
            .map_or(&[], Vec::as_slice)
    }
}

fn build_node(decl: &StageDecl, coords: &Coords, lookups: &[Vec<SourceLookup>]) -> PlanNode {
    let mut params = Params::default();
    for (k, v) in &decl.params {
        params.0.insert(k.clone(), v.value.clone());
    }
    let mut seed = decl.seed;
    for ((stage, axis), value) in coords {
        if stage != &decl.name {
            continue;
        }
        if axis == "seed" {
            seed = value.as_i64().unwrap_or(0) as u64;
        } else {
            params.0.insert(axis.clone(), value.clone());
        }
    }
    let inputs = decl
        .inputs
        .iter()
        .zip(lookups)
        .map(|(input, sources)| {
            let sources = sources
                .iter()
                .flat_map(|l| {
                    l.matching(coords).iter().map(|idx| InputSource {
                        node: idx.index(),
                        port: l.port.clone(),
                    })
                })
                .collect();
            PlanInput {
                port: input.port.name.to_string(),
                ty: input.port.ty,
                sources,
            }
        })
        .collect();
    // Display names: qualify an axis with its stage only where two axes share a name.
    let display: Vec<(String, ParamValue)> = coords
        .iter()
        .map(|((stage, axis), v)| {
            let clash = coords.iter().filter(|((_, a), _)| a == axis).count() > 1;
            (
                if clash {
                    format!("{stage}.{axis}")
                } else {
                    axis.clone()
                },
                v.clone(),
            )
        })
        .collect();
    let name = if display.is_empty() {
        decl.name.clone()
    } else {
        let parts: Vec<String> = display.iter().map(|(a, v)| format!("{a}={v}")).collect();
        format!("{}[{}]", decl.name, parts.join(","))
    };
    // What decides the bytes goes into the key: a machine-dependent setting (`device = "auto"`)
    // is replaced by what this machine resolves it to before the key is ever computed.
    decl.kind.resolve(&mut params);
    let threads = decl
        .threads
        .unwrap_or_else(|| decl.kind.threads(&params))
        .max(1);
    let gpus = decl.kind.gpus(&params);
    PlanNode {
        name,
        stage: decl.name.clone(),
        kind: decl.kind.name().to_string(),
        version: decl.kind.version(),
        coords: display,
        params,
        path_params: decl.path_params.clone(),
        seed,
        threads,
        gpus,
        inputs,
        outputs: decl
            .kind
            .outputs()
            .iter()
            .map(|p| (p.name.to_string(), p.ty))
            .collect(),
    }
}

/// Stages in dependency order: by depth (the longest chain of inputs above a stage, from
/// petgraph's topological sort), then file order; validation ruled out cycles.
fn stage_order(pipeline: &Pipeline) -> Vec<&StageDecl> {
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..pipeline.stages.len())
        .map(|i| graph.add_node(i))
        .collect();
    let index: HashMap<&str, usize> = pipeline
        .stages
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    for (i, decl) in pipeline.stages.iter().enumerate() {
        for source in decl.inputs.iter().flat_map(|input| &input.sources) {
            if let Some(&j) = index.get(source.stage.as_str()) {
                graph.update_edge(nodes[j], nodes[i], ());
            }
        }
    }
    let sorted = petgraph::algo::toposort(&graph, None).unwrap_or_else(|_| nodes.clone());
    let mut depth = vec![0usize; pipeline.stages.len()];
    for n in sorted {
        let below = graph
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .map(|up| depth[graph[up]] + 1)
            .max()
            .unwrap_or(0);
        depth[graph[n]] = below;
    }
    let mut order: Vec<usize> = (0..pipeline.stages.len()).collect();
    order.sort_by_key(|&i| (depth[i], i));
    order.into_iter().map(|i| &pipeline.stages[i]).collect()
}
