//! Helpers shared by the stage tests. This file serves the analysis stages' tests (`golden.rs`,
//! `analysis_*.rs`): run a stage kind in-process on tables, build and reorder its input tables,
//! and compare JSON results against expected values with tolerances. [`world`] serves the world
//! stages' tests (`world_*.rs`).
#![allow(dead_code)]

pub mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, Inputs, ParamValue, Params, RunContext, StageKind};
use serde_json::Value;

/// The shared reference cases, copied from shared/cases.
pub fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cases")
        .join(case)
}

pub fn npy(case: &str, name: &str) -> RecordBatch {
    flow_tableio::read_table(&case_dir(case).join(format!("{name}.npy"))).expect("read npy")
}

pub fn npy_array(case: &str, name: &str) -> flow_tableio::NdArray {
    flow_tableio::read_npy_array(&case_dir(case).join(format!("{name}.npy"))).expect("read npy")
}

pub fn expected(case: &str, file: &str) -> Value {
    let text = std::fs::read_to_string(case_dir(case).join(file)).expect("expected json");
    serde_json::from_str(&text).expect("json")
}

/// A table of f64 columns "0".."k-1" from row-major values.
pub fn f64_matrix(rows: usize, cols: usize, values: &[f64]) -> RecordBatch {
    let fields: Vec<Field> = (0..cols)
        .map(|j| Field::new(j.to_string(), DataType::Float64, false))
        .collect();
    let arrays: Vec<ArrayRef> = (0..cols)
        .map(|j| {
            Arc::new(Float64Array::from(
                (0..rows).map(|i| values[i * cols + j]).collect::<Vec<_>>(),
            )) as ArrayRef
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("table")
}

/// A table from named columns.
pub fn table(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), false))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("table")
}

pub fn bools(v: Vec<bool>) -> ArrayRef {
    Arc::new(BooleanArray::from(v))
}

pub fn ints(v: Vec<i64>) -> ArrayRef {
    Arc::new(Int64Array::from(v))
}

pub fn floats(v: Vec<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(v))
}

/// The one_to_one split as a table with `train` and `fold` columns.
pub fn one_to_one_split() -> RecordBatch {
    let train = npy_array("one_to_one", "train")
        .data
        .iter()
        .map(|&v| v != 0.0)
        .collect();
    let fold = npy_array("one_to_one", "folds")
        .data
        .iter()
        .map(|&v| v as i64)
        .collect();
    table(vec![("train", bools(train)), ("fold", ints(fold))])
}

/// Builder for a stage's inputs.
#[derive(Default)]
pub struct In {
    pub inputs: Inputs,
}

impl In {
    pub fn new() -> Self {
        In::default()
    }

    pub fn add(mut self, port: &str, artifact: Artifact) -> Self {
        let n = self.inputs.ports.get(port).map_or(0, Vec::len);
        self.inputs
            .ports
            .entry(port.to_string())
            .or_default()
            .push(InputArtifact {
                node: format!("{port}-{n}"),
                coords: vec![("index".to_string(), ParamValue::Int(n as i64))],
                artifact,
            });
        self
    }

    pub fn table(self, port: &str, t: RecordBatch) -> Self {
        self.add(port, Artifact::Table(t))
    }

    pub fn json(self, port: &str, v: Value) -> Self {
        self.add(port, Artifact::Json(v))
    }
}

/// The stage's params: its defaults, then `sets`.
pub fn params(kind: &dyn StageKind, sets: &[(&str, ParamValue)]) -> Params {
    let mut map = BTreeMap::new();
    for spec in kind.params() {
        if let Some(d) = spec.default {
            map.insert(spec.name.to_string(), d);
        }
    }
    for (k, v) in sets {
        map.insert(k.to_string(), v.clone());
    }
    Params(map)
}

/// Runs a stage kind in-process; returns its outputs or the error message.
pub fn run(
    kind: &dyn StageKind,
    inputs: In,
    sets: &[(&str, ParamValue)],
) -> Result<BTreeMap<String, Artifact>, String> {
    let dir = tempfile::tempdir().expect("tmp");
    let p = params(kind, sets);
    kind.check(&p, &inputs.inputs.connected())
        .map_err(|e| e.to_string())?;
    let ctx = RunContext::detached("test", p, 7, 2, dir.path());
    kind.run(&inputs.inputs, &ctx)
        .map(|o| o.ports)
        .map_err(|e| e.to_string())
}

