//! `stats`: the statistical tests behind the paper's claims, as one tidy table.
//!
//! Paper: Online methods, "Statistical tests" ("a two-tailed Welch's t-test for all pairwise
//! model comparisons") and Results (Fig. 3d,e: UDR against alignment). Exact semantics of the
//! test: docs/METHODS.md §7 ([`crate::analysis::welch`]).
//!
//! - Input `scores`: gathered per-model results of any analysis stage (`lasso-ve`, `alignment`,
//!   `corr-ratio`, `decode`, …). For every metric in `metrics` (a comma-separated list of result
//!   fields; default `alignment,ve_mean,avg_corr_ratio,unit_proportion,mean_cosine_distance`)
//!   each result that has the field gives one value to its model class; null values are left
//!   out. A result's class is the stage name of its node (`class_by = "stage"`: the part of the
//!   node name before `[`, so one stage per model class), or the value of the sweep coordinate
//!   named by `class_by`.
//! - With `selection` (gathered `select` tables) or `ve_filter` (gathered `ve-filter` results)
//!   connected, a model either did not keep is left out of the class comparisons (the paper's
//!   "further analyses" use the selected, filtered models). A `select` row governs the results
//!   whose stage's class — the name after its first `_` — is the row's model stage (`bvae` for
//!   `align_bvae`) and whose coordinates contain the row's; a `ve-filter` row likewise through
//!   its lasso stage (`lasso_bvae` → `bvae`). The UDR correlations below use every model, as
//!   Fig. 3d–e plots every model.
//! - Welch's two-sided t-test between every pair of classes (in order of first appearance)
//!   with at least 2 values each, for each metric.
//! - With `udr` connected (gathered `udr` results): each UDR model (its latents' node
//!   coordinates, from the result's `models`) is paired with the `scores` result whose node
//!   coordinates contain all of the model's, among the results that have `udr_metric` (and, with
//!   `udr_scores`, come from that stage: e.g. `align_bvae`, not the mixture's alignment); Spearman's ρ of the UDR score (`udr_variant`)
//!   against `udr_metric` (default `alignment`) over the pairs, with the two-sided p-value of
//!   scipy's `spearmanr` (t = ρ√((n−2)/((1+ρ)(1−ρ))) on n − 2 df; at least 3 pairs): the
//!   "across β" relation of Fig. 3d.
//! - Also with `udr`: the same pairs **within** each `udr` node (one per β when `udr` is
//!   gathered with `group_by = "beta"`; Fig. 3e, "networks with the same … β"). **flow's
//!   choice** (the paper names no test): ranks taken within each group and centred on their
//!   group mean, Pearson's r over all pairs pooled, tested as a partial correlation with one
//!   mean per group removed (t on n − G − 1 df); test `spearman_within`.
//! - With `udr_by` (a numeric sweep coordinate of the UDR models, e.g. `beta`): Spearman of the
//!   coordinate against the UDR score ("higher β, higher UDR", a finding the paper replicates).
//! - A result whose metric field is a list of numbers (e.g. `neuron-subsets`' `alignment`, one
//!   per subset) gives one value per element: the neuron-subset ceiling enters as a sample.
//!
//! The per-model results are gathered into one table by flow-collect, the code behind
//! `flow collect` (typed coordinates, flattened fields), grouped per class and joined with the
//! UDR models with polars.
//!
//! Output `result`: a table with one row per test: `test` ("welch" or "spearman"), `metric`,
//! `class_a`, `class_b`, `n_a`, `n_b`, `mean_a`, `mean_b`, `statistic` (t or ρ), `df`, `p`
//! (null where undefined). For a Spearman row, `class_a`/`class_b` are "udr"/the metric and the
//! means are those of the paired values.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::artifact::InputArtifact;
use flow_engine::{
    Artifact, ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec,
    RunContext, StageError, StageKind,
};
use serde_json::Value;

use flow_collect::polars::prelude::{Column, DataType as PlDataType, IntoLazy, col};
use flow_collect::{Collection, NodeRecord, StageTable, stage_table};

use crate::analysis::model_class::{class_of, contains_coords, stage_of};
use crate::analysis::select::read_selection;
use crate::analysis::welch::welch;
use crate::matrix;
use flow_numeric::moments::mean;
use flow_numeric::spearman::{rank_average, spearman};
use flow_numeric::student_t::two_sided_p;

