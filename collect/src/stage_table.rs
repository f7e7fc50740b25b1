//! One stage's nodes as one table: a row per node (or, in long form, per element of the vector
//! fields asked for; for a table port, per row of each node's table), with `node`, `stage`, the sweep
//! coordinates as typed columns, `key`, `status` (when nodes without results are included) and
//! the flattened scalar results.
//!
//! A result field named like a coordinate or like one of flow's columns (`node`, `stage`,
//! `key`, `status`, `index`) is shown as `result.NAME`, so neither hides the other.
//!
//! A table port's rows may carry their own coordinates: a `coords` column of JSON objects (as
//! `select` writes, `{"latents": 10, "seed": 3}`) is spread into typed coordinate columns, so a
//! selection table joins with the per-model results it selected from.

use std::collections::HashMap;

use polars::prelude::*;
use serde_json::Value;

use crate::columns::{Flattened, column, coordinate, flatten};
use crate::error::{CollectError, hint};
use crate::record::NodeRecord;

/// Column names of flow's own; a result field of the same name is shown as `result.NAME`.
const RESERVED: [&str; 5] = ["node", "stage", "key", "status", "index"];

/// A stage's table and which of its columns are sweep coordinates.
#[derive(Debug)]
pub struct StageTable {
    pub stage: String,
    pub coords: Vec<String>,
    pub frame: DataFrame,
}

/// Columns under construction, in the order they first appear.
#[derive(Default)]
struct Columns {
    order: Vec<String>,
    rows: Vec<HashMap<String, Value>>,
}

impl Columns {
    fn push(&mut self, row: Vec<(String, Value)>) {
        let mut map = HashMap::with_capacity(row.len());
        for (name, value) in row {
            if !map.contains_key(&name) && !self.order.contains(&name) {
                self.order.push(name.clone());
            }
            map.insert(name, value);
        }
        self.rows.push(map);
    }

    fn frame(self) -> Result<DataFrame, CollectError> {
        let height = self.rows.len();
        let columns = self
            .order
            .iter()
            .map(|name| {
                let values: Vec<Value> = self
                    .rows
                    .iter()
                    .map(|r| r.get(name).cloned().unwrap_or(Value::Null))
                    .collect();
                column(name, &values)
            })
            .collect();
        Ok(DataFrame::new(height, columns)?)
    }
}

/// The table of `records` (one stage's nodes, in plan order). `long` names vector fields to
/// spread into rows; `include_missing` keeps nodes without a result (with their status).
pub fn stage_table(
    stage: &str,
    records: &[NodeRecord],
    long: &[String],
    include_missing: bool,
) -> Result<StageTable, CollectError> {
    // `select.table` → `select`.
    let stage_name = stage.split('.').next().unwrap_or(stage);
    let mut coords: Vec<String> = Vec::new();
    let mut seen_scalars: Vec<String> = Vec::new();
    let mut seen_vectors: Vec<String> = Vec::new();
    let mut columns = Columns::default();
    for record in records {
        if !record.is_cached() && !include_missing {
            continue;
        }
        let mut base: Vec<(String, Value)> = vec![
            ("node".into(), Value::String(record.node.clone())),
            ("stage".into(), Value::String(stage_name.to_string())),
        ];
        for (name, value) in &record.coords {
            note(&mut coords, name);
            base.push((name.clone(), coordinate(value)));
        }
        let mut tail: Vec<(String, Value)> = vec![(
            "key".into(),
            record.key.clone().map_or(Value::Null, Value::String),
        )];
        if include_missing {
            tail.push(("status".into(), Value::String(record.status.clone())));
        }
        if record.rows.is_empty() {
            columns.push([base, tail].concat());
            continue;
        }
        for row in &record.rows {
            let mut flat = Flattened::default();
            flatten("", row, &mut flat);
            let mut own_coords = Vec::new();
            let mut scalars = Vec::new();
            for (name, value) in flat.scalars {
                // A table row's own coordinates (`select`'s `coords` column).
                if name == "coords"
                    && let Some(Value::Object(map)) =
                        value.as_str().and_then(|s| serde_json::from_str(s).ok())
                {
                    for (k, v) in map {
                        note(&mut coords, &k);
                        own_coords.push((k, v));
                    }
                    continue;
                }
                // A field named like a coordinate or an identifier column keeps both.
                let name = if RESERVED.contains(&name.as_str())
                    || record.coords.iter().any(|(c, _)| *c == name)
                {
                    format!("result.{name}")
                } else {
                    name
                };
                note(&mut seen_scalars, &name);
                scalars.push((name, value));
            }
            for (name, _) in &flat.vectors {
                note(&mut seen_vectors, name);
            }
            let head = [base.clone(), own_coords, tail.clone()].concat();
            let wanted: Vec<&(String, Vec<Value>)> = flat
                .vectors
                .iter()
                .filter(|(name, _)| long.contains(name))
                .collect();
            if wanted.is_empty() {
                columns.push([head, scalars].concat());
                continue;
            }
            let lengths: Vec<usize> = wanted.iter().map(|(_, v)| v.len()).collect();
            if lengths.iter().any(|&l| l != lengths[0]) {
                return Err(CollectError::Ragged {
                    node: record.node.clone(),
                    fields: wanted
                        .iter()
                        .map(|(n, _)| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    lengths: lengths
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            for i in 0..lengths[0] {
                let mut row = head.clone();
                row.push(("index".into(), Value::from(i as u64)));
                for (name, items) in &wanted {
                    let mut element = Flattened::default();
                    flatten(name, &items[i], &mut element);
                    row.extend(element.scalars);
                    if matches!(items[i], Value::Array(_)) {
                        row.push((name.clone(), Value::String(items[i].to_string())));
                    }
                }
                row.extend(scalars.iter().cloned());
                columns.push(row);
            }
        }
    }
    for name in long {
        if !seen_vectors.contains(name) {
            let candidates = seen_vectors.iter().chain(&seen_scalars).map(String::as_str);
            let why = if seen_scalars.contains(name) {
                format!("; `{name}` is a scalar field of `{stage}`, already a column")
            } else {
                hint(name, candidates)
            };
            return Err(CollectError::UnknownField {
                stage: stage.to_string(),
                name: name.clone(),
                hint: why,
            });
        }
    }
    Ok(StageTable {
        stage: stage.to_string(),
        coords,
        frame: columns.frame()?,
    })
}

fn note(names: &mut Vec<String>, name: &str) {
    if !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
}
