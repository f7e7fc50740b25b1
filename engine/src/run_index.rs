//! "Last run" records: for each node name of a pipeline, the key it had the last time it was
//! computed or found in the cache. This is what lets `flow plan` say *why* a node will run
//! (param changed, input changed, stage version changed …) and `flow explain` diff the keys.
//!
//! One JSON file per pipeline file, under `index/` of the cache, read once per command and
//! written once at the end of a run (merged with what other processes wrote meanwhile, then
//! atomically renamed). Records are advisory: losing one only makes a reason say "new".

use std::collections::BTreeMap;
use std::path::Path;

use flow_cache::{Digest, Store};

use crate::plan::key::CacheKey;

pub struct RunIndex {
    store: Store,
    name: String,
    records: BTreeMap<String, CacheKey>,
    changed: BTreeMap<String, CacheKey>,
}

impl RunIndex {
    pub fn open(store: &Store, scope: &str) -> RunIndex {
        let name = Digest::of_bytes(scope.as_bytes()).to_string();
        let records = read(&store.index_file(&name));
        RunIndex {
            store: store.clone(),
            name,
            records,
            changed: BTreeMap::new(),
        }
    }

    pub fn last(&self, node: &str) -> Option<&CacheKey> {
        self.records.get(node)
    }

    pub fn record(&mut self, node: &str, key: &CacheKey) {
        if self.records.get(node) != Some(key) {
            self.records.insert(node.to_string(), key.clone());
            self.changed.insert(node.to_string(), key.clone());
        }
    }

    /// Writes the changed records (merged over the file as it is now).
    pub fn save(&mut self) -> Result<(), flow_cache::CacheError> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let mut merged = read(&self.store.index_file(&self.name));
        merged.extend(self.changed.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.store
            .write_index(&self.name, &serde_json::to_vec(&merged).unwrap_or_default())?;
        self.changed.clear();
        Ok(())
    }
}

fn read(path: &Path) -> BTreeMap<String, CacheKey> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