pub const DEFAULT_METRICS: &str =
    "alignment,ve_mean,avg_corr_ratio,unit_proportion,mean_cosine_distance";

/// One row of the output table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub test: String,
    pub metric: String,
    pub class_a: String,
    pub class_b: String,
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    pub statistic: f64,
    pub df: f64,
    pub p: f64,
}

/// Spearman's ρ with scipy's two-sided p-value (t distribution on n − 2 df).
pub fn spearman_test(x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let n = x.len();
    if n < 3 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let rho = spearman(x, y);
    let df = (n - 2) as f64;
    let t = rho * (df / ((rho + 1.0) * (1.0 - rho))).sqrt();
    let p = if rho.is_nan() {
        f64::NAN
    } else if rho.abs() >= 1.0 {
        0.0
    } else {
        two_sided_p(t, df)
    };
    (rho, df, p)
}

/// Welch rows for every pair of classes and metric. `values[metric][class]`.
pub fn welch_rows(metrics: &[String], classes: &[String], values: &[Vec<Vec<f64>>]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (m, metric) in metrics.iter().enumerate() {
        for a in 0..classes.len() {
            for b in a + 1..classes.len() {
                let (xa, xb) = (&values[m][a], &values[m][b]);
                if xa.len() < 2 || xb.len() < 2 {
                    continue;
                }
                let w = welch(xa, xb);
                rows.push(Row {
                    test: "welch".into(),
                    metric: metric.clone(),
                    class_a: classes[a].clone(),
                    class_b: classes[b].clone(),
                    n_a: w.n_a,
                    n_b: w.n_b,
                    mean_a: w.mean_a,
                    mean_b: w.mean_b,
                    statistic: w.t,
                    df: w.df,
                    p: w.p,
                });
            }
        }
    }
    rows
}

/// The class a result is compared as: its stage name, or its sweep coordinate `class_by`.
fn comparison_class(input: &InputArtifact, class_by: &str) -> Result<String, StageError> {
    if class_by == "stage" {
        return Ok(stage_of(&input.node).to_string());
    }
    input
        .coords
        .iter()
        .find(|(k, _)| k == class_by)
        .map(|(_, v)| v.to_string())
        .ok_or_else(|| {
            StageError::input(
                "scores",
                format!(
                    "node `{}` has no sweep coordinate `{class_by}` (class_by)",
                    input.node
                ),
            )
        })
}

fn to_table(rows: &[Row]) -> Result<RecordBatch, StageError> {
    let s = |f: fn(&Row) -> &String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let i = |f: fn(&Row) -> usize| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| f(r) as i64),
        ))
    };
    let x = |f: fn(&Row) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| Some(f(r)).filter(|v| v.is_finite()))
                .collect::<Vec<_>>(),
        ))
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("test", s(|r| &r.test)),
        ("metric", s(|r| &r.metric)),
        ("class_a", s(|r| &r.class_a)),
        ("class_b", s(|r| &r.class_b)),
        ("n_a", i(|r| r.n_a)),
        ("n_b", i(|r| r.n_b)),
        ("mean_a", x(|r| r.mean_a)),
        ("mean_b", x(|r| r.mean_b)),
        ("statistic", x(|r| r.statistic)),
        ("df", x(|r| r.df)),
        ("p", x(|r| r.p)),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| {
            Field::new(
                *n,
                a.data_type().clone(),
                *a.data_type() == DataType::Float64,
            )
        })
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| StageError::failed(e.to_string()))
}

/// The per-model results as one table — typed coordinates and flattened fields, by the code
/// `flow collect` uses (flow-collect) — with each result's class beside it. With `samples`,
/// a result whose field among them is a list of numbers gives one row per element (element i
/// of every such list in row i; the other fields repeated): a sample of several values from one
/// node, such as `neuron-subsets`' alignment of each subset.
fn results_table(
    scores: &[InputArtifact],
    class_by: &str,
    samples: &[String],
) -> Result<StageTable, StageError> {
    let mut classes = Vec::new();
    let records = scores
        .iter()
        .map(|s| {
            let rows = sample_rows(s, samples)?;
            let class = comparison_class(s, class_by)?;
            classes.extend(std::iter::repeat_n(class, rows.len()));
            Ok(NodeRecord {
                node: s.node.clone(),
                coords: s.coords.clone(),
                key: None,
                status: "cached".into(),
                rows,
            })
        })
        .collect::<Result<Vec<_>, StageError>>()?;
    let mut table = stage_table("scores", &records, &[], false).map_err(collect_error)?;
    table
        .frame
        .with_column(Column::new(CLASS.into(), classes))
        .map_err(|e| collect_error(e.into()))?;
    Ok(table)
}

