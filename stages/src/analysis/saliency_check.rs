//! `saliency-check`: do shared-feature maps find a planted face part? The quantitative check of
//! issue 21 and docs/METHODS.md §10.6.
//!
//! Inputs: a `shared-features` `pairs` table scored against ground-truth masks (its `masks` input
//! connected), the objects' `parts` table from `synthetic-objects` (which part each object
//! carries, and whether it is planted or only a placebo location), and the neurons' `tuning`
//! table from `synthetic-neurons` (the factor each neuron is tuned to). Each (neuron, object) row
//! falls in one group:
//!
//! - **part of the neuron's factor**: a planted part that carries the factor the neuron is tuned
//!   to (param `part_factors`: `cap=hair_darkness|hair_length, eyes=eye_size|eye_distance,
//!   mouth=smile` by default — a cap is drawn in hair's shades and shape, eyes and a mouth as the
//!   faces' are);
//! - **part of another factor**: a planted part of another kind;
//! - **no part**: an object without a planted part (its mask is the placebo location).
//!
//! Per group and map method (`shared`: parallel backprop; `gradient`: the plain gradient of the
//! neuron's prediction; `random`): n, the mean mask area fraction (chance for both scores), the
//! mean fraction of positive map mass inside the mask with a paired t-test of mass − chance
//! (two-sided, df n − 1; maps without positive mass left out), the pointing-game hit rate with a
//! one-sided exact binomial test against the mean chance, each method's mass against the plain
//! gradient's on the same rows (mean difference and paired t-test: which method wins), and the
//! mean prediction r̂ of the objects (whether the neuron is driven). The joins and the grouping
//! are polars.
//!
//! Output `summary`: one row per (group, method) in a fixed order: `group`, `method`, `n`,
//! `chance`, `mass`, `mass_t`, `mass_p`, `pointing`, `pointing_p`, `vs_gradient`,
//! `vs_gradient_p`, `r_object`.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use flow_collect::polars::prelude::{
    Column as PlColumn, DataFrame, DataType as PlDataType, IntoLazy, JoinArgs, JoinType, UnionArgs,
    col, concat, lit, when,
};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_numeric::moments::mean;
use flow_numeric::student_t::{incomplete_beta, two_sided_p};

use crate::table::{Column, bool_column, f64_column, table};

pub struct SaliencyCheck;

pub const DEFAULT_PART_FACTORS: &str =
    "cap=hair_darkness|hair_length, eyes=eye_size|eye_distance, mouth=smile";

/// The groups and methods, in the summary's order.
pub const GROUPS: [&str; 3] = [
    "part of the neuron's factor",
    "part of another factor",
    "no part",
];
pub const METHODS: [&str; 3] = ["shared", "gradient", "random"];

#[derive(Debug, Clone, serde::Deserialize)]
struct SaliencyCheckParams {
    part_factors: String,
}

/// `part=factor|factor, …` as (part, factor) pairs.
fn parse_part_factors(spec: &str) -> Result<Vec<(String, String)>, StageError> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (part, factors) = item.split_once('=').ok_or_else(|| {
            StageError::param(
                "part_factors",
                format!("`{item}` is not `part=factor|factor`"),
            )
        })?;
        for f in factors.split('|').map(str::trim).filter(|s| !s.is_empty()) {
            out.push((part.trim().to_string(), f.to_string()));
        }
    }
    if out.is_empty() {
        return Err(StageError::param("part_factors", "names no part"));
    }
    Ok(out)
}

fn text_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<String>, StageError> {
    let c = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let s = c.as_string_opt::<i32>().ok_or_else(|| {
        StageError::input(
            port,
            format!("column `{name}` must be text, not {}", c.data_type()),
        )
    })?;
    Ok(s.iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn required_bools(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<bool>, StageError> {
    bool_column(batch, name, port)?
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))
}

fn polars_error(e: impl std::fmt::Display) -> StageError {
    StageError::failed(format!("joining the check's tables: {e}"))
}

/// One summary row's statistics from its rows' values.
#[derive(Debug, PartialEq)]
pub struct GroupStats {
    pub n: usize,
    pub chance: f64,
    pub mass: f64,
    pub mass_t: f64,
    pub mass_p: f64,
    pub pointing: f64,
    pub pointing_p: f64,
    pub r_object: f64,
    /// Mean of (this method's mass − the plain gradient's mass) over the group's rows, and the
    /// paired t-test's two-sided p (NaN for the gradient itself).
    pub vs_gradient: f64,
    pub vs_gradient_p: f64,
}

/// The mean of a − b over the rows where both are finite, and its paired t-test's two-sided p
/// (NaN with fewer than two rows or no variation).
pub fn paired_difference(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| x - y)
        .collect();
    if d.len() < 2 {
        return (if d.is_empty() { f64::NAN } else { d[0] }, f64::NAN);
    }
    let m = mean(&d);
    let sd = flow_numeric::moments::std(&d, 1);
    if sd == 0.0 {
        return (m, f64::NAN);
    }
    let t = m / (sd / (d.len() as f64).sqrt());
    (m, two_sided_p(t, (d.len() - 1) as f64))
}

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_upper_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        1.0
    } else if k > n {
        0.0
    } else {
        incomplete_beta(k as f64, (n - k + 1) as f64, p, 1.0 - p)
    }
}

