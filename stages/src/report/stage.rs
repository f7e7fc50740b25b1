//! `report`: the paper's figures and claims as one self-contained HTML page.
//!
//! Paper: Results (Figs. 1c, 3b–e, 4a–b, 5b–c, 6b–c) and Online methods, "Statistical tests".
//! What each figure shows and how each claim is tested: docs/METHODS.md §9.
//!
//! Inputs are gathered per-model results of the analysis stages; a model's **class** is the part
//! of its node's stage name after the first `_` (`align_bvae` → `bvae`, `corr_ae` → `ae`; a name
//! without `_` is its own class), so a pipeline names its scoring stages `<score>_<class>`. A
//! node's **world** is its sweep coordinate `world_by` (default `code`: the ground-truth code of
//! the synthetic neurons), or `recorded` when it has none.
//!
//! The page holds, per world: the figures (SVG, drawn by [`figures`](crate::report::figures)),
//! a per-class summary built with polars (alignment with both entropy bases, variance explained,
//! informative units and the models kept by selection, beside each other as the synthetic world's
//! notes ask: a collapsed model can fake alignment), and the claims table
//! ([`claims`](crate::report::claims)), whose every number is a row of a `stats` table; with
//! `shared_features` and `saliency_check` connected, a shared-feature section per world (the
//! second paper, [`shared_features`](crate::report::shared_features)). Images
//! (traversals, reconstructions) are embedded as base64 PNG; nothing is fetched from a network.
//!
//! **flow's choices**: Fig. 3e (within β) is drawn as UDR and alignment centred on each β's
//! mean; Fig. 4b is each class's per-neuron alignment C_j sorted from the best neuron down,
//! averaged over the class's models rank by rank; Fig. 6c shows the first decoded model of the
//! reference class, the AE and the VAE in each world.
//!
//! Outputs: `page` (report.html, with a `<!-- flow:provenance -->` marker where `flow run`
//! writes the pipeline's provenance when it publishes the page) and `claims` (the claims table
//! as data: one row per claim and world).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use flow_engine::artifact::InputArtifact;
use flow_engine::{
    Artifact, ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec,
    RunContext, StageError, StageKind,
};
use serde_json::{Value, json};

use flow_collect::polars::prelude::DataType as PlDataType;
use flow_collect::polars::prelude::*;
use flow_collect::{Collection, NodeRecord, stage_table};

use crate::analysis::model_class::{class_of, contains_coords, stage_of};
use crate::analysis::select::read_selection;
use crate::report::claims::{Claim, Stages, paper_claims};
use crate::report::figures::{self, Group, Series};
use crate::report::page::{Page, Section};
use crate::report::stat_row::StatRow;

pub const DEFAULT_LABELS: &str = "bvae=β-VAE,ae=AE,vae=VAE,classifier=Classifier,pca=PCA,ica=ICA,aam=AAM,vggpca=VGG (PCA),vggraw=VGG (raw),factors=True factors,subsets=Neuron subsets,subsetsmix=Neuron subsets";

pub struct Report;

#[derive(Debug, Clone, serde::Deserialize)]
struct ReportParams {
    title: String,
    reference: String,
    labels: String,
    world_by: String,
    udr_variant: String,
    udr_by: String,
    diagnostic_worlds: String,
}

fn world_of(input: &InputArtifact, world_by: &str) -> String {
    input
        .coords
        .iter()
        .find(|(k, _)| k == world_by)
        .map_or_else(|| "recorded".to_string(), |(_, v)| v.to_string())
}

fn number(v: &Value, field: &str) -> Option<f64> {
    v.get(field)
        .and_then(Value::as_f64)
        .filter(|x| x.is_finite())
}