/// One result as rows: itself, or one row per element of its list-valued `samples` fields
/// (which must have equal lengths).
fn sample_rows(input: &InputArtifact, samples: &[String]) -> Result<Vec<Value>, StageError> {
    let v = input.json("scores")?;
    let lists: Vec<(&String, &Vec<Value>)> = samples
        .iter()
        .filter_map(|m| v.get(m).and_then(Value::as_array).map(|a| (m, a)))
        .collect();
    let Some((first, head)) = lists.first() else {
        return Ok(vec![v.clone()]);
    };
    if let Some((other, list)) = lists.iter().find(|(_, a)| a.len() != head.len()) {
        return Err(StageError::input(
            "scores",
            format!(
                "`{}`: lists `{first}` ({}) and `{other}` ({}) differ in length",
                input.node,
                head.len(),
                list.len()
            ),
        ));
    }
    Ok((0..head.len())
        .map(|i| {
            let mut row = v.clone();
            for (m, list) in &lists {
                row[m.as_str()] = list[i].clone();
            }
            row
        })
        .collect())
}

/// The column of a result's class (a name no result field has: flow-collect's columns are
/// `node`, `stage`, coordinates and result fields).
const CLASS: &str = "stats class";

/// Classes in order of first appearance, and `values[metric][class]`.
type ClassValues = (Vec<String>, Vec<Vec<Vec<f64>>>);

