//! `synthetic-faces`: procedurally rendered grayscale frontal faces with known generative
//! factors — the embedded default dataset of the virtual face patch.
//!
//! Implements the stand-in for the paper's dataset (Higgins et al. 2021, Online Methods,
//! "Dataset": 2,162 grayscale, centred, cropped frontal faces) described in DESIGN.md §2
//! "Data": the real images are not public, so faces are generated from continuous factors with
//! known values, and the neurons of `synthetic-neurons` respond to those factors.
//!
//! Choices the paper leaves open (each a parameter):
//! - **Factors** (`factors`): `"full"` is all 13 factors of the renderer (face width, jaw, eye
//!   distance, eye size, eyebrow thickness, nose length, smile, mouth width, hair length, hair
//!   darkness, fringe, skin shade, age marks); `"quick"` is 8 of comparable information to a
//!   decoder (face width, eye distance, eye size, eyebrow thickness, smile, hair length, hair
//!   darkness, skin shade: 12–40 nats each, `quick_world_factors_carry_comparable_information`
//!   in the world tests), of which a β-VAE gives hair length, face width, hair darkness and
//!   skin shade a latent each within 10,000 steps (`face-world-experiments.md`); or a
//!   comma-separated list of names. Factors that are off are fixed at 0.5 (the average face).
//! - **Distribution** (`distribution`): each active factor independently `"uniform"` on [0, 1]
//!   (the default; what SYNTHETIC-WORLD.md measured), or `"truncated-normal"`: N(0.5, 0.2²)
//!   redrawn until it falls in [0, 1] (most faces near average, as in natural face sets).
//! - **Size** (`size`, default 64 × 64, the paper's training size) and `supersample` (default 2:
//!   drawn on a 2× finer grid with analytic edge coverage, then box-filtered).
//! - Image ids are `face0000`, `face0001`, … (`id_prefix`).
//!
//! The look is what SYNTHETIC-WORLD.md found a β-VAE needs (white background, dark features, an
//! asymmetry so mirror flips matter); see `face_renderer`. Random numbers: ChaCha8 seeded with
//! the node's seed (`world::rng`), so the same params and seed give identical bytes on every
//! machine.
//!
//! Outputs: `images` (an image table, `crate::images`), `factors` (`image_id` + one Float64
//! column per active factor, in the renderer's order), `landmarks` (`image_id` + `x00, y00, …,
//! x79, y79` in pixels; see `face_renderer::landmarks` for the order) and `sheets` (a directory
//! with `contact-sheet.png`, the first 64 faces, and `traversals.png`, each active factor varied
//! from 0 to 1 in 7 steps with the others at 0.5).

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use rayon::prelude::*;

use crate::images::{ImageSet, grid, write_png};
use crate::world::face_renderer::{
    FACTOR_NAMES, FaceFactors, N_LANDMARKS, factor_index, landmarks, render_into,
};
use crate::world::rng::Stream;
use crate::world::tables::{Column, numbered_ids, table};

/// The quick world's factors.
pub const QUICK_FACTORS: [&str; 8] = [
    "face_width",
    "eye_distance",
    "eye_size",
    "brow_thickness",
    "smile",
    "hair_length",
    "hair_darkness",
    "skin_shade",
];

pub struct SyntheticFaces;

/// `synthetic-faces`' params. The counts are `i64` so that `check` can report values out of
/// range; `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct SyntheticFacesParams {
    images: i64,
    size: i64,
    /// `"full"`, `"quick"` or a comma-separated list of factor names (see [`active_factors`]).
    factors: String,
    /// `"uniform"` or `"truncated-normal"` (see [`draw_factors`]).
    distribution: String,
    supersample: i64,
    id_prefix: String,
    sheets: bool,
}

