//! `synthetic-objects`: simple objects that are not faces (cups, boxes, lamps, leaves), some of
//! them carrying one planted face part (a hair-like cap, a pair of eyes or a mouth) with its
//! pixel mask — the ground truth for asking whether a model's saliency falls on face parts
//! outside faces (issue 21; docs/METHODS.md §10.1, the stand-in for the objects of Lappe et al.
//! 2024, whose images are not public).
//!
//! The objects are drawn on the faces' white background, at their size, with the face
//! renderer's primitives and look (`face_renderer::objects`), so that what tells them apart from
//! the faces is what they are, not how they are rendered. The planted parts are drawn as the
//! faces draw them.
//!
//! Choices (each a parameter):
//! - **Objects** (`kinds`, default `"cup,box,lamp,leaf"`): a comma-separated list; each object's
//!   kind is uniform over it, its place, size, shade and shape uniform over the ranges of
//!   `face_renderer::objects`.
//! - **Parts** (`parts`, default `"cap,eyes,mouth"`): a comma-separated list; *every* object
//!   draws a part kind (uniform over the list), its size, and a centre uniform over the places
//!   where the whole part stays inside the image; on objects that are not planted this part is
//!   a *placebo*: placed, in the `parts` table and with its mask, but not painted.
//! - **How many are planted** (`part_fraction`, default 0.5): exactly round(fraction × images)
//!   objects, the first ones of a random permutation of the objects. The permutation is drawn
//!   after every object's part, so that the fraction changes which objects are planted and
//!   nothing else, and a larger fraction plants a superset of a smaller one's objects.
//! - **Masks**: the part drawn alone (each of its shapes, outlines included, in black on white,
//!   supersampled and box-filtered as the images), a pixel in the mask where that coverage is
//!   ≥ 0.5.
//! - **Size** (`size`, default 64 × 64) and `supersample` (default 2), as `synthetic-faces`.
//! - Image ids are `object0000`, `object0001`, … (`id_prefix`).
//!
//! Random numbers: the objects from the stream `ObjectShapes`, the parts and the planted set
//! from `ObjectParts` (`world::rng`), both seeded with the node's seed, so the same params and
//! seed give identical bytes on every machine, and the first k objects are the same whatever
//! `images` is (which of them are planted is not).
//!
//! Outputs: `images` (an image table, `crate::images`), `parts` (`image_id`, `object` (kind),
//! `part` (kind), `planted` (bool), `x`, `y` (the part's centre in pixels: x right, y down, the
//! image's top-left corner at (0, 0)), `mask_pixels` (Int64) and `mask_fraction` (mask pixels /
//! image area)), `masks` (an image table with the same ids in the same order: 1.0 in the part's
//! mask, 0.0 outside; a placebo's mask for objects without a part) and `sheets` (a directory with
//! `contact-sheet.png`, the first 64 objects, and `masks.png`, their masks).

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use rayon::prelude::*;

use crate::images::{ImageSet, grid, write_png};
use crate::world::face_renderer::{
    OBJECT_KINDS, ObjectKind, ObjectSpec, PART_KINDS, PartKind, PartSpec, part_mask_into,
    render_object_into,
};
use crate::world::rng::Stream;
use crate::world::tables::numbered_ids;

pub struct SyntheticObjects;

/// `synthetic-objects`' params. The counts are `i64` so that `check` can report values out of
/// range; `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct SyntheticObjectsParams {
    images: i64,
    size: i64,
    supersample: i64,
    part_fraction: f64,
    parts: String,
    kinds: String,
    id_prefix: String,
    sheets: bool,
}

/// One drawn object: what it is, the part it carries (or its placebo), and whether that part
/// is painted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrawnObject {
    pub object: ObjectSpec,
    pub part: PartSpec,
    pub planted: bool,
}