/// Classes in order of first appearance, and `values[metric][class]`: the finite values of each
/// metric per class (nulls and non-finite values left out), grouped with polars.
fn values_per_class(
    scores: &[InputArtifact],
    metrics: &[String],
    class_by: &str,
) -> Result<ClassValues, StageError> {
    // A metric that is there but not a number is an error, not a missing value.
    for s in scores {
        let v = s.json("scores")?;
        for m in metrics {
            match v.get(m) {
                Some(Value::Array(xs)) => {
                    for x in xs {
                        matrix::json_f64(x, m, "scores")?;
                    }
                }
                Some(x) => {
                    matrix::json_f64(x, m, "scores")?;
                }
                None => {}
            }
        }
    }
    let table = results_table(scores, class_by, metrics)?;
    let present: Vec<&String> = metrics
        .iter()
        .filter(|m| table.frame.column(m).is_ok())
        .collect();
    let grouped = table
        .frame
        .lazy()
        .group_by_stable([col(CLASS)])
        .agg(
            present
                .iter()
                .map(|m| col(m.as_str()).cast(PlDataType::Float64))
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(|e| collect_error(e.into()))?;
    let classes: Vec<String> = grouped
        .column(CLASS)
        .and_then(|c| c.str().cloned())
        .map_err(|e| collect_error(e.into()))?
        .iter()
        .map(|c| c.unwrap_or_default().to_string())
        .collect();
    let mut values = vec![vec![Vec::new(); classes.len()]; metrics.len()];
    for (m, metric) in metrics.iter().enumerate() {
        if !present.contains(&metric) {
            continue;
        }
        let lists = grouped
            .column(metric)
            .and_then(|c| c.list().cloned())
            .map_err(|e| collect_error(e.into()))?;
        for (c, list) in lists.amortized_iter().enumerate() {
            let Some(list) = list else { continue };
            let xs = list.as_ref().f64().map_err(|e| collect_error(e.into()))?;
            values[m][c] = xs.iter().flatten().filter(|x| x.is_finite()).collect();
        }
    }
    Ok((classes, values))
}

/// Each UDR model's score paired with `metric` of the result whose node coordinates contain
/// all of the model's: a left join of the models on the per-model results over the model's
/// coordinates (flow-collect's join); more than one match is an error.
fn udr_pairs(
    udr: &[InputArtifact],
    scores: &[InputArtifact],
    variant: &str,
    metric: &str,
) -> Result<UdrPairs, StageError> {
    let mut models = Vec::new();
    for u in udr {
        let (ms, listed) = udr_model_scores(u, variant)?;
        let listed = listed.ok_or_else(|| {
            StageError::input(
                "udr",
                format!("`{}` has no `models` (which model is which)", u.node),
            )
        })?;
        for (i, &score) in ms.iter().enumerate() {
            let Some(coords) = listed
                .get(i)
                .and_then(|m| m.get("coords"))
                .and_then(Value::as_object)
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            models.push(NodeRecord {
                node: format!("{}#{i}", u.node),
                coords: coords
                    .iter()
                    .map(|(k, v)| (k.clone(), ParamValue::from_json(v)))
                    .collect(),
                key: None,
                status: "cached".into(),
                rows: vec![serde_json::json!({ "score": score, "model": i })],
            });
        }
    }
    let mut pairs = UdrPairs::default();
    if models.is_empty() {
        return Ok(pairs);
    }
    let models = stage_table("udr", &models, &[], false).map_err(collect_error)?;
    let results = results_table(scores, "stage", &[])?;
    // A model coordinate no result has: nothing can contain the model's coordinates.
    if models.coords.iter().any(|c| !results.coords.contains(c)) {
        return Ok(pairs);
    }
    let joined = Collection::join(vec![models, results])
        .map_err(collect_error)?
        .frame;
    let f64s = |name: &str| -> Vec<Option<f64>> {
        joined
            .column(name)
            .and_then(|c| c.cast(&PlDataType::Float64))
            .and_then(|c| c.f64().cloned())
            .map(|c| c.iter().collect())
            .unwrap_or_else(|_| vec![None; joined.height()])
    };
    let nodes: Vec<String> = joined
        .column("udr.node")
        .and_then(|c| c.str().cloned())
        .map_err(|e| collect_error(e.into()))?
        .iter()
        .map(|n| n.unwrap_or_default().to_string())
        .collect();
    let matched: Vec<bool> = joined
        .column("scores.node")
        .map(|c| c.is_not_null().iter().map(|b| b == Some(true)).collect())
        .map_err(|e| collect_error(e.into()))?;
    let (score, value) = (f64s("udr.score"), f64s(&format!("scores.{metric}")));
    for (r, node) in nodes.iter().enumerate() {
        let matches = (0..nodes.len())
            .filter(|&q| nodes[q] == *node && matched[q])
            .count();
        if matches > 1 {
            let i = node.rsplit('#').next().unwrap_or("?");
            return Err(StageError::input(
                "scores",
                format!("{matches} results match UDR model {i} ({node}); pair them one to one"),
            ));
        }
        if let (Some(x), Some(y)) = (score[r], value[r])
            && x.is_finite()
            && y.is_finite()
        {
            pairs.udr.push(x);
            pairs.metric.push(y);
            pairs.group.push(
                node.rsplit_once('#')
                    .map_or(node.as_str(), |(g, _)| g)
                    .to_string(),
            );
        }
    }
    Ok(pairs)
}

/// A `udr` result's model scores of `variant`, and its `models` list (which model is which).
fn udr_model_scores<'a>(
    u: &'a InputArtifact,
    variant: &str,
) -> Result<(Vec<f64>, Option<&'a Vec<Value>>), StageError> {
    let v = u.json("udr")?;
    let scores = matrix::json_vec(
        matrix::field(matrix::field(v, variant, "udr")?, "model_scores", "udr")?,
        "model_scores",
        "udr",
    )?;
    Ok((scores, v.get("models").and_then(Value::as_array)))
}

/// UDR scores paired with a per-model metric, and the `udr` node (the group, e.g. one β) each
/// pair comes from.
#[derive(Default)]
struct UdrPairs {
    udr: Vec<f64>,
    metric: Vec<f64>,
    group: Vec<String>,
}