/// The `result` JSON of a successful run.
pub fn result(kind: &dyn StageKind, inputs: In, sets: &[(&str, ParamValue)]) -> Value {
    match run(kind, inputs, sets).expect("stage ran").remove("result") {
        Some(Artifact::Json(v)) => v,
        other => panic!("no json result: {other:?}"),
    }
}

/// Compares `got` with `want` recursively: numbers to `abs` absolute (or `rel` relative for
/// fields named in `relative`), nulls, booleans and integers exactly. Panics naming the path.
pub fn assert_close(got: &Value, want: &Value, path: &str, abs: f64) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            let last = path
                .rsplit('.')
                .next()
                .unwrap_or("")
                .split('[')
                .next()
                .unwrap_or("");
            let ok = if last == "p" {
                ((g - w) / w).abs() <= 1e-9 || g == w
            } else {
                (g - w).abs() <= abs
            };
            assert!(ok, "{path}: got {g:e}, want {w:e} (diff {:e})", g - w);
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{path}: length");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                assert_close(a, b, &format!("{path}[{i}]"), abs);
            }
        }
        (Value::Object(g), Value::Object(w)) => {
            for (k, b) in w {
                let a = g.get(k).unwrap_or_else(|| panic!("{path}.{k}: missing"));
                assert_close(a, b, &format!("{path}.{k}"), abs);
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

/// Compares the listed fields of `got` against `want`.
pub fn assert_fields(got: &Value, want: &Value, fields: &[&str]) {
    for f in fields {
        let w = want
            .get(*f)
            .unwrap_or_else(|| panic!("expected has no `{f}`"));
        let g = got.get(*f).unwrap_or_else(|| panic!("result has no `{f}`"));
        // GOLDEN_ABS=1e-13 shows how much closer than the 1e-9 contract a run is.
        let abs = std::env::var("GOLDEN_ABS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1e-9);
        assert_close(g, w, f, abs);
    }
}

/// The one_to_one case's units, responses and split as a stage's inputs.
pub fn one_to_one_inputs() -> In {
    In::new()
        .table("units", npy("one_to_one", "X"))
        .table("responses", npy("one_to_one", "Y"))
        .table("split", one_to_one_split())
}

/// The error message of a run that must fail.
pub fn err(kind: &dyn flow_engine::StageKind, inputs: In, sets: &[(&str, ParamValue)]) -> String {
    run(kind, inputs, sets).expect_err("should fail")
}

/// The rows `rows` of a table, in that order.
pub fn take(t: &arrow_array::RecordBatch, rows: &[usize]) -> arrow_array::RecordBatch {
    let idx = arrow_array::UInt32Array::from(rows.iter().map(|&r| r as u32).collect::<Vec<_>>());
    let cols: Vec<ArrayRef> = t
        .columns()
        .iter()
        .map(|c| arrow_select_take(c, &idx))
        .collect();
    arrow_array::RecordBatch::try_new(t.schema(), cols).unwrap()
}

fn arrow_select_take(c: &ArrayRef, idx: &arrow_array::UInt32Array) -> ArrayRef {
    // A small take for f64/bool/int/string columns (no arrow-select dependency needed).
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    let rows: Vec<usize> = idx.values().iter().map(|&i| i as usize).collect();
    match c.data_type() {
        arrow_schema::DataType::Float64 => floats(
            rows.iter()
                .map(|&r| c.as_primitive::<Float64Type>().value(r))
                .collect(),
        ),
        arrow_schema::DataType::Int64 => ints(
            rows.iter()
                .map(|&r| c.as_primitive::<Int64Type>().value(r))
                .collect(),
        ),
        arrow_schema::DataType::Boolean => {
            bools(rows.iter().map(|&r| c.as_boolean().value(r)).collect())
        }
        arrow_schema::DataType::Utf8 => Arc::new(StringArray::from_iter_values(
            rows.iter()
                .map(|&r| c.as_string::<i32>().value(r).to_string()),
        )),
        other => panic!("take: {other} (len {})", c.len()),
    }
}