/// The names of a comma-separated list `spec` of param `param`, each one of `known`, no name
/// twice, at least one.
fn named_list<'a>(spec: &str, param: &str, known: &[&'a str]) -> Result<Vec<&'a str>, StageError> {
    let mut out: Vec<&'a str> = Vec::new();
    for n in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(&k) = known.iter().find(|&&k| k == n) else {
            let hint = flow_engine::diagnostic::did_you_mean(n, known.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(StageError::param(
                param,
                format!(
                    "unknown name `{n}`{hint} (a comma-separated list of {})",
                    known.join(", ")
                ),
            ));
        };
        if out.contains(&k) {
            return Err(StageError::param(param, format!("names `{n}` twice")));
        }
        out.push(k);
    }
    if out.is_empty() {
        return Err(StageError::param(
            param,
            format!(
                "names nothing (a comma-separated list of {})",
                known.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// The object kinds named by the `kinds` parameter, in its order.
pub fn object_kinds(spec: &str) -> Result<Vec<ObjectKind>, StageError> {
    Ok(named_list(spec, "kinds", &OBJECT_KINDS)?
        .into_iter()
        .map(|n| ObjectKind::from_name(n).expect("known"))
        .collect())
}

/// The part kinds named by the `parts` parameter, in its order.
pub fn part_kinds(spec: &str) -> Result<Vec<PartKind>, StageError> {
    Ok(named_list(spec, "parts", &PART_KINDS)?
        .into_iter()
        .map(|n| PartKind::from_name(n).expect("known"))
        .collect())
}

/// How many of `n` objects carry a part: round(fraction × n).
pub fn planted_count(n: usize, part_fraction: f64) -> usize {
    ((part_fraction.clamp(0.0, 1.0) * n as f64).round() as usize).min(n)
}

/// Draws `n` objects with their parts for `seed` (see the module doc for the streams and the
/// order of the draws).
pub fn draw_objects(
    n: usize,
    kinds: &[ObjectKind],
    parts: &[PartKind],
    part_fraction: f64,
    seed: u64,
) -> Vec<DrawnObject> {
    let mut shapes = Stream::ObjectShapes.rng(seed);
    let objects: Vec<ObjectSpec> = (0..n)
        .map(|_| {
            let kind = kinds[shapes.below(kinds.len() as u64) as usize];
            ObjectSpec::random(kind, &mut shapes)
        })
        .collect();
    let mut rng = Stream::ObjectParts.rng(seed);
    let placed: Vec<PartSpec> = (0..n)
        .map(|_| {
            let kind = parts[rng.below(parts.len() as u64) as usize];
            PartSpec::random(kind, &mut rng)
        })
        .collect();
    let mut planted = vec![false; n];
    for &i in rng
        .permutation(n)
        .iter()
        .take(planted_count(n, part_fraction))
    {
        planted[i] = true;
    }
    objects
        .into_iter()
        .zip(placed)
        .zip(planted)
        .map(|((object, part), planted)| DrawnObject {
            object,
            part,
            planted,
        })
        .collect()
}

/// Renders the objects (with their planted parts) and the parts' masks, in parallel (rayon,
/// confined by the engine to the node's threads): (images, masks), each `n × size × size`.
pub fn render_all(
    objects: &[DrawnObject],
    size: usize,
    supersample: usize,
) -> (Vec<f32>, Vec<f32>) {
    let area = size * size;
    let mut pixels = vec![0.0f32; objects.len() * area];
    let mut masks = vec![0.0f32; objects.len() * area];
    pixels
        .par_chunks_mut(area)
        .zip(masks.par_chunks_mut(area))
        .zip(objects.par_iter())
        .for_each(|((out, mask), d)| {
            let part = d.planted.then_some(&d.part);
            render_object_into(&d.object, part, size, supersample, out);
            part_mask_into(&d.part, size, supersample, mask);
        });
    (pixels, masks)
}

/// The `parts` table (see the module doc).
fn parts_table(
    ids: Vec<String>,
    drawn: &[DrawnObject],
    masks: &ImageSet,
) -> Result<RecordBatch, StageError> {
    let size = masks.height;
    let area = masks.area();
    let counts: Vec<i64> = (0..drawn.len())
        .map(|i| masks.image(i).iter().filter(|&&v| v > 0.5).count() as i64)
        .collect();
    let centres: Vec<(f32, f32)> = drawn.iter().map(|d| d.part.centre_pixels(size)).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("image_id", Arc::new(StringArray::from(ids))),
        (
            "object",
            Arc::new(StringArray::from_iter_values(
                drawn.iter().map(|d| d.object.kind.name()),
            )),
        ),
        (
            "part",
            Arc::new(StringArray::from_iter_values(
                drawn.iter().map(|d| d.part.kind.name()),
            )),
        ),
        (
            "planted",
            Arc::new(BooleanArray::from(
                drawn.iter().map(|d| d.planted).collect::<Vec<_>>(),
            )),
        ),
        (
            "x",
            Arc::new(Float64Array::from_iter_values(
                centres.iter().map(|c| c.0 as f64),
            )),
        ),
        (
            "y",
            Arc::new(Float64Array::from_iter_values(
                centres.iter().map(|c| c.1 as f64),
            )),
        ),
        ("mask_pixels", Arc::new(Int64Array::from(counts.clone()))),
        (
            "mask_fraction",
            Arc::new(Float64Array::from_iter_values(
                counts.iter().map(|&c| c as f64 / area as f64),
            )),
        ),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), false))
        .collect();
    debug_assert_eq!(fields[6].data_type(), &DataType::Int64);
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| StageError::failed(format!("building the parts table: {e}")))
}

