//! Helpers shared by the integration tests: a throwaway store and one-line publishing.

#![allow(dead_code)]

use std::fs;

use flow_cache::{Digest, ManifestDraft, Object, Store};
use tempfile::TempDir;

/// A fresh store in a temporary directory (kept alive by the returned guard).
pub fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(dir.path().join("cache")).expect("open store");
    (dir, store)
}

/// A key derived from a name, for readable tests.
pub fn key(name: &str) -> Digest {
    Digest::of_bytes(name.as_bytes())
}

/// A draft of the given stage kind.
pub fn draft(kind: &str) -> ManifestDraft {
    ManifestDraft {
        kind: kind.to_string(),
        node: format!("{kind}[seed=0]"),
        params: serde_json::json!({ "seed": 0 }),
        flow_version: "test".to_string(),
        host: "test-host".to_string(),
        ..ManifestDraft::default()
    }
}

/// Publishes `files` given as (port, relative path, bytes) under `key`.
pub fn publish(store: &Store, key: Digest, kind: &str, files: &[(&str, &str, &[u8])]) -> Object {
    let staging = store.begin(&key).expect("begin");
    for (port, path, bytes) in files {
        let target = staging.port_dir(port).expect("port dir").join(path);
        fs::create_dir_all(target.parent().expect("parent")).expect("subdirectory");
        fs::write(&target, bytes).expect("write staged file");
    }
    store.publish(staging, draft(kind)).expect("publish")
}

/// Names of the entries of a directory.
pub fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