/// The within-group Spearman correlation: ranks taken within each group (average ranks for
/// ties) and centred on the group's mean rank, then Pearson's r over all pairs pooled; the
/// t-test of a partial correlation with one mean per group removed (df = n − G − 1). Groups
/// with fewer than 2 pairs are left out. Returns (ρ, n, df, p).
pub fn spearman_within(x: &[f64], y: &[f64], group: &[String]) -> (f64, usize, f64, f64) {
    let mut names: Vec<&String> = group.iter().collect();
    names.sort();
    names.dedup();
    let (mut cx, mut cy) = (Vec::new(), Vec::new());
    let mut groups = 0usize;
    for g in names {
        let idx: Vec<usize> = (0..group.len()).filter(|&i| &group[i] == g).collect();
        if idx.len() < 2 {
            continue;
        }
        groups += 1;
        let rx = rank_average(&idx.iter().map(|&i| x[i]).collect::<Vec<_>>());
        let ry = rank_average(&idx.iter().map(|&i| y[i]).collect::<Vec<_>>());
        let centre = (idx.len() as f64 + 1.0) / 2.0;
        cx.extend(rx.iter().map(|r| r - centre));
        cy.extend(ry.iter().map(|r| r - centre));
    }
    let n = cx.len();
    let df = n as f64 - groups as f64 - 1.0;
    if df < 1.0 {
        return (f64::NAN, n, df.max(0.0), f64::NAN);
    }
    let sxy: f64 = cx.iter().zip(&cy).map(|(a, b)| a * b).sum();
    let sxx: f64 = cx.iter().map(|a| a * a).sum();
    let syy: f64 = cy.iter().map(|b| b * b).sum();
    let rho = sxy / (sxx * syy).sqrt();
    let p = if rho.is_nan() {
        f64::NAN
    } else if rho.abs() >= 1.0 {
        0.0
    } else {
        two_sided_p(rho * (df / (1.0 - rho * rho)).sqrt(), df)
    };
    (rho, n, df, p)
}

/// Each UDR model's sweep coordinate `by` (a number) beside its UDR score (`variant`).
fn udr_against_coordinate(
    udr: &[InputArtifact],
    variant: &str,
    by: &str,
) -> Result<(Vec<f64>, Vec<f64>), StageError> {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for u in udr {
        let (ms, listed) = udr_model_scores(u, variant)?;
        for (i, &score) in ms.iter().enumerate() {
            let coord = listed
                .and_then(|l| l.get(i))
                .and_then(|m| m.get("coords"))
                .and_then(|c| c.get(by))
                .and_then(Value::as_f64)
                .ok_or_else(|| {
                    StageError::input(
                        "udr",
                        format!(
                            "model {i} of `{}` has no numeric coordinate `{by}` (udr_by)",
                            u.node
                        ),
                    )
                })?;
            if score.is_finite() {
                xs.push(coord);
                ys.push(score);
            }
        }
    }
    Ok((xs, ys))
}

/// A model left out of the class comparisons: not kept by `select` or by `ve-filter`.
struct Excluded {
    /// The model's class: a `select` row's model stage (`bvae`), or the class of a `ve-filter`
    /// row's lasso stage (`lasso_bvae` → `bvae`).
    class: String,
    coords: serde_json::Map<String, Value>,
}

impl Excluded {
    /// Whether this exclusion applies to `result`: its stage's class (the name after the first
    /// `_`) is the model's and its coordinates contain the model's.
    fn governs(&self, result: &InputArtifact) -> bool {
        class_of(&result.node) == self.class && contains_coords(&result.coords, &self.coords)
    }
}