fn numbers(v: &Value, field: &str) -> Vec<f64> {
    match v.get(field) {
        Some(Value::Array(xs)) => xs
            .iter()
            .filter_map(Value::as_f64)
            .filter(|x| x.is_finite())
            .collect(),
        Some(x) => x.as_f64().filter(|x| x.is_finite()).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Classes in order of first appearance among `inputs`, with the stage that scores each.
fn class_stages(inputs: &[InputArtifact]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for i in inputs {
        let stage = stage_of(&i.node).to_string();
        if !out.iter().any(|(_, s)| *s == stage) {
            out.push((class_of(&i.node).to_string(), stage));
        }
    }
    out
}

/// Everything the page is drawn from, sorted by world.
struct Gathered<'a> {
    worlds: Vec<String>,
    inputs: &'a Inputs,
    world_by: String,
}

impl<'a> Gathered<'a> {
    fn of(&self, port: &str, world: &str) -> Vec<&'a InputArtifact> {
        self.inputs
            .all(port)
            .iter()
            .filter(|i| world_of(i, &self.world_by) == world)
            .collect()
    }

    /// One strip-chart group per class of `port`: the values of `field` in `world`.
    fn groups(
        &self,
        port: &str,
        field: &str,
        world: &str,
        label: &dyn Fn(&str) -> String,
    ) -> Vec<Group> {
        let mut groups: Vec<(String, Group)> = Vec::new();
        for i in self.of(port, world) {
            let class = class_of(&i.node).to_string();
            let Ok(v) = i.json(port) else { continue };
            let xs = numbers(v, field);
            match groups.iter_mut().find(|(c, _)| *c == class) {
                Some((_, g)) => g.values.extend(xs),
                None => groups.push((
                    class.clone(),
                    Group {
                        label: label(&class),
                        values: xs,
                    },
                )),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }
}

fn labels_of(text: &str) -> Result<BTreeMap<String, String>, StageError> {
    let mut map = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| StageError::param("labels", format!("`{part}` is not `class=Label`")))?;
        map.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(map)
}

fn figure(result: Result<String, figures::FigureError>) -> Result<String, StageError> {
    result.map_err(|e| StageError::failed(format!("drawing a figure: {e}")))
}

/// UDR score of every model of the reference class, paired with its alignment in `world`:
/// (β-group label, udr, alignment) per model. A UDR model is paired with the alignment result
/// whose node coordinates contain all of the model's.
fn udr_alignment(
    g: &Gathered,
    world: &str,
    reference: &str,
    variant: &str,
    by: &str,
) -> Vec<(String, f64, f64)> {
    let aligned: Vec<&InputArtifact> = g
        .of("alignment", world)
        .into_iter()
        .filter(|i| class_of(&i.node) == reference)
        .collect();
    let mut out = Vec::new();
    for u in g.inputs.all("udr") {
        let Ok(v) = u.json("udr") else { continue };
        let scores = numbers_opt(v.pointer(&format!("/{variant}/model_scores")));
        let Some(models) = v.get("models").and_then(Value::as_array) else {
            continue;
        };
        for (m, score) in models.iter().zip(scores) {
            let (Some(coords), Some(score)) = (m.get("coords").and_then(Value::as_object), score)
            else {
                continue;
            };
            let group = coords
                .get(by)
                .map_or_else(|| u.node.clone(), |b| format!("{by} = {b}"));
            let hit = aligned.iter().find(|a| contains_coords(&a.coords, coords));
            if let Some(a) = hit
                && let Some(al) = a
                    .json("alignment")
                    .ok()
                    .and_then(|r| number(r, "alignment"))
            {
                out.push((group, score, al));
            }
        }
    }
    out
}

fn numbers_opt(v: Option<&Value>) -> Vec<Option<f64>> {
    v.and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .map(|x| x.as_f64().filter(|x| x.is_finite()))
                .collect()
        })
        .unwrap_or_default()
}

/// Series per group (in order of first appearance).
fn series_by_group(points: &[(String, f64, f64)]) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for (g, x, y) in points {
        match out.iter_mut().find(|s| s.label == *g) {
            Some(s) => s.points.push((*x, *y)),
            None => out.push(Series {
                label: g.clone(),
                points: vec![(*x, *y)],
            }),
        }
    }
    out
}

/// Each series' points centred on the series' means.
fn centred(series: Vec<Series>) -> Vec<Series> {
    series
        .into_iter()
        .map(|s| {
            let n = s.points.len() as f64;
            let mx = s.points.iter().map(|p| p.0).sum::<f64>() / n;
            let my = s.points.iter().map(|p| p.1).sum::<f64>() / n;
            Series {
                label: s.label,
                points: s.points.iter().map(|p| (p.0 - mx, p.1 - my)).collect(),
            }
        })
        .collect()
}