/// The statistics of one group: `mass` may hold NaN (maps without positive mass, left out of the
/// mass test).
pub fn group_stats(mass: &[f64], chance: &[f64], pointing: &[bool], r: &[f64]) -> GroupStats {
    let n = chance.len();
    let diffs: Vec<f64> = mass
        .iter()
        .zip(chance)
        .filter(|(m, _)| m.is_finite())
        .map(|(m, c)| m - c)
        .collect();
    let (mass_t, mass_p) = if diffs.len() >= 2 {
        let d = mean(&diffs);
        let sd = flow_numeric::moments::std(&diffs, 1);
        let t = d / (sd / (diffs.len() as f64).sqrt());
        (t, two_sided_p(t, (diffs.len() - 1) as f64))
    } else {
        (f64::NAN, f64::NAN)
    };
    let finite: Vec<f64> = mass.iter().copied().filter(|m| m.is_finite()).collect();
    let chance_mean = mean(chance);
    let hits = pointing.iter().filter(|&&h| h).count();
    GroupStats {
        n,
        chance: chance_mean,
        mass: if finite.is_empty() {
            f64::NAN
        } else {
            mean(&finite)
        },
        mass_t,
        mass_p,
        pointing: if n == 0 {
            f64::NAN
        } else {
            hits as f64 / n as f64
        },
        pointing_p: if n == 0 {
            f64::NAN
        } else {
            binomial_upper_tail(hits, n, chance_mean)
        },
        r_object: mean(r),
        vs_gradient: f64::NAN,
        vs_gradient_p: f64::NAN,
    }
}

