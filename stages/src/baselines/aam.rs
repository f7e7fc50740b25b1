//! `aam`: the active appearance model's units — N/2 shape and N/2 appearance codes of each face.
//!
//! Paper: Online methods, "Baseline models": "obtained by setting 80 landmarks on each of the
//! 2,100 facial images … The positions of landmarks were normalised to calculate the average
//! shape template. Each face was warped to the average shape using spline interpolation. The
//! warped image was normalised and reshaped to a 1-d vector. PCA was carried out on landmark
//! positions and shape-free intensity independently. The first N/2 shape PCs and the first N/2
//! appearance PCs were concatenated to produce the N-dimensional AAM representations"; 21
//! instances (N = 10, 12, … 50). docs/METHODS.md §8.
//!
//! The computation, and the choices the paper leaves open (flow's):
//! 1. **Shape.** The landmarks of every face are aligned by generalised Procrustes analysis
//!    (translation, scale, rotation, no reflection; `flow_numeric::procrustes`, tolerance 1e-10);
//!    the shape units are the first N/2 PCA scores of the aligned, flattened shapes.
//! 2. **The average shape template** is the Procrustes mean, scaled to the faces' mean size (the
//!    root-mean-square distance of the landmarks from their centroid) and centred in the image.
//! 3. **Warp** ("spline interpolation"; `warp = "thin-plate"`, the default): a thin-plate spline
//!    from the template's landmarks to each face's (`flow_numeric::thin_plate`) says where each
//!    template pixel comes from; the face is sampled there bilinearly (pixel centres at
//!    half-integers, clamped at the border). Only the pixels whose centres lie inside the convex
//!    hull of the template are kept. `warp = "piecewise-affine"` is the classic AAM alternative:
//!    the template's landmarks are triangulated (Delaunay) and each triangle maps affinely onto
//!    the face's (`flow_numeric::piecewise_affine`); the kept pixels are those inside a triangle,
//!    i.e. the same convex hull.
//! 4. **Normalisation**: each warped face is z-scored over its kept pixels (a constant one becomes
//!    zeros); the appearance units are the first N/2 PCA scores of these vectors.
//!
//! Inputs: `images` (an image table) and `landmarks` (`image_id` + `x00, y00 … x79, y79` in
//! pixels, as `synthetic-faces` and `import-image-data` write them); every image needs its
//! landmarks. The model is fitted on the images given and their units are written, `image_id` +
//! `u00 …` (shape units first). `result`: explained-variance ratios of both PCAs, the template,
//! the number of kept pixels and the Procrustes rounds.