/// Fig. 4b: per class, the per-neuron alignment C_j sorted from the best neuron down, averaged
/// over the class's models rank by rank.
fn per_neuron_curves(g: &Gathered, world: &str, label: &dyn Fn(&str) -> String) -> Vec<Series> {
    let mut per_class: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    for i in g.of("alignment", world) {
        let Ok(v) = i.json("alignment") else {
            continue;
        };
        let mut c = numbers(v, "C_j");
        if c.is_empty() {
            continue;
        }
        c.sort_by(|a, b| b.total_cmp(a));
        let class = class_of(&i.node);
        match per_class.iter_mut().find(|(k, _)| *k == class) {
            Some((_, list)) => list.push(c),
            None => per_class.push((class.to_string(), vec![c])),
        }
    }
    per_class
        .into_iter()
        .map(|(class, lists)| {
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            let points = (0..n)
                .map(|r| {
                    let m = lists.iter().map(|l| l[r]).sum::<f64>() / lists.len() as f64;
                    ((r + 1) as f64, m)
                })
                .collect();
            Series {
                label: label(&class),
                points,
            }
        })
        .collect()
}

/// A node's rows for the summary table: `fields` of its result (numbers), plus the count of
/// `true` in its `informative` list as `informative_units`.
fn record(i: &InputArtifact, port: &str, fields: &[&str]) -> Result<NodeRecord, StageError> {
    let v = i.json(port)?;
    let mut row = serde_json::Map::new();
    for f in fields {
        if *f == "informative_units" {
            let n = v
                .get("informative")
                .and_then(Value::as_array)
                .map(|xs| xs.iter().filter(|x| x.as_bool() == Some(true)).count());
            row.insert((*f).into(), json!(n));
        } else {
            row.insert((*f).into(), json!(number(v, f)));
        }
    }
    Ok(NodeRecord {
        node: i.node.clone(),
        coords: i.coords.clone(),
        key: None,
        status: "cached".into(),
        rows: vec![Value::Object(row)],
    })
}

fn polars_error(e: PolarsError) -> StageError {
    StageError::failed(format!("building the summary table: {e}"))
}

fn collect_error(e: flow_collect::CollectError) -> StageError {
    StageError::failed(format!("building the summary table: {e}"))
}

/// The per-class summary: per model, alignment (both entropy bases), VE, informative units and
/// whether selection kept it — one polars join per class on the sweep coordinates — then
/// stacked and grouped per world and class.
fn summary(g: &Gathered, label: &dyn Fn(&str) -> String) -> Result<DataFrame, StageError> {
    let classes = class_stages(g.inputs.all("alignment"));
    let mut frames = Vec::new();
    for (class, _) in &classes {
        let of_class = |port: &str| -> Vec<&InputArtifact> {
            g.inputs
                .all(port)
                .iter()
                .filter(|i| class_of(&i.node) == *class)
                .collect()
        };
        let table = |name: &str, port: &str, fields: &[&str]| -> Result<_, StageError> {
            let records = of_class(port)
                .into_iter()
                .map(|i| record(i, port, fields))
                .collect::<Result<Vec<_>, _>>()?;
            if records.is_empty() {
                return Ok(None);
            }
            stage_table(name, &records, &[], false)
                .map(Some)
                .map_err(collect_error)
        };
        let mut tables = Vec::new();
        tables.extend(table("align", "alignment", &["alignment"])?);
        let first_coords = tables.first().map(|t| t.coords.clone()).unwrap_or_default();
        for extra in [
            table("inf", "alignment_informative", &["alignment"])?,
            table("lasso", "lasso", &["ve_mean", "informative_units"])?,
        ]
        .into_iter()
        .flatten()
        {
            if extra.coords.iter().any(|c| first_coords.contains(c)) {
                tables.push(extra);
            }
        }
        // Selection rows of this class: the select table's models named `<class>[…]`.
        let mut selection: Vec<NodeRecord> = Vec::new();
        for s in g.inputs.all("selection") {
            selection.extend(
                selection_records(s)?
                    .into_iter()
                    .filter(|r| stage_of(&r.node) == class),
            );
        }
        if !selection.is_empty() {
            let t = stage_table("sel", &selection, &[], false).map_err(collect_error)?;
            if t.coords.iter().all(|c| first_coords.contains(c)) && !t.coords.is_empty() {
                tables.push(t);
            }
        }
        let several = tables.len() > 1;
        let joined = Collection::join(tables).map_err(collect_error)?.frame;
        let pick = |stage: &str, field: &str| -> Expr {
            let name = if several {
                format!("{stage}.{field}")
            } else {
                field.to_string()
            };
            if joined.column(&name).is_ok() {
                col(name.as_str()).cast(PlDataType::Float64)
            } else {
                lit(NULL).cast(PlDataType::Float64)
            }
        };
        let world = if joined.column(&g.world_by).is_ok() {
            col(g.world_by.as_str()).cast(PlDataType::String)
        } else {
            lit("recorded")
        };
        let frame = joined.clone().lazy().select([
            world.alias("world"),
            lit(label(class)).alias("class"),
            pick("align", "alignment").alias("alignment"),
            pick("inf", "alignment").alias("alignment_informative_base"),
            pick("lasso", "ve_mean").alias("ve_mean"),
            pick("lasso", "informative_units").alias("informative_units"),
            pick("sel", "kept").alias("kept"),
        ]);
        frames.push(frame);
    }
    if frames.is_empty() {
        return Ok(DataFrame::empty());
    }
    let stacked = concat(frames, UnionArgs::default()).map_err(polars_error)?;
    stacked
        .group_by_stable([col("world"), col("class")])
        .agg([
            len().alias("models"),
            col("alignment").mean().alias("alignment_mean"),
            col("alignment").std(1).alias("alignment_sd"),
            col("alignment_informative_base")
                .mean()
                .alias("alignment_informative_base"),
            col("ve_mean").mean().alias("ve_mean"),
            col("informative_units").mean().alias("informative_units"),
            // Models kept by selection; null for a class no `select` table covers.
            when(col("kept").null_count().lt(len()))
                .then(col("kept").sum().cast(PlDataType::Int64))
                .otherwise(lit(NULL).cast(PlDataType::Int64))
                .alias("kept"),
        ])
        .collect()
        .map_err(polars_error)
}

