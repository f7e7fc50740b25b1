//! A plan: the pipeline's sweeps expanded into concrete nodes (`bvae[beta=2.5,seed=3]`), as a
//! petgraph DAG in dependency order. Each node carries everything needed to run it without the
//! pipeline file (so a cluster task can run a serialised node), except its cache key, which
//! depends on the *content* of its inputs and is computed when they are known (early cutoff).

mod expand;
pub mod key;

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactType;
use crate::params::Params;
use crate::value::ParamValue;
pub use expand::plan;

/// Where one item of an input port comes from: an upstream node's output port.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputSource {
    /// Index of the upstream node in the plan.
    pub node: usize,
    pub port: String,
}

/// One input port of a node and the upstream ports feeding it (one for a mapped port; the
/// gathered instances in plan order for a gather port).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanInput {
    pub port: String,
    pub ty: ArtifactType,
    pub sources: Vec<InputSource>,
}

/// One concrete node of a plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanNode {
    /// Readable and unique in the plan: `stage[axis=value,…]`.
    pub name: String,
    pub stage: String,
    pub kind: String,
    pub version: u32,
    /// Sweep coordinates, inherited ones first: (axis display name, value).
    pub coords: Vec<(String, ParamValue)>,
    pub params: Params,
    /// Params of type `path`: their file content, not their path, enters the key.
    pub path_params: Vec<String>,
    pub seed: u64,
    pub threads: usize,
    /// GPUs the stage kind asks for (cluster executors only).
    #[serde(default)]
    pub gpus: u32,
    pub inputs: Vec<PlanInput>,
    pub outputs: Vec<(String, ArtifactType)>,
}

/// The expanded DAG.
pub struct Plan {
    pub name: String,
    /// Scope of "last run" records: the pipeline file.
    pub scope: String,
    pub graph: DiGraph<PlanNode, ()>,
    /// All nodes in a topological order (upstream first; within that, file order).
    pub order: Vec<NodeIndex>,
    by_name: HashMap<String, NodeIndex>,
}

impl Plan {
    pub fn node(&self, i: NodeIndex) -> &PlanNode {
        &self.graph[i]
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    pub fn find(&self, name: &str) -> Option<NodeIndex> {
        self.by_name.get(name).copied()
    }

    /// Nodes selected by a name: an exact node name, or a stage name (all its instances).
    pub fn select(&self, name: &str) -> Vec<NodeIndex> {
        if let Some(i) = self.find(name) {
            return vec![i];
        }
        self.order
            .iter()
            .copied()
            .filter(|&i| self.graph[i].stage == name)
            .collect()
    }

    /// All node names, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|&i| self.graph[i].name.as_str())
    }

    /// `targets` and everything upstream of them.
    pub fn ancestors(&self, targets: &[NodeIndex]) -> Vec<bool> {
        let mut keep = vec![false; self.len()];
        let mut stack: Vec<NodeIndex> = targets.to_vec();
        while let Some(i) = stack.pop() {
            if keep[i.index()] {
                continue;
            }
            keep[i.index()] = true;
            stack.extend(
                self.graph
                    .neighbors_directed(i, petgraph::Direction::Incoming),
            );
        }
        keep
    }
}
