//! The run index: the last run record of each node, so `flow explain` can say why a node
//! re-runs. `index/<digest of scope>/<digest of node>.json` holds an opaque JSON record.
//!
//! Records are written atomically but not fsynced: losing one after a crash only loses an
//! explanation, never a result.

use std::path::PathBuf;

use crate::fsutil::{atomic_write, read_json};
use crate::{CacheError, Digest, Store};

impl Store {
    fn run_path(&self, scope: &str, node: &str) -> PathBuf {
        self.root()
            .join("index")
            .join(Digest::of_bytes(scope.as_bytes()).to_string())
            .join(format!("{}.json", Digest::of_bytes(node.as_bytes())))
    }

    /// Replaces the last run record of `node` in `scope` (e.g. a pipeline file).
    pub fn record_run(
        &self,
        scope: &str,
        node: &str,
        record: &serde_json::Value,
    ) -> Result<(), CacheError> {
        let path = self.run_path(scope, node);
        let json = serde_json::to_vec_pretty(record).map_err(|source| CacheError::Json {
            path: path.clone(),
            source,
        })?;
        atomic_write(&self.tmp_dir(), &path, &json)
    }

    /// The last run record of `node` in `scope`, if there is a readable one.
    pub fn last_run(&self, scope: &str, node: &str) -> Option<serde_json::Value> {
        read_json(&self.run_path(scope, node)).ok()
    }
}