/// A `select` table's rows as records (model, coords) with `kept` as 1/0.
fn selection_records(input: &InputArtifact) -> Result<Vec<NodeRecord>, StageError> {
    Ok(read_selection(input, "selection")?
        .into_iter()
        .map(|row| NodeRecord {
            node: row.model,
            coords: row
                .coords
                .iter()
                .map(|(k, v)| (k.clone(), ParamValue::from_json(v)))
                .collect(),
            key: None,
            status: "cached".into(),
            rows: vec![json!({ "kept": i64::from(row.kept) })],
        })
        .collect())
}

/// One evaluated claim in one world.
pub struct Outcome {
    pub claim: Claim,
    pub world: String,
    pub row: Option<StatRow>,
    pub holds: Option<bool>,
}

fn claims_table(
    outcomes: &[Outcome],
    diagnostic: &BTreeMap<String, Option<bool>>,
) -> Result<RecordBatch, StageError> {
    let s = |f: &dyn Fn(&Outcome) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(outcomes.iter().map(f)))
    };
    let x = |f: &dyn Fn(&StatRow) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(
            outcomes
                .iter()
                .map(|o| o.row.as_ref().and_then(f))
                .collect::<Vec<_>>(),
        ))
    };
    let n = |f: &dyn Fn(&StatRow) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from(
            outcomes
                .iter()
                .map(|o| o.row.as_ref().map(f))
                .collect::<Vec<_>>(),
        ))
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("claim", s(&|o| o.claim.id.clone())),
        ("figure", s(&|o| o.claim.figure.clone())),
        ("text", s(&|o| o.claim.text.clone())),
        ("paper", s(&|o| o.claim.paper.clone())),
        ("rule", s(&|o| o.claim.rule.describe())),
        ("world", s(&|o| o.world.clone())),
        ("test", s(&|o| o.claim.test.clone())),
        ("metric", s(&|o| o.claim.metric.clone())),
        ("class_a", s(&|o| o.claim.a.clone())),
        ("class_b", s(&|o| o.claim.b.clone())),
        ("n_a", n(&|r| r.n_a)),
        ("n_b", n(&|r| r.n_b)),
        ("mean_a", x(&|r| r.mean_a)),
        ("mean_b", x(&|r| r.mean_b)),
        ("statistic", x(&|r| r.statistic)),
        ("df", x(&|r| r.df)),
        ("p", x(&|r| r.p)),
        (
            "holds",
            Arc::new(BooleanArray::from(
                outcomes.iter().map(|o| o.holds).collect::<Vec<_>>(),
            )),
        ),
        (
            "diagnostic",
            Arc::new(BooleanArray::from(
                outcomes
                    .iter()
                    .map(|o| diagnostic.get(&o.claim.id).copied().flatten())
                    .collect::<Vec<_>>(),
            )),
        ),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| StageError::failed(e.to_string()))
}

