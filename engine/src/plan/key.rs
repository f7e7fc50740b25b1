//! The cache key: the invariant everything rests on.
//!
//! ```text
//! key(node) = blake3( kind, stage version, canonical params, seed,
//!                     for each input port in order: (port name, content digests of its inputs) )
//! ```
//! [`CacheKey`] is that tuple as a typed, serialisable struct; its digest is blake3 over its
//! canonical JSON (params in a sorted map, numbers in one spelling, defaults filled in). A `path`
//! parameter enters as the digest of the file's content, not its path. Inputs enter by the
//! *content* digest of the upstream port, never by the upstream key: when an upstream node re-runs
//! and produces identical bytes, every downstream key is unchanged and nothing downstream re-runs
//! (early cutoff). The thread count and the flow version are deliberately not in the key.

use std::collections::BTreeMap;

use flow_cache::Digest;
use serde::{Deserialize, Serialize};

/// One input port's contribution to a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInput {
    pub port: String,
    /// Content digests of the artifacts on this port, in plan order.
    pub content: Vec<Digest>,
}

/// Everything that determines a node's output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheKey {
    pub kind: String,
    pub version: u32,
    pub params: BTreeMap<String, serde_json::Value>,
    pub seed: u64,
    pub inputs: Vec<KeyInput>,
}

/// One difference between two keys of the same node, for "why did this re-run".
#[derive(Clone, Debug, PartialEq)]
pub enum KeyChange {
    Kind {
        old: String,
        new: String,
    },
    Version {
        old: u32,
        new: u32,
    },
    Param {
        name: String,
        old: Option<serde_json::Value>,
        new: Option<serde_json::Value>,
    },
    Seed {
        old: u64,
        new: u64,
    },
    Input {
        port: String,
        old: Vec<Digest>,
        new: Vec<Digest>,
    },
}

impl std::fmt::Display for KeyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<serde_json::Value>| {
            v.as_ref().map_or("(unset)".to_string(), |v| v.to_string())
        };
        match self {
            KeyChange::Kind { old, new } => write!(f, "stage kind changed: {old} → {new}"),
            KeyChange::Version { old, new } => write!(f, "stage version changed: {old} → {new}"),
            KeyChange::Param { name, old, new } => {
                write!(f, "param changed: {name} {} → {}", show(old), show(new))
            }
            KeyChange::Seed { old, new } => write!(f, "seed changed: {old} → {new}"),
            KeyChange::Input { port, old, new } => {
                if old.len() == new.len() {
                    let changed: Vec<usize> =
                        (0..old.len()).filter(|&i| old[i] != new[i]).collect();
                    if changed.len() > 3 {
                        return write!(
                            f,
                            "input changed: {port} ({} of {} artifacts have new content)",
                            changed.len(),
                            old.len()
                        );
                    }
                    let parts: Vec<String> = changed
                        .iter()
                        .map(|&i| {
                            let at = if old.len() > 1 {
                                format!("[{i}]")
                            } else {
                                String::new()
                            };
                            format!("{port}{at} content {} → {}", old[i].short(), new[i].short())
                        })
                        .collect();
                    write!(f, "input changed: {}", parts.join(", "))
                } else {
                    write!(
                        f,
                        "input changed: {port} ({} → {} artifacts)",
                        old.len(),
                        new.len()
                    )
                }
            }
        }
    }
}

impl CacheKey {
    /// blake3 over the canonical JSON of the key.
    pub fn digest(&self) -> Digest {
        // Serialising a struct of strings, numbers and sorted maps cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        Digest::of_bytes(&bytes)
    }

    /// What changed from `old` to `self`.
    pub fn changes_since(&self, old: &CacheKey) -> Vec<KeyChange> {
        let mut out = Vec::new();
        if self.kind != old.kind {
            out.push(KeyChange::Kind {
                old: old.kind.clone(),
                new: self.kind.clone(),
            });
        }
        if self.version != old.version {
            out.push(KeyChange::Version {
                old: old.version,
                new: self.version,
            });
        }
        let names: std::collections::BTreeSet<&String> =
            self.params.keys().chain(old.params.keys()).collect();
        for name in names {
            let (a, b) = (old.params.get(name), self.params.get(name));
            if a != b {
                out.push(KeyChange::Param {
                    name: name.clone(),
                    old: a.cloned(),
                    new: b.cloned(),
                });
            }
        }
        if self.seed != old.seed {
            out.push(KeyChange::Seed {
                old: old.seed,
                new: self.seed,
            });
        }
        let ports: std::collections::BTreeSet<&String> = self
            .inputs
            .iter()
            .map(|i| &i.port)
            .chain(old.inputs.iter().map(|i| &i.port))
            .collect();
        for port in ports {
            let a = old.inputs.iter().find(|i| &i.port == port);
            let b = self.inputs.iter().find(|i| &i.port == port);
            if a != b {
                let content =
                    |i: Option<&KeyInput>| i.map(|i| i.content.clone()).unwrap_or_default();
                out.push(KeyChange::Input {
                    port: port.clone(),
                    old: content(a),
                    new: content(b),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(lr: f64) -> CacheKey {
        CacheKey {
            kind: "train".into(),
            version: 1,
            params: [
                ("lr".to_string(), serde_json::json!(lr)),
                ("batch".to_string(), serde_json::json!(16)),
            ]
            .into_iter()
            .collect(),
            seed: 0,
            inputs: vec![],
        }
    }

    #[test]
    fn digest_ignores_how_a_number_was_written() {
        assert_eq!(
            key("1e-4".parse().unwrap()).digest(),
            key("0.0001".parse().unwrap()).digest()
        );
    }

    #[test]
    fn changes_name_the_param() {
        let c = key(2e-4).changes_since(&key(1e-4));
        assert_eq!(c.len(), 1);
        assert!(c[0].to_string().starts_with("param changed: lr"));
    }
}
