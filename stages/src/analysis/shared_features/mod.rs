//! `shared-features`: why an out-of-category image drives a category-selective neuron, shown as
//! the features it shares with the in-category image most like it for that neuron ("parallel
//! backpropagation").
//!
//! Paper: Lappe et al. 2024 (NeurIPS, arXiv 2405.09827), abstract and method overview; exact
//! semantics as flow implements them: docs/METHODS.md §10. Each neuron j is modelled as a linear
//! readout of a trained network's latent units, r̂_j(x) = μ_j + σ_j · (b_j + Σ_d c_d(x)) with the
//! contribution vector c_d(x) = w_dj · (z_d(x) − m_d) / s_d, the standardised coefficients and
//! standardisation of a `lasso-ve` result ([`readout`]). For each selected neuron:
//!
//! 1. the out-of-category images (`objects`) are ranked by r̂_j and the top `objects` kept;
//! 2. for each, the reference is the in-category image (`faces`) whose contribution vector is
//!    most similar to the object's ([`reference`]);
//! 3. per-dimension weights α_d from both contribution vectors ([`weights`]): by default
//!    α_d = c_d(object) · c_d(reference), so a dimension active in both images with a large
//!    readout weight is enhanced and one active in only one image attenuated;
//! 4. each image's map is the attribution of S(x) = Σ_d α_d z̃_d(x) (z̃ the standardised latent
//!    means) to its pixels through burn's autodiff ([`maps`]), plain gradient by default;
//! 5. baselines on the same objects, for the check of docs/METHODS.md §10.6: the plain
//!    attribution of the neuron's prediction r̂_j (no pairing), and a random map (uniform noise
//!    from the node's seed);
//! 6. with the optional `masks` input (ground-truth masks of the objects, `synthetic-objects`'
//!    `masks`), every map of an object is scored: the fraction of its positive mass inside the
//!    mask and whether its maximum is inside (the pointing game), beside the mask's area
//!    fraction (chance for both).
//!
//! Choices the paper leaves open, each a param (defaults first): `neurons` (`"best:10"`, the ten
//! of highest test VE, or a comma-separated list of neuron indices, the columns of the Lasso's
//! `coef`); `top` objects per neuron (5); `similarity` (`cosine` | `dot` | `negative-distance`);
//! `weighting` (`product` | `min` | `readout`, the last an ablation without pairing);
//! `negative` (`keep` | `zero`: α_d < 0, dimensions the images disagree on); `sharpness` γ
//! (α ← sign α · |α|^γ, 1); `attribution` (`gradient` | `integrated-gradients`, with `ig_steps` =
//! 32 midpoints from the uniform baseline image `ig_baseline` = 1, white: the background); `map`
//! (`absolute` | `positive` | `signed`: how a signed attribution becomes a map); `shared` (3:
//! how many of the most shared dimensions the table names); `scale` (3: sheet pixels per image
//! pixel) and `sheet_rank` (3: the sheet shows each neuron's objects up to this rank). Neurons and objects are ranked with ties broken by index; the reference is the first
//! of equally similar faces; an object whose similarity is undefined for every face (a zero
//! contribution vector under cosine) is reported without a reference, its α and shared maps zero.
//!
//! Refused before any work, naming the port or param: a classifier's weights (its N-unit layer is
//! not a latent code; `weights`), a Lasso result whose unit count differs from the model's latents
//! or without the standardisation (`lasso`), a neuron index out of range (`neurons`), images of
//! another size than the model's or outside [0, 1] (`faces`, `objects`), masks missing an
//! object or of another size (`masks`).
//!
//! Outputs: `pairs` (one row per neuron and top object: `neuron`, `neuron_id`, `rank`,
//! `object_id`, `reference_id`, `r_object`, `r_reference`, `similarity`, `ve`, `shared_dims`,
//! the four map ids, and with `masks` the `mask_fraction` and each method's `*_mass` and
//! `*_pointing`); `maps` (an image table, ids `n003-object0012-shared`, `…-reference`,
//! `…-gradient`, `…-random`, values by `map`: v / max v, or 0.5 + 0.5 v / max |v| for signed);
//! `sheet` (sheet.png: object | map | reference | map | gradient map, one row per pair).

pub mod maps;
pub mod readout;
pub mod reference;
pub mod sheet;
pub mod weights;