/// The active factors named by the `factors` parameter, in the renderer's order.
pub fn active_factors(spec: &str) -> Result<Vec<&'static str>, StageError> {
    let names: Vec<&str> = match spec.trim() {
        "full" => FACTOR_NAMES.to_vec(),
        "quick" => QUICK_FACTORS.to_vec(),
        list => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if names.is_empty() {
        return Err(StageError::param("factors", "names no factor"));
    }
    let mut idx = Vec::new();
    for n in names {
        let i = factor_index(n).ok_or_else(|| {
            let hint = flow_engine::diagnostic::did_you_mean(n, FACTOR_NAMES.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            StageError::param(
                "factors",
                format!("unknown factor `{n}`{hint} (factors: \"full\", \"quick\" or a comma-separated list of {})", FACTOR_NAMES.join(", ")),
            )
        })?;
        if idx.contains(&i) {
            return Err(StageError::param("factors", format!("names `{n}` twice")));
        }
        idx.push(i);
    }
    idx.sort_unstable();
    Ok(idx.into_iter().map(|i| FACTOR_NAMES[i]).collect())
}

/// Draws the factors of `n` faces: one row per face, one value per active factor.
pub fn draw_factors(n: usize, active: &[&str], distribution: &str, seed: u64) -> Vec<FaceFactors> {
    let mut rng = Stream::Factors.rng(seed);
    let idx: Vec<usize> = active
        .iter()
        .map(|a| factor_index(a).expect("checked"))
        .collect();
    (0..n)
        .map(|_| {
            let mut f = FaceFactors::default();
            for &k in &idx {
                f.0[k] = match distribution {
                    "truncated-normal" => loop {
                        let v = 0.5 + 0.2 * rng.normal();
                        if (0.0..=1.0).contains(&v) {
                            break v as f32;
                        }
                    },
                    _ => rng.uniform() as f32,
                };
            }
            f
        })
        .collect()
}

/// Renders faces in parallel (rayon, confined by the engine to the node's threads).
pub fn render_all(faces: &[FaceFactors], size: usize, supersample: usize) -> Vec<f32> {
    let mut pixels = vec![0.0f32; faces.len() * size * size];
    pixels
        .par_chunks_mut(size * size)
        .zip(faces.par_iter())
        .for_each(|(out, f)| render_into(f, size, supersample, out));
    pixels
}

/// The traversal sheet: one row per active factor, 7 steps from 0 to 1, others at 0.5.
pub fn traversal_sheet(
    active: &[&str],
    size: usize,
    supersample: usize,
) -> (usize, usize, Vec<f32>) {
    let steps = 7;
    let faces: Vec<FaceFactors> = active
        .iter()
        .flat_map(|name| {
            (0..steps)
                .map(move |i| FaceFactors::default().with(name, i as f32 / (steps - 1) as f32))
        })
        .collect();
    let pixels = render_all(&faces, size, supersample);
    let tiles: Vec<&[f32]> = pixels.chunks(size * size).collect();
    grid(&tiles, size, size, steps, 2, 0.5)
}

impl StageKind for SyntheticFaces {
    fn name(&self) -> &'static str {
        "synthetic-faces"
    }

    fn version(&self) -> u32 {
        // 2: the broad ink line along the hairline and fringe (`face_renderer`, issue 6).
        // 3: wider skin and hair shade ranges, a broad ink line round the face; the quick world
        //    has eye distance in place of the fringe (issue 6, world v3).
        // 4: `distribution = "truncated-normal"` draws its normals by flow's one convention
        //    (Box–Muller pairs, flow-numeric); the uniform default's faces are byte-identical to
        //    version 3 (world v3).
        4
    }

    fn summary(&self) -> &'static str {
        "Render grayscale faces from random generative factors (images, factors, 80 landmarks, contact sheets)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "images",
                ParamType::Int,
                ParamValue::Int(2162),
                "how many faces (the paper: 2,162)",
            ),
            ParamSpec::with_default(
                "size",
                ParamType::Int,
                ParamValue::Int(64),
                "image height and width in pixels",
            ),
            ParamSpec::with_default(
                "factors",
                ParamType::Str,
                ParamValue::Str("full".into()),
                "\"full\" (13 factors), \"quick\" (8 of comparable information to a decoder) or a comma-separated list of factor names",
            ),
            ParamSpec::with_default(
                "distribution",
                ParamType::Choice(&["uniform", "truncated-normal"]),
                ParamValue::Str("uniform".into()),
                "each active factor: uniform on [0, 1], or N(0.5, 0.2²) truncated to [0, 1]",
            ),
            ParamSpec::with_default(
                "supersample",
                ParamType::Int,
                ParamValue::Int(2),
                "draw on a grid this many times finer, then average",
            ),
            ParamSpec::with_default(
                "id_prefix",
                ParamType::Str,
                ParamValue::Str("face".into()),
                "image ids are PREFIX0000, PREFIX0001, …",
            ),
            ParamSpec::with_default(
                "sheets",
                ParamType::Bool,
                ParamValue::Bool(true),
                "write contact-sheet.png and traversals.png to `sheets`",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "image table: image_id, height, width, pixels (1 = white)",
            ),
            PortSpec::one(
                "factors",
                ArtifactType::Table,
                "image_id + one Float64 column per active factor, in [0, 1]",
            ),
            PortSpec::one(
                "landmarks",
                ArtifactType::Table,
                "image_id + x00, y00, …, x79, y79 in pixels",
            ),
            PortSpec::one(
                "sheets",
                ArtifactType::Files,
                "contact-sheet.png (first 64 faces) and traversals.png",
            ),
        ]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core().min(8)
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: SyntheticFacesParams = params.parse()?;
        if p.images < 1 {
            return Err(StageError::param("images", "must be ≥ 1"));
        }
        crate::world::check_canvas(p.size, p.supersample)?;
        active_factors(&p.factors)?;
        Ok(())
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SyntheticFacesParams = ctx.params().parse()?;
        let n = p.images as usize;
        let size = p.size as usize;
        let ss = p.supersample as usize;
        let active = active_factors(&p.factors)?;
        let faces = draw_factors(n, &active, &p.distribution, ctx.seed());
        let ids = numbered_ids(&p.id_prefix, n);

        // Render in chunks so that progress and cancellation are seen.
        let chunk = 256;
        let mut pixels = Vec::with_capacity(n * size * size);
        for (c, part) in faces.chunks(chunk).enumerate() {
            ctx.check_cancelled()?;
            pixels.extend(render_all(part, size, ss));
            ctx.progress(((c + 1) * chunk).min(n) as u64, n as u64, "faces");
        }
        let images = ImageSet::new(ids.clone(), size, size, pixels);

        let mut factor_cols = vec![("image_id".to_string(), Column::Str(ids.clone()))];
        for name in &active {
            let k = factor_index(name).expect("checked");
            factor_cols.push((
                name.to_string(),
                Column::F64(faces.iter().map(|f| f.0[k] as f64).collect()),
            ));
        }

        let marks: Vec<Vec<(f32, f32)>> = faces.iter().map(|f| landmarks(f, size)).collect();
        let mut landmark_cols = vec![("image_id".to_string(), Column::Str(ids))];
        for l in 0..N_LANDMARKS {
            landmark_cols.push((
                format!("x{l:02}"),
                Column::F64(marks.iter().map(|m| m[l].0 as f64).collect()),
            ));
            landmark_cols.push((
                format!("y{l:02}"),
                Column::F64(marks.iter().map(|m| m[l].1 as f64).collect()),
            ));
        }

        let dir = ctx.output_dir("sheets")?;
        if p.sheets {
            let sheet = |name: &str, (h, w, px): (usize, usize, Vec<f32>)| {
                write_png(&dir.join(name), &px, h, w).map_err(StageError::failed)
            };
            let tiles: Vec<&[f32]> = (0..n.min(64)).map(|i| images.image(i)).collect();
            sheet("contact-sheet.png", grid(&tiles, size, size, 8, 2, 0.5))?;
            sheet("traversals.png", traversal_sheet(&active, size, ss))?;
        }

        Ok(Outputs::new()
            .table("images", images.to_table()?)
            .table("factors", table(factor_cols)?)
            .table("landmarks", table(landmark_cols)?))
    }
}