impl StageKind for SyntheticObjects {
    fn name(&self) -> &'static str {
        "synthetic-objects"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Render simple non-face objects, some with a planted face part (images, parts table, part masks, contact sheets)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "images",
                ParamType::Int,
                ParamValue::Int(200),
                "how many objects",
            ),
            ParamSpec::with_default(
                "size",
                ParamType::Int,
                ParamValue::Int(64),
                "image height and width in pixels",
            ),
            ParamSpec::with_default(
                "supersample",
                ParamType::Int,
                ParamValue::Int(2),
                "draw on a grid this many times finer, then average",
            ),
            ParamSpec::with_default(
                "part_fraction",
                ParamType::Float,
                ParamValue::Float(0.5),
                "the fraction of objects with a planted face part: exactly round(fraction × images), chosen at random",
            ),
            ParamSpec::with_default(
                "parts",
                ParamType::Str,
                ParamValue::Str("cap,eyes,mouth".into()),
                "the face parts that may be planted: a comma-separated list of cap, eyes, mouth",
            ),
            ParamSpec::with_default(
                "kinds",
                ParamType::Str,
                ParamValue::Str("cup,box,lamp,leaf".into()),
                "the objects drawn: a comma-separated list of cup, box, lamp, leaf",
            ),
            ParamSpec::with_default(
                "id_prefix",
                ParamType::Str,
                ParamValue::Str("object".into()),
                "image ids are PREFIX0000, PREFIX0001, …",
            ),
            ParamSpec::with_default(
                "sheets",
                ParamType::Bool,
                ParamValue::Bool(true),
                "write contact-sheet.png and masks.png to `sheets`",
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
                "parts",
                ArtifactType::Table,
                "image_id, object, part, planted, x, y (part centre in pixels), mask_pixels, mask_fraction",
            ),
            PortSpec::one(
                "masks",
                ArtifactType::Table,
                "image table of the parts' masks (1 inside), same ids and order as `images`",
            ),
            PortSpec::one(
                "sheets",
                ArtifactType::Files,
                "contact-sheet.png (first 64 objects) and masks.png (their masks)",
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
        let p: SyntheticObjectsParams = params.parse()?;
        if p.images < 1 {
            return Err(StageError::param("images", "must be ≥ 1"));
        }
        crate::world::check_canvas(p.size, p.supersample)?;
        let f = p.part_fraction;
        if !(0.0..=1.0).contains(&f) {
            return Err(StageError::param(
                "part_fraction",
                format!("must be in [0, 1], got {f}"),
            ));
        }
        part_kinds(&p.parts)?;
        object_kinds(&p.kinds)?;
        Ok(())
    }

    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: SyntheticObjectsParams = ctx.params().parse()?;
        let n = p.images as usize;
        let size = p.size as usize;
        let ss = p.supersample as usize;
        let drawn = draw_objects(
            n,
            &object_kinds(&p.kinds)?,
            &part_kinds(&p.parts)?,
            p.part_fraction,
            ctx.seed(),
        );
        let ids = numbered_ids(&p.id_prefix, n);

        // Render in chunks so that progress and cancellation are seen.
        let chunk = 256;
        let mut pixels = Vec::with_capacity(n * size * size);
        let mut mask_pixels = Vec::with_capacity(n * size * size);
        for (c, part) in drawn.chunks(chunk).enumerate() {
            ctx.check_cancelled()?;
            let (px, mk) = render_all(part, size, ss);
            pixels.extend(px);
            mask_pixels.extend(mk);
            ctx.progress(((c + 1) * chunk).min(n) as u64, n as u64, "objects");
        }
        let images = ImageSet::new(ids.clone(), size, size, pixels);
        let masks = ImageSet::new(ids.clone(), size, size, mask_pixels);
        let parts = parts_table(ids, &drawn, &masks)?;

        let dir = ctx.output_dir("sheets")?;
        if p.sheets {
            let sheet = |name: &str, set: &ImageSet| {
                let tiles: Vec<&[f32]> = (0..n.min(64)).map(|i| set.image(i)).collect();
                let (h, w, px) = grid(&tiles, size, size, 8, 2, 0.5);
                write_png(&dir.join(name), &px, h, w).map_err(StageError::failed)
            };
            sheet("contact-sheet.png", &images)?;
            sheet("masks.png", &masks)?;
        }

        Ok(Outputs::new()
            .table("images", images.to_table()?)
            .table("parts", parts)
            .table("masks", masks.to_table()?))
    }
}