use burn::tensor::Device;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_models::ModelKind;
use flow_numeric::rng::Rng;

use crate::images::ImageSet;
use crate::table::{Column, table};
use crate::training::model_files::{self, Plain};
use maps::{Attribution, MapValue, MaskScore, attribute, score};
use readout::Readout;
use reference::{Similarity, choose_reference};
use weights::{Shaping, WeightRule, shared_weights, top_shared};

pub struct SharedFeatures;

#[derive(Debug, Clone, serde::Deserialize)]
struct SharedFeaturesParams {
    neurons: String,
    top: i64,
    similarity: String,
    weighting: String,
    negative: String,
    sharpness: f64,
    attribution: String,
    ig_steps: i64,
    ig_baseline: f64,
    map: String,
    shared: i64,
    scale: i64,
    sheet_rank: i64,
}

/// Which neurons (param `neurons`).
#[derive(Clone, Debug, PartialEq)]
enum NeuronChoice {
    Best(usize),
    List(Vec<usize>),
}

fn parse_neurons(spec: &str) -> Result<NeuronChoice, StageError> {
    let bad = |m: String| StageError::param("neurons", m);
    let spec = spec.trim();
    if let Some(k) = spec.strip_prefix("best:") {
        let k: usize = k.trim().parse().map_err(|_| {
            bad(format!(
                "`{spec}`: expected `best:K` with K a positive integer"
            ))
        })?;
        if k == 0 {
            return Err(bad("`best:0` selects no neuron".into()));
        }
        return Ok(NeuronChoice::Best(k));
    }
    let list: Vec<usize> = spec
        .split(',')
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| {
                bad(format!(
                    "`{}` is not a neuron index (expected `best:K` or a comma-separated list of indices such as \"0, 7, 12\")",
                    s.trim()
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if list.is_empty() {
        return Err(bad("names no neuron".into()));
    }
    Ok(NeuronChoice::List(list))
}

impl SharedFeaturesParams {
    fn attribution(&self) -> Attribution {
        match self.attribution.as_str() {
            "integrated-gradients" => Attribution::Integrated {
                steps: self.ig_steps.max(1) as usize,
                baseline: self.ig_baseline as f32,
            },
            _ => Attribution::Gradient,
        }
    }

    fn shaping(&self) -> Shaping {
        Shaping {
            zero_negative: self.negative == "zero",
            sharpness: self.sharpness,
        }
    }
}

/// One (neuron, object) row before its maps.
struct Pair {
    neuron: usize,
    rank: usize,
    object: usize,
    r_object: f64,
    reference: Option<(usize, f64)>,
    alpha: Vec<f64>,
}

/// The map roles, in the order of the table's map columns.
const ROLES: [&str; 4] = ["shared", "reference", "gradient", "random"];

impl StageKind for SharedFeatures {
    fn name(&self) -> &'static str {
        "shared-features"
    }

    fn version(&self) -> u32 {
        // 2: the sheet's heat overlay is as opaque as the map's value (it was its square root).
        // 3: the sheet's PNG is compressed with the fast setting (other bytes, same pixels).
        3
    }

    fn summary(&self) -> &'static str {
        "Shared-feature maps: why objects drive face neurons, by parallel backpropagation with a reference face (Lappe et al. 2024)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        let s = |v: &str| ParamValue::Str(v.into());
        vec![
            ParamSpec::with_default(
                "neurons",
                ParamType::Str,
                s("best:10"),
                "\"best:K\" (the K neurons of highest test VE) or a comma-separated list of neuron indices",
            ),
            ParamSpec::with_default(
                "top",
                ParamType::Int,
                ParamValue::Int(5),
                "top-driving objects per neuron",
            ),
            ParamSpec::with_default(
                "similarity",
                ParamType::Choice(&Similarity::NAMES),
                s("cosine"),
                "how contribution vectors are compared when choosing the reference face",
            ),
            ParamSpec::with_default(
                "weighting",
                ParamType::Choice(&WeightRule::NAMES),
                s("product"),
                "α_d: c_d(object)·c_d(reference), the common part (min), or the readout weight (no pairing)",
            ),
            ParamSpec::with_default(
                "negative",
                ParamType::Choice(&["keep", "zero"]),
                s("keep"),
                "α_d < 0 (dimensions the two images disagree on): keep or set to 0",
            ),
            ParamSpec::with_default(
                "sharpness",
                ParamType::Float,
                ParamValue::Float(1.0),
                "α ← sign(α)·|α|^sharpness",
            ),
            ParamSpec::with_default(
                "attribution",
                ParamType::Choice(&["gradient", "integrated-gradients"]),
                s("gradient"),
                "plain gradient, or integrated gradients from the baseline image",
            ),
            ParamSpec::with_default(
                "ig_steps",
                ParamType::Int,
                ParamValue::Int(32),
                "integrated gradients: midpoints on the path",
            ),
            ParamSpec::with_default(
                "ig_baseline",
                ParamType::Float,
                ParamValue::Float(1.0),
                "integrated gradients: the uniform baseline image's value (1 = white background)",
            ),
            ParamSpec::with_default(
                "map",
                ParamType::Choice(&MapValue::NAMES),
                s("absolute"),
                "a signed attribution as a map: |a|, max(a, 0) or a",
            ),
            ParamSpec::with_default(
                "shared",
                ParamType::Int,
                ParamValue::Int(3),
                "how many of the most shared latent dimensions the table names",
            ),
            ParamSpec::with_default(
                "scale",
                ParamType::Int,
                ParamValue::Int(3),
                "sheet pixels per image pixel",
            ),
            ParamSpec::with_default(
                "sheet_rank",
                ParamType::Int,
                ParamValue::Int(3),
                "the sheet shows each neuron's objects of rank ≤ this (0: every pair)",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "weights",
                ArtifactType::Files,
                "a trained model whose encoder gives latent units (train.weights; not a classifier)",
            ),
            PortSpec::one(
                "lasso",
                ArtifactType::Json,
                "a lasso-ve result of this model's latents: the neurons' readouts",
            ),
            PortSpec::one(
                "faces",
                ArtifactType::Table,
                "in-category images (an image table): the candidate references",
            ),
            PortSpec::one(
                "objects",
                ArtifactType::Table,
                "out-of-category images (an image table)",
            ),
            PortSpec::one(
                "masks",
                ArtifactType::Table,
                "ground-truth masks of the objects (image table, same ids): score the maps",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "pairs",
                ArtifactType::Table,
                "one row per neuron and top object: reference face, r̂ of both, shared dimensions, map ids, scores",
            ),
            PortSpec::one(
                "maps",
                ArtifactType::Table,
                "the maps as an image table (shared, reference, gradient, random per pair)",
            ),
            PortSpec::one(
                "sheet",
                ArtifactType::Files,
                "sheet.png: object | map | reference | map | gradient map",
            ),
        ]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core()
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SharedFeaturesParams = params.parse()?;
        parse_neurons(&p.neurons)?;
        if p.top < 1 {
            return Err(StageError::param("top", "must be ≥ 1"));
        }
        if p.sheet_rank < 0 {
            return Err(StageError::param("sheet_rank", "must be ≥ 0"));
        }
        if !(p.sharpness > 0.0 && p.sharpness.is_finite()) {
            return Err(StageError::param("sharpness", "must be positive"));
        }
        if !(1..=1024).contains(&p.ig_steps) {
            return Err(StageError::param("ig_steps", "must be in 1..=1024"));
        }
        if !(0.0..=1.0).contains(&p.ig_baseline) {
            return Err(StageError::param("ig_baseline", "must be in [0, 1]"));
        }
        if p.shared < 0 {
            return Err(StageError::param("shared", "must be ≥ 0"));
        }
        if !(1..=16).contains(&p.scale) {
            return Err(StageError::param("scale", "must be in 1..=16"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SharedFeaturesParams = ctx.params().parse()?;
        let plain = Device::flex();

        // Every check before any work.
        let (network, spec) = model_files::load(inputs.files("weights")?, "weights", &plain)?;
        if matches!(spec.kind, ModelKind::Classifier) {
            return Err(StageError::input(
                "weights",
                "is a classifier's: its N-unit layer is not a latent code; shared-feature maps need a beta-vae, vae or ae",
            ));
        }
        let readout = Readout::from_lasso(inputs.json("lasso")?, "lasso")?;
        if readout.units() != spec.latents {
            return Err(StageError::input(
                "lasso",
                format!(
                    "has {} units (rows of `coef`) but the model on `weights` has {} latents: the Lasso must read this model's latents",
                    readout.units(),
                    spec.latents
                ),
            ));
        }
        let neurons = select_neurons(&parse_neurons(&p.neurons)?, &readout)?;
        let read = |port: &str| -> Result<ImageSet, StageError> {
            let set = ImageSet::from_table(inputs.table(port)?, port)?;
            model_files::check_size(&set, &spec, port)?;
            if set.is_empty() {
                return Err(StageError::input(port, "has no images"));
            }
            model_files::check_pixels(&set, port)?;
            Ok(set)
        };
        let faces = read("faces")?;
        let objects = read("objects")?;
        let masks = if inputs.is_connected("masks") {
            Some(read_masks(inputs, &objects)?)
        } else {
            None
        };
        let area = spec.height * spec.width;
        let l = spec.latents;

        // Latent means of every image; contributions and predictions.
        ctx.progress(0, 3, "encoding");
        let z_faces = flow_models::encode(&network, &spec, &Plain(&faces), &plain);
        let z_objects = flow_models::encode(&network, &spec, &Plain(&objects), &plain);
        ctx.check_cancelled()?;
        let (rule, shaping, similarity) = (
            WeightRule::from_name(&p.weighting).expect("a checked choice"),
            p.shaping(),
            Similarity::from_name(&p.similarity).expect("a checked choice"),
        );
        let top = (p.top as usize).min(objects.len());
        let mut pairs = Vec::new();
        for &j in &neurons {
            let r: Vec<f64> = z_objects.chunks(l).map(|z| readout.predict(j, z)).collect();
            let mut order: Vec<usize> = (0..objects.len()).collect();
            order.sort_by(|&a, &b| r[b].total_cmp(&r[a]).then(a.cmp(&b)));
            let face_c: Vec<Vec<f64>> = z_faces
                .chunks(l)
                .map(|z| readout.contributions(j, z))
                .collect();
            let w: Vec<f64> = (0..l).map(|d| readout.coef(d, j)).collect();
            for (rank, &o) in order[..top].iter().enumerate() {
                let c = readout.contributions(j, &z_objects[o * l..(o + 1) * l]);
                let reference = choose_reference(&c, &face_c, similarity);
                let alpha = match reference {
                    Some((f, _)) => shared_weights(&c, &face_c[f], &w, rule, shaping),
                    None => vec![0.0; l],
                };
                pairs.push(Pair {
                    neuron: j,
                    rank: rank + 1,
                    object: o,
                    r_object: r[o],
                    reference,
                    alpha,
                });
            }
        }

        // The attribution jobs: per pair the object and the reference under α, and the object
        // under the prediction's own weights; weights on the raw latent means (α_d / s_d).
        let mut job_images = Vec::with_capacity(pairs.len() * 3 * area);
        let mut job_weights = Vec::with_capacity(pairs.len() * 3 * l);
        for pair in &pairs {
            let raw: Vec<f32> = (0..l)
                .map(|d| (pair.alpha[d] * readout.inverse_std(d)) as f32)
                .collect();
            let predict: Vec<f32> = (0..l)
                .map(|d| readout.raw_weight(d, pair.neuron) as f32)
                .collect();
            let reference = pair.reference.map_or(pair.object, |r| r.0);
            job_images.extend_from_slice(objects.image(pair.object));
            job_weights.extend_from_slice(&raw);
            job_images.extend_from_slice(if pair.reference.is_some() {
                faces.image(reference)
            } else {
                objects.image(pair.object)
            });
            job_weights.extend_from_slice(&raw);
            job_images.extend_from_slice(objects.image(pair.object));
            job_weights.extend_from_slice(&predict);
        }
        ctx.progress(1, 3, "maps");
        let (autodiff_network, _) = model_files::load(
            inputs.files("weights")?,
            "weights",
            &plain.clone().autodiff(),
        )?;
        let attributions = attribute(
            &autodiff_network,
            &spec,
            &plain.clone().autodiff(),
            &job_images,
            &job_weights,
            p.attribution(),
            &|done, total| ctx.progress(done as u64, total as u64, "maps (images)"),
        );
        ctx.check_cancelled()?;
        let value = MapValue::from_name(&p.map).expect("a checked choice");
        let mut random = Rng::with_stream(ctx.seed(), 0x5a11_e4c3);
        // Per pair: shared, reference, gradient, random maps (values before normalising).
        let maps: Vec<[Vec<f32>; 4]> = pairs
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let job = |k: usize| -> Vec<f32> {
                    attributions[(3 * i + k) * area..(3 * i + k + 1) * area]
                        .iter()
                        .map(|&a| value.apply(a))
                        .collect()
                };
                let noise: Vec<f32> = (0..area).map(|_| random.uniform() as f32).collect();
                [job(0), job(1), job(2), noise]
            })
            .collect();

        // Tables.
        ctx.progress(2, 3, "tables");
        let neuron_id = |j: usize| format!("n{j:03}");
        let map_id = |pair: &Pair, role: &str| {
            format!(
                "{}-{}-{role}",
                neuron_id(pair.neuron),
                objects.ids[pair.object]
            )
        };
        let mut map_ids = Vec::new();
        let mut map_pixels = Vec::new();
        for (pair, m) in pairs.iter().zip(&maps) {
            for (role, values) in ROLES.iter().zip(m) {
                map_ids.push(map_id(pair, role));
                let v = if *role == "random" {
                    values.clone()
                } else {
                    value.to_pixels(values)
                };
                map_pixels.extend(v);
            }
        }
        let maps_table = ImageSet::new(map_ids, spec.height, spec.width, map_pixels).to_table()?;

        let col_str = |f: &dyn Fn(&Pair) -> String| Column::Str(pairs.iter().map(f).collect());
        let col_f64 = |f: &dyn Fn(&Pair) -> f64| Column::F64(pairs.iter().map(f).collect());
        let mut columns = vec![
            (
                "neuron".to_string(),
                Column::I32(pairs.iter().map(|q| q.neuron as i32).collect()),
            ),
            ("neuron_id".into(), col_str(&|q| neuron_id(q.neuron))),
            (
                "rank".into(),
                Column::I32(pairs.iter().map(|q| q.rank as i32).collect()),
            ),
            (
                "object_id".into(),
                col_str(&|q| objects.ids[q.object].clone()),
            ),
            (
                "reference_id".into(),
                col_str(&|q| {
                    q.reference
                        .map_or(String::new(), |r| faces.ids[r.0].clone())
                }),
            ),
            ("r_object".into(), col_f64(&|q| q.r_object)),
            (
                "r_reference".into(),
                col_f64(&|q| {
                    q.reference.map_or(f64::NAN, |r| {
                        readout.predict(q.neuron, &z_faces[r.0 * l..(r.0 + 1) * l])
                    })
                }),
            ),
            (
                "similarity".into(),
                col_f64(&|q| q.reference.map_or(f64::NAN, |r| r.1)),
            ),
            ("ve".into(), col_f64(&|q| readout.ve[q.neuron])),
            (
                "shared_dims".into(),
                col_str(&|q| {
                    top_shared(&q.alpha, p.shared as usize)
                        .iter()
                        .map(|d| format!("z{d:02}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                }),
            ),
        ];
        for role in ROLES {
            columns.push((format!("{role}_map"), col_str(&|q| map_id(q, role))));
        }
        if let Some(masks) = &masks {
            let inside: Vec<Vec<bool>> = pairs
                .iter()
                .map(|q| masks.image(q.object).iter().map(|&v| v >= 0.5).collect())
                .collect();
            columns.push((
                "mask_fraction".into(),
                Column::F64(
                    inside
                        .iter()
                        .map(|m| m.iter().filter(|&&b| b).count() as f64 / area as f64)
                        .collect(),
                ),
            ));
            for (k, role) in ROLES.iter().enumerate() {
                if *role == "reference" {
                    continue;
                }
                let scores: Vec<MaskScore> = maps
                    .iter()
                    .zip(&inside)
                    .map(|(m, mask)| score(&m[k], mask))
                    .collect();
                columns.push((
                    format!("{role}_mass"),
                    Column::F64(scores.iter().map(|s| s.mass_in_mask).collect()),
                ));
                columns.push((
                    format!("{role}_pointing"),
                    Column::Bool(scores.iter().map(|s| s.pointing).collect()),
                ));
            }
        }
        let pairs_table = table(columns)?;

        // The sheet.
        let normalised: Vec<[Vec<f32>; 3]> = maps
            .iter()
            .map(|m| {
                [
                    value.to_pixels(&m[0]),
                    value.to_pixels(&m[1]),
                    value.to_pixels(&m[2]),
                ]
            })
            .collect();
        let rows: Vec<Vec<sheet::Tile<'_>>> = pairs
            .iter()
            .zip(&normalised)
            .filter(|(q, _)| p.sheet_rank == 0 || q.rank <= p.sheet_rank as usize)
            .map(|(q, m)| {
                let object = objects.image(q.object);
                let mut row = vec![(object, None), (object, Some(m[0].as_slice()))];
                if let Some((f, _)) = q.reference {
                    row.push((faces.image(f), None));
                    row.push((faces.image(f), Some(m[1].as_slice())));
                } else {
                    row.push((object, None));
                    row.push((object, None));
                }
                row.push((object, Some(m[2].as_slice())));
                row
            })
            .collect();
        let dir = ctx.output_dir("sheet")?;
        sheet::write_sheet(
            &dir.join("sheet.png"),
            &rows,
            spec.height,
            spec.width,
            p.scale as usize,
        )
        .map_err(StageError::failed)?;
        ctx.progress(3, 3, "done");
        Ok(Outputs::new()
            .table("pairs", pairs_table)
            .table("maps", maps_table))
    }
}

/// The neurons `choice` names, checked against the readout.
fn select_neurons(choice: &NeuronChoice, readout: &Readout) -> Result<Vec<usize>, StageError> {
    let q = readout.neurons();
    match choice {
        NeuronChoice::Best(k) => {
            let mut order: Vec<usize> = (0..q).filter(|&j| readout.ve[j].is_finite()).collect();
            order.sort_by(|&a, &b| readout.ve[b].total_cmp(&readout.ve[a]).then(a.cmp(&b)));
            if order.len() < *k {
                return Err(StageError::param(
                    "neurons",
                    format!(
                        "`best:{k}` asks for {k} neurons, but the `lasso` result has {} with a variance explained",
                        order.len()
                    ),
                ));
            }
            order.truncate(*k);
            Ok(order)
        }
        NeuronChoice::List(list) => {
            for &j in list {
                if j >= q {
                    return Err(StageError::param(
                        "neurons",
                        format!(
                            "neuron {j} is out of range: the `lasso` result has {q} neurons (0 to {})",
                            q.saturating_sub(1)
                        ),
                    ));
                }
            }
            Ok(list.clone())
        }
    }
}

/// The masks, one per object in the objects' order (looked up by id), as an image set.
fn read_masks(inputs: &Inputs, objects: &ImageSet) -> Result<ImageSet, StageError> {
    let masks = ImageSet::from_table(inputs.table("masks")?, "masks")?;
    if (masks.height, masks.width) != (objects.height, objects.width) {
        return Err(StageError::input(
            "masks",
            format!(
                "masks are {} × {}, the objects {} × {}",
                masks.height, masks.width, objects.height, objects.width
            ),
        ));
    }
    let index: std::collections::HashMap<&str, usize> = masks
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let rows: Vec<usize> = objects
        .ids
        .iter()
        .map(|id| {
            index.get(id.as_str()).copied().ok_or_else(|| {
                StageError::input(
                    "masks",
                    format!("has no mask for object `{id}` (masks and objects join on image_id)"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(masks.subset(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neurons_are_best_k_or_a_list() {
        assert_eq!(parse_neurons("best:10").unwrap(), NeuronChoice::Best(10));
        assert_eq!(
            parse_neurons(" 3, 17 ,42").unwrap(),
            NeuronChoice::List(vec![3, 17, 42])
        );
        assert!(parse_neurons("best:0").is_err());
        assert!(parse_neurons("three").is_err());
    }

    #[test]
    fn best_neurons_are_those_of_highest_ve_ties_by_index() {
        let mut r = Readout::new(vec![vec![1.0; 4]], vec![0.0; 4], vec![0.0], vec![1.0]);
        r.ve = vec![0.2, 0.9, f64::NAN, 0.9];
        assert_eq!(
            select_neurons(&NeuronChoice::Best(2), &r).unwrap(),
            vec![1, 3]
        );
        assert!(select_neurons(&NeuronChoice::Best(4), &r).is_err());
        let e = select_neurons(&NeuronChoice::List(vec![4]), &r).unwrap_err();
        assert!(e.to_string().contains("neuron 4 is out of range"), "{e}");
    }
}
