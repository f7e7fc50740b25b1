//! "Last run" records: for each node name of a pipeline, the key it had the last time it was
//! computed or found in the cache. This is what lets `flow plan` say *why* a node will run
//! (param changed, input changed, stage version changed …) and `flow explain` diff the keys.
//!
//! One JSON file per pipeline file, under `index/` of the cache, read once per command and
//! written once at the end of a run (merged with what other processes wrote meanwhile, then
//! atomically renamed). Records are advisory: losing one only makes a reason say "new".

use std::collections::BTreeMap;
use std::path::PathBuf;

use flow_cache::{Digest, Store};

use crate::plan::key::CacheKey;

pub struct RunIndex {
    path: PathBuf,
    records: BTreeMap<String, CacheKey>,
    changed: BTreeMap<String, CacheKey>,
}

impl RunIndex {
    pub fn open(store: &Store, scope: &str) -> RunIndex {
        let path = store
            .root()
            .join("index")
            .join(format!("{}.json", Digest::of_bytes(scope.as_bytes())));
        let records = read(&path);
        RunIndex {
            path,
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
    pub fn save(&mut self) -> std::io::Result<()> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let mut merged = read(&self.path);
        merged.extend(self.changed.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self
            .path
            .with_extension(format!("tmp.{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(&merged).unwrap_or_default())?;
        std::fs::rename(&tmp, &self.path)?;
        self.changed.clear();
        Ok(())
    }
}

fn read(path: &PathBuf) -> BTreeMap<String, CacheKey> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
