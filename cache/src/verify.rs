//! [`Store::verify`] (re-hash every object and compare with its manifest) and [`Store::du`]
//! (disk usage per stage kind).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::manifest::{Manifest, scan_ports};
use crate::staging::PORTS;
use crate::store::Scanned;
use crate::{CacheError, Digest, Store};

/// One problem found in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyIssue {
    pub key: Digest,
    pub dir: PathBuf,
    /// The node the object was computed for, as its manifest records it (read leniently when
    /// the manifest itself is the damaged file; `None` when not even that is readable).
    pub node: Option<String>,
    pub problem: String,
}

/// The `node` field of a manifest that failed its checks, if the JSON still holds one.
fn recorded_node(dir: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(dir.join(crate::manifest::MANIFEST)).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("node")?.as_str().map(str::to_string)
}

/// Usage of the objects of one stage kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageRow {
    pub kind: String,
    pub objects: usize,
    pub bytes: u64,
}

impl Store {
    /// Re-hashes every object's ports and reports each disagreement with its manifest. An
    /// empty result means every object is intact. Nothing is repaired or removed.
    pub fn verify(&self) -> Result<Vec<VerifyIssue>, CacheError> {
        let mut issues = Vec::new();
        for Scanned { key, dir, manifest } in self.scan()? {
            let node = match &manifest {
                Ok(m) => Some(m.node.clone()),
                Err(_) => recorded_node(&dir),
            };
            let mut report = |problem: String| {
                issues.push(VerifyIssue {
                    key,
                    dir: dir.clone(),
                    node: node.clone(),
                    problem,
                })
            };
            let manifest = match manifest {
                Ok(m) => m,
                Err(e) => {
                    report(e.to_string());
                    continue;
                }
            };
            if manifest.key != key {
                report(format!("manifest.json records key {}", manifest.key));
            }
            if manifest.content != Manifest::content_of(&manifest.ports) {
                report("manifest.json: content digest does not match its ports".to_string());
            }
            let actual = match scan_ports(&dir.join(PORTS), false) {
                Ok(ports) => ports,
                Err(e) => {
                    report(e.to_string());
                    continue;
                }
            };
            for (port, expected) in &manifest.ports {
                match actual.get(port) {
                    None => report(format!("port {port:?} is missing")),
                    Some(found) if found.files != expected.files => report(format!(
                        "port {port:?}: files or sizes differ from manifest.json"
                    )),
                    Some(found) if found.content != expected.content => report(format!(
                        "port {port:?}: bytes changed (content {}, manifest.json says {})",
                        found.content.short(),
                        expected.content.short()
                    )),
                    Some(_) => {}
                }
            }
            for port in actual.keys().filter(|p| !manifest.ports.contains_key(*p)) {
                report(format!("port {port:?} is not in manifest.json"));
            }
        }
        Ok(issues)
    }

    /// Objects and bytes per stage kind, largest first.
    pub fn du(&self) -> Result<Vec<UsageRow>, CacheError> {
        let mut by_kind: BTreeMap<String, (usize, u64)> = BTreeMap::new();
        for object in self.objects()? {
            let row = by_kind.entry(object.manifest.kind.clone()).or_default();
            row.0 += 1;
            row.1 += object.bytes();
        }
        let mut rows: Vec<UsageRow> = by_kind
            .into_iter()
            .map(|(kind, (objects, bytes))| UsageRow {
                kind,
                objects,
                bytes,
            })
            .collect();
        rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.kind.cmp(&b.kind)));
        Ok(rows)
    }
}