/// The models `selection` (gathered `select` tables) and `ve_filter` (gathered `ve-filter`
/// results) did not keep.
fn excluded_models(inputs: &Inputs) -> Result<Vec<Excluded>, StageError> {
    let mut out = Vec::new();
    for s in inputs.all("selection") {
        for row in read_selection(s, "selection")?
            .into_iter()
            .filter(|r| !r.kept)
        {
            out.push(Excluded {
                class: stage_of(&row.model).to_string(),
                coords: row.coords,
            });
        }
    }
    for f in inputs.all("ve_filter") {
        let v = f.json("ve_filter")?;
        let models = v.get("models").and_then(Value::as_array).ok_or_else(|| {
            StageError::input(
                "ve_filter",
                format!("`{}` has no `models`: not a `ve-filter` result", f.node),
            )
        })?;
        for m in models {
            if m.get("kept").and_then(Value::as_bool) != Some(false) {
                continue;
            }
            let node = m.get("node").and_then(Value::as_str).unwrap_or_default();
            out.push(Excluded {
                class: class_of(node).to_string(),
                coords: m
                    .get("coords")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

fn collect_error(e: flow_collect::CollectError) -> StageError {
    StageError::failed(format!("building the results table: {e}"))
}

pub struct Stats;

/// `stats`' params.
#[derive(Debug, Clone, serde::Deserialize)]
struct StatsParams {
    /// Comma-separated result fields.
    metrics: String,
    /// `"stage"` or a sweep coordinate.
    class_by: String,
    /// `"library"`, `"paper_filtered"` or `"paper_literal"`: the key of the variant in a `udr`
    /// result.
    udr_variant: String,
    udr_metric: String,
    /// A sweep coordinate of the UDR models correlated with their UDR score ("": none).
    udr_by: String,
    /// The stage whose results are paired with the UDR models ("": any result with the metric).
    udr_scores: String,
}

impl StageKind for Stats {
    fn name(&self) -> &'static str {
        "stats"
    }

    fn version(&self) -> u32 {
        2
    }

    fn summary(&self) -> &'static str {
        "Welch t-tests between model classes on per-model scores, and Spearman of UDR vs alignment (one tidy table)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "metrics",
                ParamType::Str,
                ParamValue::Str(DEFAULT_METRICS.into()),
                "comma-separated result fields compared between classes",
            ),
            ParamSpec::with_default(
                "class_by",
                ParamType::Str,
                ParamValue::Str("stage".into()),
                "a result's class: its node's stage name (\"stage\") or this sweep coordinate",
            ),
            ParamSpec::with_default(
                "udr_variant",
                ParamType::Choice(&["library", "paper_filtered", "paper_literal"]),
                ParamValue::Str("library".into()),
                "the UDR variant correlated with `udr_metric`",
            ),
            ParamSpec::with_default(
                "udr_metric",
                ParamType::Str,
                ParamValue::Str("alignment".into()),
                "the per-model score correlated with UDR",
            ),
            ParamSpec::with_default(
                "udr_by",
                ParamType::Str,
                ParamValue::Str(String::new()),
                "a numeric sweep coordinate of the UDR models (e.g. beta) correlated with their UDR score (\"\": none)",
            ),
            ParamSpec::with_default(
                "udr_scores",
                ParamType::Str,
                ParamValue::Str(String::new()),
                "the stage whose results are paired with the UDR models, e.g. align_bvae (\"\": every result that has udr_metric)",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::many(
                "scores",
                ArtifactType::Json,
                "gathered per-model results (alignment, lasso-ve, corr-ratio, decode, …)",
            ),
            PortSpec::many(
                "udr",
                ArtifactType::Json,
                "gathered `udr` results (for Spearman of UDR vs alignment)",
            )
            .optional(),
            PortSpec::many(
                "selection",
                ArtifactType::Table,
                "`select` tables: models not kept are left out of the class comparisons",
            )
            .optional(),
            PortSpec::many(
                "ve_filter",
                ArtifactType::Json,
                "`ve-filter` results: models not kept are left out of the class comparisons",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Table,
            "one row per test: test, metric, class_a, class_b, n_a, n_b, mean_a, mean_b, statistic, df, p",
        )]
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: StatsParams = ctx.params().parse()?;
        let metrics: Vec<String> = p
            .metrics
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .collect();
        if metrics.is_empty() {
            return Err(StageError::param("metrics", "names no field"));
        }
        let class_by = p.class_by.as_str();
        let scores = inputs.all("scores");
        if scores.is_empty() {
            return Err(StageError::input("scores", "no results given"));
        }
        let excluded = excluded_models(inputs)?;
        let compared: Vec<InputArtifact> = scores
            .iter()
            .filter(|s| !excluded.iter().any(|x| x.governs(s)))
            .cloned()
            .collect();
        if compared.is_empty() {
            return Err(StageError::input(
                "scores",
                "every result is excluded by `selection` or `ve_filter`",
            ));
        }
        let (classes, values) = values_per_class(&compared, &metrics, class_by)?;
        let mut rows = welch_rows(&metrics, &classes, &values);

        if inputs.is_connected("udr") {
            let variant = p.udr_variant.as_str();
            let metric = p.udr_metric.as_str();
            let paired: Vec<InputArtifact> = scores
                .iter()
                .filter(|s| {
                    (p.udr_scores.is_empty() || stage_of(&s.node) == p.udr_scores)
                        && matches!(&s.artifact, Artifact::Json(v) if v.get(metric).is_some())
                })
                .cloned()
                .collect();
            let pairs = udr_pairs(inputs.all("udr"), &paired, variant, metric)?;
            let (xs, ys) = (&pairs.udr, &pairs.metric);
            let (rho, df, pval) = spearman_test(xs, ys);
            rows.push(Row {
                test: "spearman".into(),
                metric: format!("udr_{variant}~{metric}"),
                class_a: "udr".into(),
                class_b: metric.to_string(),
                n_a: xs.len(),
                n_b: ys.len(),
                mean_a: mean(xs),
                mean_b: mean(ys),
                statistic: rho,
                df,
                p: pval,
            });
            let (rho, n, df, pval) = spearman_within(xs, ys, &pairs.group);
            rows.push(Row {
                test: "spearman_within".into(),
                metric: format!("udr_{variant}~{metric}"),
                class_a: "udr".into(),
                class_b: metric.to_string(),
                n_a: n,
                n_b: n,
                mean_a: mean(xs),
                mean_b: mean(ys),
                statistic: rho,
                df,
                p: pval,
            });
            if !p.udr_by.is_empty() {
                let by = p.udr_by.as_str();
                let (cs, us) = udr_against_coordinate(inputs.all("udr"), variant, by)?;
                let (rho, df, pval) = spearman_test(&cs, &us);
                rows.push(Row {
                    test: "spearman".into(),
                    metric: format!("{by}~udr_{variant}"),
                    class_a: by.to_string(),
                    class_b: "udr".into(),
                    n_a: cs.len(),
                    n_b: us.len(),
                    mean_a: mean(&cs),
                    mean_b: mean(&us),
                    statistic: rho,
                    df,
                    p: pval,
                });
            }
        }
        Ok(Outputs::new().table("result", to_table(&rows)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_p_matches_scipy() {
        // scipy.stats.spearmanr([1..10], [2,1,4,3,6,5,8,7,10,9]) = (0.9393939393939394, 5.484052998513666e-05)
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 8.0, 7.0, 10.0, 9.0];
        let (rho, df, p) = spearman_test(&x, &y);
        assert!((rho - 0.9393939393939394).abs() < 1e-15);
        assert_eq!(df, 8.0);
        assert!(
            ((p - 5.484052998513666e-05) / 5.484052998513666e-05).abs() < 1e-9,
            "{p}"
        );
        assert_eq!(spearman_test(&x, &x).2, 0.0);
    }

    #[test]
    fn within_group_spearman_of_one_group_is_spearman() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let g = vec!["a".to_string(); 6];
        let (rho, n, df, p) = spearman_within(&x, &y, &g);
        let (rho0, df0, p0) = spearman_test(&x, &y);
        assert_eq!((n, df), (6, df0));
        assert!((rho - rho0).abs() < 1e-15 && (p - p0).abs() < 1e-12);
    }

    #[test]
    fn within_group_spearman_ignores_differences_between_groups() {
        // Across groups x and y rise together (group b is higher in both); within each group
        // they fall: the pooled within-group correlation is −1.
        let x = [1.0, 2.0, 3.0, 11.0, 12.0, 13.0];
        let y = [3.0, 2.0, 1.0, 13.0, 12.0, 11.0];
        let g: Vec<String> = ["a", "a", "a", "b", "b", "b"].map(String::from).to_vec();
        assert!(spearman_test(&x, &y).0 > 0.5);
        let (rho, n, df, p) = spearman_within(&x, &y, &g);
        assert_eq!((n, df), (6, 3.0));
        assert!((rho + 1.0).abs() < 1e-15, "{rho}");
        assert_eq!(p, 0.0);
    }

    #[test]
    fn every_pair_of_classes() {
        let metrics = vec!["alignment".to_string()];
        let classes = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let values = vec![vec![vec![1.0, 2.0, 3.0], vec![2.0, 4.0, 5.0], vec![7.0]]];
        let rows = welch_rows(&metrics, &classes, &values);
        assert_eq!(rows.len(), 1, "class c has one value: no test");
        assert_eq!(
            (rows[0].class_a.as_str(), rows[0].class_b.as_str()),
            ("a", "b")
        );
    }
}
