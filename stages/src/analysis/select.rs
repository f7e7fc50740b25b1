//! `select`: model selection, the paper's one rule per model class, as data.
//!
//! Paper: Online methods, "Model selection based on training performance": β-VAE — "the UDR
//! score to select 51 model instances with the most disentangled representations (within the
//! top 15% of UDR scores)"; AE — "50 model instances with the lowest reconstruction error per
//! chosen value of N"; VAE — "50 model instances with the highest lower bound on the training
//! data distribution per chosen value of N"; Classifier — "81 models which achieved > 95%
//! classification accuracy on the test set". UDR itself is docs/METHODS.md §3.
//!
//! One kind does all four (there is no second way): models come either as gathered per-model
//! results (`results`: e.g. `train.result`; the score is the field `metric`, a dotted path) or
//! as gathered `udr` results (`udr`: the score is the model score of the UDR variant named by
//! `metric`). Models are grouped by the sweep coordinate `per` ("" = one group), ranked
//! within their group by score (`direction`; ties keep the gathered order), and kept by `keep`:
//! - `count`: the best `count` of each group (a group with fewer scored models keeps them all);
//! - `fraction`: the best ⌈`fraction` × scored⌉ of each group (the paper's 15 %);
//! - `threshold`: every model strictly better than `threshold` (> for "higher", < for "lower":
//!   an accuracy of exactly 0.95 is not "> 95 %").
//!
//! A model whose score is missing (null, not finite) is never kept.
//!
//! The paper's rules as params: AE `metric = "reconstruction_error"`, `direction = "lower"`,
//! `per = "latents"`, `keep = "count"`, `count = 10` (10 of 20 seeds per N: 50 of 100); VAE
//! the same with `metric = "elbo"`, `direction = "higher"`; classifier `metric = "accuracy"`,
//! `keep = "threshold"`, `threshold = 0.95`; β-VAE `udr = "udr"`, `metric = "library"`,
//! `keep = "fraction"`, `fraction = 0.15`.
//!
//! Selection is data, not topology: every model keeps its analyses; later stages read `table`
//! (one row per model: `node`, `group`, `coords` as JSON text, `metric`, `kept`, `reason`) and
//! use the kept rows. `result` lists the kept nodes and the counts per group.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::{
    Artifact, ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec,
    RunContext, StageError, StageKind,
};
use serde_json::{Map, Value, json};

use crate::matrix;

