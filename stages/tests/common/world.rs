//! Helpers for the world stages' tests (`world_*.rs`): run a stage kind in-process with its
//! default params (every param set checked against its declared ones), build its inputs, read
//! its output tables, and draw synthetic faces.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::RecordBatch;
use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, Inputs, Outputs, ParamValue, Params, RunContext, StageKind};
use flow_stages::world::synthetic_faces::SyntheticFaces;

pub fn params(kind: &dyn StageKind, set: &[(&str, ParamValue)]) -> Params {
    let mut p = Params::default();
    for spec in kind.params() {
        if let Some(d) = spec.default {
            p.0.insert(spec.name.to_string(), d);
        }
    }
    for (k, v) in set {
        assert!(
            kind.params().iter().any(|s| s.name == *k),
            "unknown param {k}"
        );
        p.0.insert(k.to_string(), v.clone());
    }
    p
}

pub fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}
pub fn text(v: &str) -> ParamValue {
    ParamValue::Str(v.to_string())
}

pub fn inputs(ports: Vec<(&str, Artifact)>) -> Inputs {
    let mut map: BTreeMap<String, Vec<InputArtifact>> = BTreeMap::new();
    for (port, artifact) in ports {
        map.entry(port.to_string())
            .or_default()
            .push(InputArtifact {
                node: format!("{port}-source"),
                coords: vec![],
                artifact,
            });
    }
    Inputs { ports: map }
}

pub fn run(
    kind: &dyn StageKind,
    set: &[(&str, ParamValue)],
    seed: u64,
    ins: Inputs,
    dir: &Path,
) -> Result<Outputs, String> {
    let p = params(kind, set);
    kind.check(&p, &ins.connected())
        .map_err(|e| e.to_string())?;
    let ctx = RunContext::detached("test", p, seed, 2, dir);
    kind.run(&ins, &ctx).map_err(|e| e.to_string())
}

pub fn table<'a>(out: &'a Outputs, port: &str) -> &'a RecordBatch {
    match out.ports.get(port) {
        Some(Artifact::Table(t)) => t,
        other => panic!("port {port}: {other:?}"),
    }
}

pub fn faces(n: i64, set: &[(&str, ParamValue)], seed: u64, dir: &Path) -> Outputs {
    let mut all = vec![("images", int(n))];
    all.extend(set.iter().cloned());
    run(&SyntheticFaces, &all, seed, Inputs::default(), dir).unwrap()
}