use faer::{Mat, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_numeric::pca::Pca;
use flow_numeric::piecewise_affine::{Barycentric, TriangleMesh};
use flow_numeric::procrustes::generalised_procrustes;
use flow_numeric::thin_plate::ThinPlate;
use rayon::prelude::*;
use serde_json::json;

use crate::baselines::data::unit_names;
use crate::images::ImageSet;
use crate::matrix::read_matrix;
use crate::table::matrix_table;

/// The params of `aam`.
#[derive(Debug, Clone, serde::Deserialize)]
struct AamParams {
    latents: i64,
    warp: String,
}

/// How faces are warped onto the template (module doc, step 3).
const WARPS: &[&str] = &["thin-plate", "piecewise-affine"];

pub struct Aam;

/// Andrew's monotone chain: the convex hull of `points`, counter-clockwise.
fn convex_hull(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p = points.to_vec();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut hull: Vec<(f64, f64)> = Vec::new();
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f64, f64)>> = if pass == 0 {
            Box::new(p.iter())
        } else {
            Box::new(p.iter().rev())
        };
        for &q in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Whether `q` lies inside (or on) the counter-clockwise convex polygon `hull`.
fn inside(hull: &[(f64, f64)], q: (f64, f64)) -> bool {
    (0..hull.len()).all(|i| {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        (b.0 - a.0) * (q.1 - a.1) - (b.1 - a.1) * (q.0 - a.0) >= 0.0
    })
}

/// Bilinear sample of an image at (x, y) in pixel coordinates (pixel centres at half-integers).
fn sample(image: &[f32], height: usize, width: usize, x: f64, y: f64) -> f64 {
    let fx = (x - 0.5).clamp(0.0, (width - 1) as f64);
    let fy = (y - 0.5).clamp(0.0, (height - 1) as f64);
    let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (tx, ty) = (fx - x0 as f64, fy - y0 as f64);
    let at = |r: usize, c: usize| image[r * width + c] as f64;
    (1.0 - ty) * ((1.0 - tx) * at(y0, x0) + tx * at(y0, x1))
        + ty * ((1.0 - tx) * at(y1, x0) + tx * at(y1, x1))
}

/// The face `image` (landmarks `marks`) warped onto the template: its values at the `pixels`
/// (template coordinates) by a thin-plate spline from the template's landmarks to the face's.
pub fn warp_to_template(
    image: &[f32],
    height: usize,
    width: usize,
    marks: &[(f64, f64)],
    template: &[(f64, f64)],
    pixels: &[(f64, f64)],
) -> Vec<f64> {
    let spline = ThinPlate::fit(template, marks);
    pixels
        .iter()
        .map(|&(x, y)| {
            let (u, v) = spline.map(x, y);
            sample(image, height, width, u, v)
        })
        .collect()
}

/// The face `image` (landmarks `marks`) warped onto the template by the piecewise-affine map of
/// the template's triangulation: its values at the template pixels `located` in that mesh.
pub fn warp_piecewise_affine(
    image: &[f32],
    height: usize,
    width: usize,
    marks: &[(f64, f64)],
    located: &[Barycentric],
) -> Vec<f64> {
    located
        .iter()
        .map(|at| {
            let (u, v) = at.apply(marks);
            sample(image, height, width, u, v)
        })
        .collect()
}

/// The landmarks of every image, in the images' order.
fn landmarks_of(
    images: &ImageSet,
    batch: &arrow_array::RecordBatch,
) -> Result<Vec<Vec<(f64, f64)>>, StageError> {
    let table = read_matrix(batch, "landmarks")?;
    let ids = table
        .ids
        .as_ref()
        .ok_or_else(|| StageError::input("landmarks", "has no column `image_id`"))?;
    if table.ncols() % 2 != 0 || table.ncols() < 6 {
        return Err(StageError::input(
            "landmarks",
            format!(
                "needs x, y columns of at least 3 landmarks, found {} columns",
                table.ncols()
            ),
        ));
    }
    let row_of: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let missing: Vec<&str> = images
        .ids
        .iter()
        .filter(|id| !row_of.contains_key(id.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(StageError::input(
            "landmarks",
            format!(
                "{} of the {} images have no landmarks (first: {})",
                missing.len(),
                images.len(),
                missing
                    .iter()
                    .take(3)
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(images
        .ids
        .iter()
        .map(|id| {
            let r = row_of[id.as_str()];
            (0..table.ncols() / 2)
                .map(|l| (table.data[(r, 2 * l)], table.data[(r, 2 * l + 1)]))
                .collect()
        })
        .collect())
}

impl StageKind for Aam {
    fn name(&self) -> &'static str {
        "aam"
    }

    fn version(&self) -> u32 {
        // 2: `result` names the warp; 3: the Lanczos PCA (different rounding on large data).
        3
    }

    fn summary(&self) -> &'static str {
        "Active appearance model units: N/2 shape (Procrustes + PCA) and N/2 appearance (warp to the mean shape + PCA) codes"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "latents",
                ParamType::Int,
                ParamValue::Int(10),
                "N, even: N/2 shape and N/2 appearance units (the paper: 10, 12, … 50)",
            ),
            ParamSpec::with_default(
                "warp",
                ParamType::Choice(WARPS),
                ParamValue::Str("thin-plate".into()),
                "how faces are warped to the average shape: a thin-plate spline (the paper's \"spline interpolation\") or piecewise-affine over a Delaunay triangulation",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("images", ArtifactType::Table, "the faces (an image table)"),
            PortSpec::one(
                "landmarks",
                ArtifactType::Table,
                "image_id + x00, y00 … in pixels, for every face",
            ),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "image_id + u00 … (the N/2 shape units, then the N/2 appearance units)",
            ),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "explained-variance ratios, the template, kept pixels, Procrustes rounds",
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
        let p: AamParams = params.parse()?;
        if p.latents < 2 || p.latents % 2 != 0 {
            return Err(StageError::param(
                "latents",
                format!(
                    "must be even and ≥ 2 (N/2 shape + N/2 appearance units), got {}",
                    p.latents
                ),
            ));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: AamParams = ctx.params().parse()?;
        let half = (p.latents.max(2) / 2) as usize;
        let images = ImageSet::from_table(inputs.table("images")?, "images")?;
        let marks = landmarks_of(&images, inputs.table("landmarks")?)?;
        let (n, h, w) = (images.len(), images.height, images.width);
        let par = Par::rayon(ctx.threads());

        // 1. Shape.
        let aligned = generalised_procrustes(&marks, 1e-10, 1000);
        let l = aligned.mean.len();
        if half > n.min(2 * l) {
            return Err(StageError::input(
                "images",
                format!(
                    "{n} faces of {l} landmarks give at most {} shape units, latents = {} asks for {half}",
                    n.min(2 * l),
                    p.latents
                ),
            ));
        }
        let shapes = Mat::from_fn(n, 2 * l, |i, j| {
            let (x, y) = aligned.shapes[i][j / 2];
            if j % 2 == 0 { x } else { y }
        });
        let shape_pca = Pca::fit(shapes.as_ref(), half, par)
            .map_err(|e| StageError::input("landmarks", format!("shape PCA: {e}")))?;
        let shape_units = shape_pca.scores(shapes.as_ref(), half, par);

        // 2. The template in the image frame.
        let size = marks
            .iter()
            .map(|m| {
                let (cx, cy) = m.iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
                    (a + x / l as f64, b + y / l as f64)
                });
                m.iter()
                    .map(|&(x, y)| (x - cx).powi(2) + (y - cy).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .sum::<f64>()
            / n as f64;
        let template: Vec<(f64, f64)> = aligned
            .mean
            .iter()
            .map(|&(x, y)| (w as f64 / 2.0 + size * x, h as f64 / 2.0 + size * y))
            .collect();
        let centres = (0..h).flat_map(|r| (0..w).map(move |c| (c as f64 + 0.5, r as f64 + 0.5)));
        let (pixels, located): (Vec<(f64, f64)>, Vec<Barycentric>) = if p.warp == "piecewise-affine"
        {
            let mesh = TriangleMesh::delaunay(&template);
            centres
                .filter_map(|q| mesh.locate(q).map(|at| (q, at)))
                .unzip()
        } else {
            let hull = convex_hull(&template);
            (centres.filter(|&q| inside(&hull, q)).collect(), Vec::new())
        };
        if pixels.len() < half {
            return Err(StageError::input(
                "landmarks",
                format!(
                    "the average shape covers {} pixels, fewer than the {half} appearance units",
                    pixels.len()
                ),
            ));
        }

        // 3–4. Warp, normalise, PCA.
        ctx.check_cancelled()?;
        let warped: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut v = if located.is_empty() {
                    warp_to_template(images.image(i), h, w, &marks[i], &template, &pixels)
                } else {
                    warp_piecewise_affine(images.image(i), h, w, &marks[i], &located)
                };
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                let sd =
                    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
                for x in &mut v {
                    *x = if sd > 0.0 { (*x - mean) / sd } else { 0.0 };
                }
                v
            })
            .collect();
        ctx.check_cancelled()?;
        let appearance = Mat::from_fn(n, pixels.len(), |i, j| warped[i][j]);
        let appearance_pca = Pca::fit(appearance.as_ref(), half, par)
            .map_err(|e| StageError::input("images", format!("appearance PCA: {e}")))?;
        let appearance_units = appearance_pca.scores(appearance.as_ref(), half, par);

        let units = Mat::from_fn(n, 2 * half, |i, j| {
            if j < half {
                shape_units[(i, j)]
            } else {
                appearance_units[(i, j - half)]
            }
        });
        let table = matrix_table(&units, Some(&images.ids), &unit_names(2 * half))?;
        let result = json!({
            "latents": 2 * half,
            "warp": p.warp,
            "shape_explained_variance_ratio": shape_pca.explained_variance_ratio(),
            "appearance_explained_variance_ratio": appearance_pca.explained_variance_ratio(),
            "template": template.iter().map(|&(x, y)| json!([x, y])).collect::<Vec<_>>(),
            "pixels": pixels.len(),
            "procrustes_rounds": aligned.iterations,
        });
        Ok(Outputs::new().table("units", table).json("result", result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16 × 12 image with an irregular pattern and five landmarks inside it.
    fn test_face() -> (usize, usize, Vec<f32>, Vec<(f64, f64)>) {
        let (h, w) = (16, 12);
        let image = (0..h * w)
            .map(|i| ((i * 37) % 101) as f32 / 100.0)
            .collect();
        let template = vec![
            (2.0, 3.0),
            (10.0, 2.5),
            (9.0, 13.0),
            (3.0, 14.0),
            (6.0, 8.0),
        ];
        (h, w, image, template)
    }

    #[test]
    fn a_face_with_the_templates_landmarks_warps_to_itself() {
        let (h, w, image, template) = test_face();
        let hull = convex_hull(&template);
        let pixels: Vec<(f64, f64)> = (0..h)
            .flat_map(|r| (0..w).map(move |c| (c as f64 + 0.5, r as f64 + 0.5)))
            .filter(|&q| inside(&hull, q))
            .collect();
        assert!(pixels.len() > 50);
        let warped = warp_to_template(&image, h, w, &template, &template, &pixels);
        for (&(x, y), v) in pixels.iter().zip(&warped) {
            let expected = image[(y - 0.5) as usize * w + (x - 0.5) as usize] as f64;
            assert!((v - expected).abs() < 1e-9, "({x}, {y}): {v} vs {expected}");
        }
    }

    #[test]
    fn a_face_with_the_templates_landmarks_warps_to_itself_piecewise_affinely() {
        let (h, w, image, template) = test_face();
        let mesh = TriangleMesh::delaunay(&template);
        let (pixels, located): (Vec<(f64, f64)>, Vec<Barycentric>) = (0..h)
            .flat_map(|r| (0..w).map(move |c| (c as f64 + 0.5, r as f64 + 0.5)))
            .filter_map(|q| mesh.locate(q).map(|at| (q, at)))
            .unzip();
        let hull = convex_hull(&template);
        let in_hull = (0..h)
            .flat_map(|r| (0..w).map(move |c| (c as f64 + 0.5, r as f64 + 0.5)))
            .filter(|&q| inside(&hull, q))
            .count();
        assert_eq!(pixels.len(), in_hull, "the triangles tile the hull");
        let warped = warp_piecewise_affine(&image, h, w, &template, &located);
        for (&(x, y), v) in pixels.iter().zip(&warped) {
            let expected = image[(y - 0.5) as usize * w + (x - 0.5) as usize] as f64;
            assert!((v - expected).abs() < 1e-9, "({x}, {y}): {v} vs {expected}");
        }
    }

    #[test]
    fn the_hull_keeps_the_inside() {
        let hull = convex_hull(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (2.0, 2.0)]);
        assert_eq!(hull.len(), 4);
        assert!(inside(&hull, (1.0, 3.0)));
        assert!(!inside(&hull, (5.0, 1.0)));
    }
}