impl StageKind for SaliencyCheck {
    fn name(&self) -> &'static str {
        "saliency-check"
    }

    fn version(&self) -> u32 {
        // 2: each method against the plain gradient (`vs_gradient`, `vs_gradient_p`).
        2
    }

    fn summary(&self) -> &'static str {
        "Do saliency maps find a planted face part? Mask mass and pointing game against chance, per group and method"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "part_factors",
            ParamType::Str,
            ParamValue::Str(DEFAULT_PART_FACTORS.into()),
            "the factors each part kind carries: `part=factor|factor, …`",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "pairs",
                ArtifactType::Table,
                "a shared-features `pairs` table scored against masks",
            ),
            PortSpec::one(
                "parts",
                ArtifactType::Table,
                "synthetic-objects' `parts`: image_id, part, planted",
            ),
            PortSpec::one(
                "tuning",
                ArtifactType::Table,
                "synthetic-neurons' `tuning`: neuron, factor",
            ),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "summary",
            ArtifactType::Table,
            "per group and method: n, chance, mass in mask, pointing rate, tests, mean r̂",
        )]
    }

    fn check(
        &self,
        params: &flow_engine::Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SaliencyCheckParams = params.parse()?;
        parse_part_factors(&p.part_factors).map(|_| ())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SaliencyCheckParams = ctx.params().parse()?;
        let carries = parse_part_factors(&p.part_factors)?;
        let pairs = inputs.table("pairs")?;
        if pairs.column_by_name("mask_fraction").is_none() {
            return Err(StageError::input(
                "pairs",
                "has no scores (`mask_fraction`, `shared_mass`, …): connect `masks` to the shared-features node",
            ));
        }
        let parts = inputs.table("parts")?;
        let tuning = inputs.table("tuning")?;
        let n = pairs.num_rows();
        let s = |v: Vec<String>| v;
        let mut frame_columns = vec![
            PlColumn::new(
                "neuron_id".into(),
                s(text_column(pairs, "neuron_id", "pairs")?),
            ),
            PlColumn::new(
                "object_id".into(),
                s(text_column(pairs, "object_id", "pairs")?),
            ),
            PlColumn::new("r_object".into(), f64_column(pairs, "r_object", "pairs")?),
            PlColumn::new(
                "chance".into(),
                f64_column(pairs, "mask_fraction", "pairs")?,
            ),
        ];
        for m in METHODS {
            frame_columns.push(PlColumn::new(
                format!("{m}_mass").into(),
                f64_column(pairs, &format!("{m}_mass"), "pairs")?,
            ));
            frame_columns.push(PlColumn::new(
                format!("{m}_pointing").into(),
                required_bools(pairs, &format!("{m}_pointing"), "pairs")?,
            ));
        }
        let pairs_frame = DataFrame::new(n, frame_columns).map_err(polars_error)?;
        let parts_frame = DataFrame::new(
            parts.num_rows(),
            vec![
                PlColumn::new("object_id".into(), text_column(parts, "image_id", "parts")?),
                PlColumn::new("part".into(), text_column(parts, "part", "parts")?),
                PlColumn::new("planted".into(), required_bools(parts, "planted", "parts")?),
            ],
        )
        .map_err(polars_error)?;
        let tuning_frame = DataFrame::new(
            tuning.num_rows(),
            vec![
                PlColumn::new("neuron_id".into(), text_column(tuning, "neuron", "tuning")?),
                PlColumn::new("factor".into(), text_column(tuning, "factor", "tuning")?),
            ],
        )
        .map_err(polars_error)?;
        let carries_frame = DataFrame::new(
            carries.len(),
            vec![
                PlColumn::new(
                    "part".into(),
                    carries.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
                ),
                PlColumn::new(
                    "factor".into(),
                    carries.iter().map(|c| c.1.clone()).collect::<Vec<_>>(),
                ),
                PlColumn::new("carried".into(), vec![true; carries.len()]),
            ],
        )
        .map_err(polars_error)?;

        let left = || JoinArgs::new(JoinType::Left);
        let joined = pairs_frame
            .lazy()
            .join(
                parts_frame.lazy(),
                [col("object_id")],
                [col("object_id")],
                left(),
            )
            .join(
                tuning_frame.lazy(),
                [col("neuron_id")],
                [col("neuron_id")],
                left(),
            )
            .join(
                carries_frame.lazy(),
                [col("part"), col("factor")],
                [col("part"), col("factor")],
                left(),
            )
            .with_column(
                when(col("planted").not())
                    .then(lit(GROUPS[2]))
                    .when(col("carried").fill_null(lit(false)))
                    .then(lit(GROUPS[0]))
                    .otherwise(lit(GROUPS[1]))
                    .alias("group"),
            )
            .collect()
            .map_err(polars_error)?;
        // Every object and neuron must be known.
        for (column, port, what) in [
            ("planted", "parts", "object"),
            ("factor", "tuning", "neuron"),
        ] {
            let c = joined.column(column).map_err(polars_error)?;
            if c.null_count() > 0 {
                let ids = joined
                    .column(if what == "object" {
                        "object_id"
                    } else {
                        "neuron_id"
                    })
                    .map_err(polars_error)?;
                let row = (0..joined.height())
                    .find(|&i| c.get(i).map(|v| v.is_null()).unwrap_or(false))
                    .unwrap_or(0);
                return Err(StageError::input(
                    port,
                    format!(
                        "has no row for {what} `{}` of `pairs`",
                        ids.get(row)
                            .map(|v| v.to_string())
                            .unwrap_or_default()
                            .trim_matches('"')
                    ),
                ));
            }
        }
        let long = concat(
            METHODS
                .iter()
                .map(|m| {
                    joined.clone().lazy().select([
                        col("group"),
                        lit(*m).alias("method"),
                        col(format!("{m}_mass")).alias("mass"),
                        col(format!("{m}_pointing")).alias("pointing"),
                        col("chance"),
                        col("r_object"),
                    ])
                })
                .collect::<Vec<_>>(),
            UnionArgs::default(),
        )
        .map_err(polars_error)?;
        let grouped = long
            .group_by_stable([col("group"), col("method")])
            .agg([
                col("mass").cast(PlDataType::Float64),
                col("chance").cast(PlDataType::Float64),
                col("pointing").cast(PlDataType::Float64),
                col("r_object").cast(PlDataType::Float64),
            ])
            .collect()
            .map_err(polars_error)?;

        let texts = |name: &str| -> Result<Vec<String>, StageError> {
            Ok(grouped
                .column(name)
                .and_then(|c| c.str().cloned())
                .map_err(polars_error)?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect())
        };
        let floats = |name: &str| -> Result<Vec<Vec<f64>>, StageError> {
            let lists = grouped
                .column(name)
                .and_then(|c| c.list().cloned())
                .map_err(polars_error)?;
            lists
                .amortized_iter()
                .map(|l| {
                    let Some(l) = l else { return Ok(Vec::new()) };
                    Ok(l.as_ref()
                        .f64()
                        .map_err(polars_error)?
                        .iter()
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect())
                })
                .collect()
        };
        let (groups, methods) = (texts("group")?, texts("method")?);
        let (mass, chance, r) = (floats("mass")?, floats("chance")?, floats("r_object")?);
        // Hits as 1.0 / 0.0 (cast in the aggregation), read back as booleans.
        let pointing: Vec<Vec<bool>> = floats("pointing")?
            .into_iter()
            .map(|hits| hits.into_iter().map(|h| h == 1.0).collect())
            .collect();
        let mut rows: BTreeMap<(usize, usize), GroupStats> = BTreeMap::new();
        for i in 0..groups.len() {
            let g = GROUPS
                .iter()
                .position(|x| *x == groups[i])
                .unwrap_or(GROUPS.len());
            let m = METHODS
                .iter()
                .position(|x| *x == methods[i])
                .unwrap_or(METHODS.len());
            rows.insert(
                (g, m),
                group_stats(&mass[i], &chance[i], &pointing[i], &r[i]),
            );
        }
        // Each method against the plain gradient on the same rows (the lists of one group are in
        // the joined table's row order for every method).
        let gradient_of: BTreeMap<String, usize> = (0..groups.len())
            .filter(|&i| methods[i] == "gradient")
            .map(|i| (groups[i].clone(), i))
            .collect();
        for i in 0..groups.len() {
            let g = GROUPS.iter().position(|x| *x == groups[i]);
            let m = METHODS.iter().position(|x| *x == methods[i]);
            if let (Some(g), Some(m), Some(&k)) = (g, m, gradient_of.get(&groups[i]))
                && let Some(row) = rows.get_mut(&(g, m))
            {
                (row.vs_gradient, row.vs_gradient_p) = paired_difference(&mass[i], &mass[k]);
            }
        }
        let pick = |f: &dyn Fn(&GroupStats) -> f64| Column::F64(rows.values().map(f).collect());
        let summary = table(vec![
            (
                "group".into(),
                Column::Str(rows.keys().map(|k| GROUPS[k.0].to_string()).collect()),
            ),
            (
                "method".into(),
                Column::Str(rows.keys().map(|k| METHODS[k.1].to_string()).collect()),
            ),
            (
                "n".into(),
                Column::I32(rows.values().map(|s| s.n as i32).collect()),
            ),
            ("chance".into(), pick(&|s| s.chance)),
            ("mass".into(), pick(&|s| s.mass)),
            ("mass_t".into(), pick(&|s| s.mass_t)),
            ("mass_p".into(), pick(&|s| s.mass_p)),
            ("pointing".into(), pick(&|s| s.pointing)),
            ("pointing_p".into(), pick(&|s| s.pointing_p)),
            ("vs_gradient".into(), pick(&|s| s.vs_gradient)),
            ("vs_gradient_p".into(), pick(&|s| s.vs_gradient_p)),
            ("r_object".into(), pick(&|s| s.r_object)),
        ])?;
        Ok(Outputs::new().table("summary", summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paired_difference_skips_rows_missing_either_value() {
        let (m, p) = paired_difference(&[0.5, 0.7, f64::NAN, 0.4], &[0.3, 0.4, 0.1, 0.3]);
        // differences 0.2, 0.3, 0.1: mean 0.2, sd 0.1, t = 0.2 / (0.1 / √3) = 3.464, df 2.
        assert!((m - 0.2).abs() < 1e-12);
        assert!((p - two_sided_p(0.2 / (0.1 / 3f64.sqrt()), 2.0)).abs() < 1e-9);
        assert!(paired_difference(&[1.0], &[0.5]).1.is_nan());
    }

    #[test]
    fn part_factors_are_pairs() {
        assert_eq!(
            parse_part_factors("cap=a|b, eyes=c").unwrap(),
            vec![
                ("cap".to_string(), "a".to_string()),
                ("cap".to_string(), "b".to_string()),
                ("eyes".to_string(), "c".to_string())
            ]
        );
        assert!(parse_part_factors("cap").is_err());
    }

    #[test]
    fn the_binomial_tail_matches_a_hand_count() {
        // P(X ≥ 2 | n = 3, p = 0.5) = (3 + 1) / 8.
        assert!((binomial_upper_tail(2, 3, 0.5) - 0.5).abs() < 1e-12);
        // P(X ≥ 3 | n = 3, p = 0.1) = 0.001.
        assert!((binomial_upper_tail(3, 3, 0.1) - 0.001).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(0, 3, 0.1), 1.0);
    }

    #[test]
    fn group_stats_leave_maps_without_mass_out_of_the_mass_test() {
        let s = group_stats(
            &[0.5, f64::NAN, 0.7],
            &[0.1, 0.1, 0.1],
            &[true, false, true],
            &[1.0, 2.0, 3.0],
        );
        assert_eq!(s.n, 3);
        assert!((s.mass - 0.6).abs() < 1e-12);
        assert!((s.pointing - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.r_object - 2.0).abs() < 1e-12);
        // t = mean(0.4, 0.6) / (sd / √2) = 0.5 / (0.1414… / 1.414…) = 5.
        assert!((s.mass_t - 5.0).abs() < 1e-9);
    }
}
