//! What `flow collect` is given about one node: its name, stage, sweep coordinates, cache key
//! and status, and its result — a JSON value, or a table's rows as JSON objects.

use flow_engine::ParamValue;
use serde_json::Value;

/// One node of a collected stage.
#[derive(Clone, Debug)]
pub struct NodeRecord {
    /// `stage[axis=value,…]`.
    pub node: String,
    /// Sweep coordinates, inherited ones first (the plan's order).
    pub coords: Vec<(String, ParamValue)>,
    /// The cache key, when the node's inputs are known.
    pub key: Option<String>,
    /// `cached`, or why the node has no result (`not computed`, `inputs missing`, …).
    pub status: String,
    /// The result: one JSON object for a JSON port, one per row for a table port; empty for
    /// a node without a result.
    pub rows: Vec<Value>,
}

impl NodeRecord {
    pub fn is_cached(&self) -> bool {
        !self.rows.is_empty()
    }
}