impl StageKind for Report {
    fn name(&self) -> &'static str {
        "report"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "The paper's figures and claims table, per world, as one self-contained HTML page (METHODS §9)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let s = |name: &'static str, default: &str, doc: &'static str| {
            ParamSpec::with_default(name, ParamType::Str, ParamValue::Str(default.into()), doc)
        };
        vec![
            s(
                "title",
                "Single units and single neurons: Higgins et al. 2021, reproduced",
                "the page's title",
            ),
            s(
                "reference",
                "bvae",
                "the class every other class is compared with (the β-VAE)",
            ),
            s(
                "labels",
                DEFAULT_LABELS,
                "display names: comma-separated class=Label",
            ),
            s(
                "world_by",
                "code",
                "the sweep coordinate naming a node's world (ground-truth code)",
            ),
            ParamSpec::with_default(
                "udr_variant",
                ParamType::Choice(&["library", "paper_filtered", "paper_literal"]),
                ParamValue::Str("library".into()),
                "the UDR variant of the figures and claims (as in `stats`)",
            ),
            s(
                "udr_by",
                "beta",
                "the sweep coordinate UDR is grouped by (as `stats`' udr_by; \"\": none)",
            ),
            s(
                "diagnostic_worlds",
                "single-factor,mixed",
                "two worlds: a claim is diagnostic when it holds in the first and not the second",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        let many = |name, ty, doc| PortSpec::many(name, ty, doc);
        vec![
            many(
                "stats",
                ArtifactType::Table,
                "gathered `stats` tables, one per world",
            ),
            many(
                "alignment",
                ArtifactType::Json,
                "gathered `alignment` results of every model, against the recorded neurons",
            ),
            many(
                "alignment_informative",
                ArtifactType::Json,
                "the same with entropy_units = informative",
            )
            .optional(),
            many(
                "mixture_alignment",
                ArtifactType::Json,
                "alignment against the artificial mixture",
            )
            .optional(),
            many(
                "lasso",
                ArtifactType::Json,
                "gathered `lasso-ve` results (VE, informative units)",
            )
            .optional(),
            many(
                "corr_ratio",
                ArtifactType::Json,
                "gathered `corr-ratio` results",
            )
            .optional(),
            many("decode", ArtifactType::Json, "gathered `decode` results").optional(),
            many(
                "subsets",
                ArtifactType::Json,
                "`neuron-subsets` results (the ceiling), one per world",
            )
            .optional(),
            many(
                "mixture_subsets",
                ArtifactType::Json,
                "`neuron-subsets` against the mixture",
            )
            .optional(),
            many("udr", ArtifactType::Json, "gathered `udr` results").optional(),
            many(
                "selection",
                ArtifactType::Table,
                "`select` tables (models kept)",
            )
            .optional(),
            many(
                "traversals",
                ArtifactType::Files,
                "`traversals` sheets (Fig. 1c)",
            )
            .optional(),
            many(
                "reconstructions",
                ArtifactType::Files,
                "`decode` reconstructions (Fig. 6c)",
            )
            .optional(),
            many(
                "shared_features",
                ArtifactType::Files,
                "`shared-features` sheets (Lappe et al. 2024), one per world",
            )
            .optional(),
            many(
                "saliency_check",
                ArtifactType::Table,
                "`saliency-check` summaries, one per world",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "page",
                ArtifactType::Files,
                "report.html: figures, summary and claims",
            ),
            PortSpec::one(
                "claims",
                ArtifactType::Table,
                "one row per claim and world: the stats row, holds, diagnostic",
            ),
        ]
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ReportParams = ctx.params().parse()?;
        let names = labels_of(&p.labels)?;
        let label = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
        let reference = p.reference.as_str();

        // Worlds: in order of the stats tables.
        let mut worlds: Vec<String> = Vec::new();
        let mut stats: BTreeMap<String, Vec<StatRow>> = BTreeMap::new();
        for s in inputs.all("stats") {
            let Artifact::Table(t) = &s.artifact else {
                return Err(StageError::input(
                    "stats",
                    format!("`{}` is not a table", s.node),
                ));
            };
            let world = world_of(s, &p.world_by);
            if !worlds.contains(&world) {
                worlds.push(world.clone());
            }
            stats
                .entry(world)
                .or_default()
                .extend(StatRow::read_all(t, "stats")?);
        }
        if worlds.is_empty() {
            return Err(StageError::input("stats", "no stats table given"));
        }
        let g = Gathered {
            worlds: worlds.clone(),
            inputs,
            world_by: p.world_by.clone(),
        };

        let first = |port: &str| {
            inputs
                .all(port)
                .first()
                .map(|i| stage_of(&i.node).to_string())
        };
        let stages = Stages {
            alignment: class_stages(inputs.all("alignment")),
            mixture_alignment: class_stages(inputs.all("mixture_alignment")),
            corr_ratio: class_stages(inputs.all("corr_ratio")),
            decode: class_stages(inputs.all("decode")),
            subsets: first("subsets"),
            mixture_subsets: first("mixture_subsets"),
        };
        let claims = paper_claims(&stages, reference, &p.udr_variant, &p.udr_by, &label);
        let mut outcomes = Vec::new();
        for claim in &claims {
            for w in &worlds {
                let row = claim.find(&stats[w]);
                let holds = row.as_ref().and_then(|r| claim.rule.holds(r));
                outcomes.push(Outcome {
                    claim: claim.clone(),
                    world: w.clone(),
                    row,
                    holds,
                });
            }
        }
        let pair: Vec<&str> = p.diagnostic_worlds.split(',').map(str::trim).collect();
        let mut diagnostic = BTreeMap::new();
        if let [single, mixed] = pair[..] {
            for claim in &claims {
                let holds_in = |w: &str| {
                    outcomes
                        .iter()
                        .find(|o| o.claim.id == claim.id && o.world == w)
                        .and_then(|o| o.holds)
                };
                let d = match (holds_in(single), holds_in(mixed)) {
                    (Some(a), Some(b)) => Some(a && !b),
                    _ => None,
                };
                diagnostic.insert(claim.id.clone(), d);
            }
        }

        let mut page = Page::new(&p.title);
        // Fig. 1c: traversals, world-independent.
        let sheets: Vec<(String, Vec<u8>)> = inputs
            .all("traversals")
            .iter()
            .filter_map(|t| match &t.artifact {
                Artifact::Files(dir) => std::fs::read(dir.join("traversals.png"))
                    .ok()
                    .map(|b| (t.node.clone(), b)),
                _ => None,
            })
            .take(3)
            .collect();
        if !sheets.is_empty() {
            let mut s = Section::new("fig-1c", "Fig. 1c — latent traversals");
            for (node, png) in &sheets {
                s.image(node, png);
            }
            page.push(s);
        }
        if inputs.is_connected("udr") && !p.udr_by.is_empty() {
            let mut pts = Vec::new();
            for u in inputs.all("udr") {
                let Ok(v) = u.json("udr") else { continue };
                let scores = numbers_opt(v.pointer(&format!("/{}/model_scores", p.udr_variant)));
                let models = v
                    .get("models")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for (m, s) in models.iter().zip(scores) {
                    if let (Some(b), Some(s)) = (
                        m.pointer(&format!("/coords/{}", p.udr_by))
                            .and_then(Value::as_f64),
                        s,
                    ) {
                        pts.push((label(reference), b, s));
                    }
                }
            }
            let mut s = Section::new("fig-3d-udr", &format!("{} and UDR", p.udr_by));
            s.svg(figure(figures::scatter(
                &format!("UDR ({}) against {}", p.udr_variant, p.udr_by),
                &p.udr_by,
                "UDR",
                &series_by_group(&pts),
            ))?);
            page.push(s);
        }
        let summary = summary(&g, &label)?;
        page.summary(&summary);

        for w in &g.worlds {
            let mut s = Section::new(&format!("world-{w}"), &format!("World: {w}"));
            let ref_label = label(reference);
            let mut ceiling: Vec<Group> = g
                .groups("alignment", "alignment", w, &label)
                .into_iter()
                .filter(|gr| gr.label == ref_label)
                .collect();
            ceiling.extend(g.groups("subsets", "alignment", w, &label));
            s.figure(
                "fig-3b",
                figure(figures::strip_chart(
                    &format!("Fig. 3b — {ref_label} vs the neuron-subset ceiling ({w})"),
                    "alignment",
                    &ceiling,
                ))?,
            );
            let mut mixture = Vec::new();
            for (port, suffix) in [("alignment", ""), ("mixture_alignment", " · mixture")] {
                mixture.extend(
                    g.groups(port, "alignment", w, &label)
                        .into_iter()
                        .filter(|gr| gr.label == ref_label)
                        .map(|mut gr| {
                            gr.label.push_str(suffix);
                            gr
                        }),
                );
            }
            for (port, suffix) in [("subsets", ""), ("mixture_subsets", " · mixture")] {
                mixture.extend(
                    g.groups(port, "alignment", w, &label)
                        .into_iter()
                        .map(|mut gr| {
                            gr.label.push_str(suffix);
                            gr
                        }),
                );
            }
            s.figure(
                "fig-3c",
                figure(figures::strip_chart(
                    &format!("Fig. 3c — against the artificial mixture ({w})"),
                    "alignment",
                    &mixture,
                ))?,
            );
            let pairs = udr_alignment(&g, w, reference, &p.udr_variant, &p.udr_by);
            s.figure(
                "fig-3d",
                figure(figures::scatter(
                    &format!("Fig. 3d — UDR vs alignment, across β ({w})"),
                    "UDR",
                    "alignment",
                    &series_by_group(&pairs),
                ))?,
            );
            s.figure(
                "fig-3e",
                figure(figures::scatter(
                    &format!("Fig. 3e — UDR vs alignment within β, centred on each β ({w})"),
                    "UDR − β mean",
                    "alignment − β mean",
                    &centred(series_by_group(&pairs)),
                ))?,
            );
            s.figure(
                "fig-4a",
                figure(figures::strip_chart(
                    &format!("Fig. 4a — alignment per model class ({w})"),
                    "alignment",
                    &g.groups("alignment", "alignment", w, &label),
                ))?,
            );
            s.figure(
                "fig-4b",
                figure(figures::curves(
                    &format!("Fig. 4b — alignment per neuron, best first ({w})"),
                    "neuron rank",
                    "C_j (class mean)",
                    &per_neuron_curves(&g, w, &label),
                ))?,
            );
            s.figure(
                "fig-5b",
                figure(figures::strip_chart(
                    &format!("Fig. 5b — average correlation ratio ({w})"),
                    "avg_corr_ratio",
                    &g.groups("corr_ratio", "avg_corr_ratio", w, &label),
                ))?,
            );
            s.figure(
                "fig-5c",
                figure(figures::strip_chart(
                    &format!("Fig. 5c — unit proportion ({w})"),
                    "unit_proportion",
                    &g.groups("corr_ratio", "unit_proportion", w, &label),
                ))?,
            );
            s.figure(
                "fig-6b",
                figure(figures::strip_chart(
                    &format!("Fig. 6b — decoding error of held-out faces ({w})"),
                    "mean cosine distance",
                    &g.groups("decode", "mean_cosine_distance", w, &label),
                ))?,
            );
            let mut shown = Vec::new();
            for r in g.of("reconstructions", w) {
                let class = class_of(&r.node);
                if shown.contains(&class) || ![reference, "ae", "vae"].contains(&class) {
                    continue;
                }
                if let Artifact::Files(dir) = &r.artifact
                    && let Ok(png) = std::fs::read(dir.join("reconstructions.png"))
                {
                    s.image(&format!("Fig. 6c — {} ({})", label(class), r.node), &png);
                    shown.push(class);
                }
            }
            page.push(s);
        }
        for w in &worlds {
            if let Some(s) = crate::report::shared_features::section(
                w,
                &g.of("shared_features", w),
                &g.of("saliency_check", w),
            ) {
                page.push(s);
            }
        }
        page.claims(&outcomes, &worlds, &diagnostic);

        let dir = ctx.output_dir("page")?;
        let html = page.render();
        std::fs::write(dir.join("report.html"), html)
            .map_err(|e| StageError::failed(format!("writing report.html: {e}")))?;
        Ok(Outputs::new().table("claims", claims_table(&outcomes, &diagnostic)?))
    }
}