/// The params of `select`.
#[derive(Debug, Clone, serde::Deserialize)]
struct SelectParams {
    metric: String,
    direction: Direction,
    per: String,
    keep: Keep,
    count: i64,
    fraction: f64,
    threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Lower,
    Higher,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Keep {
    Count,
    Fraction,
    Threshold,
}

/// One model considered.
struct Candidate {
    node: String,
    coords: Map<String, Value>,
    group: String,
    score: Option<f64>,
}

pub struct Select;

/// The value at a dotted path (`a.b.c`) of a JSON value.
fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

fn group_of(
    coords: &Map<String, Value>,
    group_by: &str,
    node: &str,
    port: &str,
) -> Result<String, StageError> {
    if group_by.is_empty() {
        return Ok("all".into());
    }
    coords.get(group_by).map(|v| v.to_string()).ok_or_else(|| {
        StageError::input(
            port,
            format!(
                "{node} has no sweep coordinate `{group_by}` to select per (it has: {})",
                coords.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// Per-model results: the score is the field `metric`.
fn from_results(inputs: &Inputs, p: &SelectParams) -> Result<Vec<Candidate>, StageError> {
    let mut out = Vec::new();
    for item in inputs.all("results") {
        let Artifact::Json(v) = &item.artifact else {
            return Err(StageError::input(
                "results",
                format!("{} is not JSON", item.node),
            ));
        };
        let field = at_path(v, &p.metric).ok_or_else(|| {
            StageError::input(
                "results",
                format!("the result of {} has no field `{}`", item.node, p.metric),
            )
        })?;
        let score = match field {
            Value::Null => None,
            other => Some(other.as_f64().ok_or_else(|| {
                StageError::input(
                    "results",
                    format!("`{}` of {} is not a number: {other}", p.metric, item.node),
                )
            })?),
        };
        let coords: Map<String, Value> = item
            .coords
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        let group = group_of(&coords, &p.per, &item.node, "results")?;
        out.push(Candidate {
            node: item.node.clone(),
            coords,
            group,
            score: score.filter(|s| s.is_finite()),
        });
    }
    Ok(out)
}

/// Gathered `udr` results: the score is the model score of the variant `metric`.
fn from_udr(inputs: &Inputs, p: &SelectParams) -> Result<Vec<Candidate>, StageError> {
    let mut out = Vec::new();
    for item in inputs.all("udr") {
        let Artifact::Json(v) = &item.artifact else {
            return Err(StageError::input(
                "udr",
                format!("{} is not JSON", item.node),
            ));
        };
        let scores = matrix::field(matrix::field(v, &p.metric, "udr")?, "model_scores", "udr")?;
        let scores = matrix::json_vec(scores, "model_scores", "udr")?;
        let models = v.get("models").and_then(Value::as_array);
        for (i, &s) in scores.iter().enumerate() {
            let model = models.and_then(|m| m.get(i));
            let node = model
                .and_then(|m| m["node"].as_str())
                .map_or_else(|| format!("{}#{i}", item.node), str::to_string);
            let coords = model
                .and_then(|m| m["coords"].as_object())
                .cloned()
                .unwrap_or_default();
            let group = group_of(&coords, &p.per, &node, "udr")?;
            out.push(Candidate {
                node,
                coords,
                group,
                score: Some(s).filter(|s| s.is_finite()),
            });
        }
    }
    Ok(out)
}

/// Whether `a` ranks before `b`.
fn better(direction: Direction, a: f64, b: f64) -> std::cmp::Ordering {
    match direction {
        Direction::Higher => b.total_cmp(&a),
        Direction::Lower => a.total_cmp(&b),
    }
}

/// (kept, reason) for every candidate.
fn decide(candidates: &[Candidate], p: &SelectParams) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = candidates
        .iter()
        .map(|_| (false, "no score".to_string()))
        .collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        if c.score.is_some() {
            groups.entry(c.group.as_str()).or_default().push(i);
        }
    }
    let op = match p.direction {
        Direction::Higher => ">",
        Direction::Lower => "<",
    };
    for (group, mut members) in groups {
        // A stable sort: ties keep the gathered order.
        members.sort_by(|&a, &b| {
            better(
                p.direction,
                candidates[a].score.unwrap_or(0.0),
                candidates[b].score.unwrap_or(0.0),
            )
        });
        let m = members.len();
        let k = match p.keep {
            Keep::Count => (p.count.max(0) as usize).min(m),
            Keep::Fraction => ((p.fraction * m as f64) - 1e-9).ceil().max(0.0) as usize,
            Keep::Threshold => m,
        };
        for (rank, &i) in members.iter().enumerate() {
            let score = candidates[i].score.unwrap_or(f64::NAN);
            out[i] = match p.keep {
                Keep::Threshold => {
                    let passes = match p.direction {
                        Direction::Higher => score > p.threshold,
                        Direction::Lower => score < p.threshold,
                    };
                    let verb = if passes { "is" } else { "is not" };
                    (
                        passes,
                        format!("{} {score} {verb} {op} {}", p.metric, p.threshold),
                    )
                }
                Keep::Count if m <= p.count.max(0) as usize => (
                    true,
                    format!(
                        "group {group} has {m} scored models, not more than {}: all kept",
                        p.count
                    ),
                ),
                _ => {
                    let kept = rank < k;
                    let how = if kept { "within" } else { "outside" };
                    (
                        kept,
                        format!(
                            "rank {} of {m} in group {group}: {how} the best {k}",
                            rank + 1
                        ),
                    )
                }
            };
        }
    }
    out
}

/// The `table` output: one row per model.
/// One row of a `select` table read back by a later stage: the model, its sweep coordinates,
/// whether it was kept.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionRow {
    pub model: String,
    pub coords: Map<String, Value>,
    pub kept: bool,
}

/// Every row of a gathered `select` table on `port`; an error naming the node and the column
/// when it is not one.
pub fn read_selection(
    input: &flow_engine::artifact::InputArtifact,
    port: &str,
) -> Result<Vec<SelectionRow>, StageError> {
    let Artifact::Table(t) = &input.artifact else {
        return Err(StageError::input(
            port,
            format!("`{}` is not a table", input.node),
        ));
    };
    let missing = |name: &str, ty: &str| {
        StageError::input(
            port,
            format!(
                "`{}` has no {ty} column `{name}`: not a `select` table",
                input.node
            ),
        )
    };
    let text = |name: &str| {
        t.column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .ok_or_else(|| missing(name, "text"))
    };
    let (node, coords) = (text("node")?, text("coords")?);
    let kept = t
        .column_by_name("kept")
        .and_then(|c| c.as_any().downcast_ref::<BooleanArray>())
        .ok_or_else(|| missing("kept", "boolean"))?;
    (0..t.num_rows())
        .map(|r| {
            Ok(SelectionRow {
                model: node.value(r).to_string(),
                coords: serde_json::from_str(coords.value(r)).map_err(|e| {
                    StageError::input(port, format!("`{}` row {r}: coords: {e}", input.node))
                })?,
                kept: kept.value(r),
            })
        })
        .collect()
}

fn selection_table(
    candidates: &[Candidate],
    decisions: &[(bool, String)],
) -> Result<RecordBatch, StageError> {
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values((0..candidates.len()).map(f)))
    };
    let columns: Vec<ArrayRef> = vec![
        text(&|i| candidates[i].node.clone()),
        text(&|i| candidates[i].group.clone()),
        text(&|i| Value::Object(candidates[i].coords.clone()).to_string()),
        Arc::new(Float64Array::from(
            candidates.iter().map(|c| c.score).collect::<Vec<_>>(),
        )),
        Arc::new(BooleanArray::from(
            decisions.iter().map(|d| d.0).collect::<Vec<_>>(),
        )),
        text(&|i| decisions[i].1.clone()),
    ];
    let schema = Schema::new(vec![
        Field::new("node", DataType::Utf8, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("coords", DataType::Utf8, false),
        Field::new("metric", DataType::Float64, true),
        Field::new("kept", DataType::Boolean, false),
        Field::new("reason", DataType::Utf8, false),
    ]);
    RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| StageError::failed(format!("the selection table: {e}")))
}

impl StageKind for Select {
    fn name(&self) -> &'static str {
        "select"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Model selection by a score: the best k or fraction per group, or a threshold (paper: Model selection)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required(
                "metric",
                ParamType::Str,
                "the score: a field of each result (dotted path), or with `udr` the UDR variant (library, paper_filtered, paper_literal)",
            ),
            ParamSpec::with_default(
                "direction",
                ParamType::Choice(&["higher", "lower"]),
                ParamValue::Str("higher".into()),
                "which scores are better",
            ),
            ParamSpec::with_default(
                "per",
                ParamType::Str,
                ParamValue::Str(String::new()),
                "the sweep coordinate whose values are selected from separately (\"\": all together)",
            ),
            ParamSpec::with_default(
                "keep",
                ParamType::Choice(&["count", "fraction", "threshold"]),
                ParamValue::Str("fraction".into()),
                "the rule: the best `count` per group, the best `fraction` per group, or better than `threshold`",
            ),
            ParamSpec::with_default(
                "count",
                ParamType::Int,
                ParamValue::Int(10),
                "keep = count: models kept per group",
            ),
            ParamSpec::with_default(
                "fraction",
                ParamType::Float,
                ParamValue::Float(0.15),
                "keep = fraction: the fraction of scored models kept per group (rounded up)",
            ),
            ParamSpec::with_default(
                "threshold",
                ParamType::Float,
                ParamValue::Float(0.95),
                "keep = threshold: kept if strictly better than this",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::many(
                "results",
                ArtifactType::Json,
                "gathered per-model results (e.g. train.result)",
            )
            .optional(),
            PortSpec::many("udr", ArtifactType::Json, "gathered `udr` results").optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "table",
                ArtifactType::Table,
                "one row per model: node, group, coords, metric, kept, reason",
            ),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "kept (node names), n_models, n_kept, per group counts",
            ),
        ]
    }

    fn check(
        &self,
        params: &Params,
        connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SelectParams = params.parse()?;
        match (
            connected.is_connected("results"),
            connected.is_connected("udr"),
        ) {
            (true, true) => {
                return Err(StageError::input(
                    "udr",
                    "give either `results` or `udr`, not both",
                ));
            }
            (false, false) => {
                return Err(StageError::input(
                    "results",
                    "not connected (give `results`, or `udr` to select by UDR)",
                ));
            }
            (false, true)
                if !["library", "paper_filtered", "paper_literal"].contains(&p.metric.as_str()) =>
            {
                return Err(StageError::param(
                    "metric",
                    format!(
                        "with `udr`, the UDR variant: \"library\", \"paper_filtered\" or \"paper_literal\", not \"{}\"",
                        p.metric
                    ),
                ));
            }
            _ => {}
        }
        if p.metric.is_empty() {
            return Err(StageError::param("metric", "must name a field"));
        }
        if p.keep == Keep::Count {
            StageError::require_count("count", p.count)?;
        }
        if p.keep == Keep::Fraction && !(p.fraction > 0.0 && p.fraction <= 1.0) {
            return Err(StageError::param("fraction", "must be in (0, 1]"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SelectParams = ctx.params().parse()?;
        let candidates = if inputs.is_connected("udr") {
            from_udr(inputs, &p)?
        } else {
            from_results(inputs, &p)?
        };
        if candidates.is_empty() {
            return Err(StageError::input("results", "no models given"));
        }
        let decisions = decide(&candidates, &p);
        let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (c, d) in candidates.iter().zip(&decisions) {
            let g = groups.entry(c.group.as_str()).or_default();
            g.0 += 1;
            g.1 += usize::from(d.0);
        }
        let kept: Vec<&str> = candidates
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| d.0)
            .map(|(c, _)| c.node.as_str())
            .collect();
        let result = json!({
            "kept": kept,
            "n_models": candidates.len(),
            "n_scored": candidates.iter().filter(|c| c.score.is_some()).count(),
            "n_kept": kept.len(),
            "groups": groups
                .iter()
                .map(|(g, (n, k))| (g.to_string(), json!({ "models": n, "kept": k })))
                .collect::<Map<String, Value>>(),
        });
        Ok(Outputs::new()
            .table("table", selection_table(&candidates, &decisions)?)
            .json("result", result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(scores: &[Option<f64>]) -> Vec<Candidate> {
        scores
            .iter()
            .enumerate()
            .map(|(i, &score)| Candidate {
                node: format!("m{i}"),
                coords: Map::new(),
                group: "all".into(),
                score,
            })
            .collect()
    }

    fn top_fraction(scores: &[Option<f64>], fraction: f64) -> Vec<usize> {
        let p = SelectParams {
            metric: "library".into(),
            direction: Direction::Higher,
            per: String::new(),
            keep: Keep::Fraction,
            count: 0,
            fraction,
            threshold: 0.0,
        };
        let d = decide(&candidates(scores), &p);
        (0..scores.len()).filter(|&i| d[i].0).collect()
    }

    #[test]
    fn a_fraction_rounds_up_over_the_scored_models_and_skips_missing_scores() {
        let scores: Vec<Option<f64>> = (0..20)
            .map(|i| if i == 3 { None } else { Some(i as f64) })
            .collect();
        // 19 scored × 0.15 = 2.85 → 3 models: 17, 18, 19.
        assert_eq!(top_fraction(&scores, 0.15), vec![17, 18, 19]);
        let scores: Vec<Option<f64>> = (0..400).map(|i| Some(i as f64)).collect();
        assert_eq!(top_fraction(&scores, 0.15).len(), 60);
        assert_eq!(top_fraction(&[None, None], 0.5), Vec::<usize>::new());
    }
}
