//! The baseline models (issue 17): `pca` and `pca-units` against scikit-learn's PCA on a shared
//! fixture (bench/pca_reference.py), on image tables, and their errors.

mod common;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::{In, err, run};
use faer::Mat;
use flow_engine::{Artifact, ParamValue};
use flow_stages::baselines::pca::PcaBasis;
use flow_stages::baselines::pca_units::PcaUnits;
use flow_stages::images::ImageSet;
use flow_stages::table::matrix_table;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pca/sklearn_pca.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json")
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// A units table `image_id` + `f00 …` of `rows`.
fn units_table(rows: &[Vec<f64>]) -> RecordBatch {
    let m = Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j]);
    let ids: Vec<String> = (0..rows.len()).map(|i| format!("img{i:03}")).collect();
    let names: Vec<String> = (0..rows[0].len()).map(|j| format!("f{j:02}")).collect();
    matrix_table(&m, Some(&ids), &names).unwrap()
}

fn column(t: &RecordBatch, name: &str) -> Vec<f64> {
    t.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn outputs(
    kind: &dyn flow_engine::StageKind,
    inputs: In,
    sets: &[(&str, ParamValue)],
) -> std::collections::BTreeMap<String, Artifact> {
    run(kind, inputs, sets).unwrap_or_else(|e| panic!("{e}"))
}

fn table(out: &std::collections::BTreeMap<String, Artifact>, port: &str) -> RecordBatch {
    match &out[port] {
        Artifact::Table(t) => t.clone(),
        other => panic!("{port}: {other:?}"),
    }
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-10, "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn pca_and_pca_units_match_scikit_learn() {
    for case in fixture()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let data = rows(&case["data"]);
        let fit_rows = case["fit_rows"].as_u64().unwrap() as usize;
        let k = case["components"].as_i64().unwrap();
        let basis_out = outputs(
            &PcaBasis,
            In::new().table("data", units_table(&data[..fit_rows])),
            &[("max_components", ParamValue::Int(k))],
        );
        let basis = table(&basis_out, "basis");
        close(
            &column(&basis, "mean"),
            &rows(&Value::Array(vec![case["mean"].clone()]))[0],
            name,
        );
        for (i, axis) in rows(&case["axes"]).iter().enumerate() {
            close(
                &column(&basis, &format!("pc{i:02}")),
                axis,
                &format!("{name} axis {i}"),
            );
        }
        let Artifact::Json(result) = &basis_out["result"] else {
            panic!("no result")
        };
        for field in [
            "singular_values",
            "explained_variance",
            "explained_variance_ratio",
        ] {
            let got: Vec<f64> = rows(&Value::Array(vec![result[field].clone()])).remove(0);
            let want: Vec<f64> = rows(&Value::Array(vec![case[field].clone()])).remove(0);
            close(&got, &want, &format!("{name} {field}"));
        }
        // Every row (fitted or not) projected on the first k axes, and on fewer.
        let all = units_table(&data);
        let want = rows(&case["units"]);
        for n in [k, 2] {
            let out = outputs(
                &PcaUnits,
                In::new()
                    .table("basis", basis.clone())
                    .table("images", all.clone()),
                &[("latents", ParamValue::Int(n))],
            );
            let units = table(&out, "units");
            assert_eq!(units.num_columns(), 1 + n as usize);
            for i in 0..n as usize {
                let w: Vec<f64> = want.iter().map(|r| r[i]).collect();
                close(
                    &column(&units, &format!("u{i:02}")),
                    &w,
                    &format!("{name} units {i}"),
                );
            }
        }
    }
}

/// Twelve 6 × 5 images with two independent patterns.
fn images() -> ImageSet {
    let (h, w) = (6, 5);
    let mut pixels = Vec::new();
    for i in 0..12 {
        let (a, b) = ((i % 4) as f32 / 4.0, (i / 4) as f32 / 3.0);
        for r in 0..h {
            for c in 0..w {
                pixels
                    .push(0.2 + 0.3 * a * (r < 3) as i32 as f32 + 0.4 * b * (c > 2) as i32 as f32);
            }
        }
    }
    let ids = (0..12).map(|i| format!("face{i:04}")).collect();
    ImageSet::new(ids, h, w, pixels)
}

#[test]
fn pca_fits_image_tables_pixel_by_pixel() {
    let faces = images().to_table().unwrap();
    let basis_out = outputs(
        &PcaBasis,
        In::new().table("data", faces.clone()),
        &[("max_components", ParamValue::Int(2))],
    );
    let basis = table(&basis_out, "basis");
    assert_eq!(basis.num_rows(), 30, "one row per pixel");
    let names: Vec<&str> = basis
        .column_by_name("feature")
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(names[0], "px00000");
    let Artifact::Json(result) = &basis_out["result"] else {
        panic!()
    };
    // Two patterns, two directions: the ratios add up to 1.
    let ratio: f64 = result["explained_variance_ratio"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((ratio - 1.0).abs() < 1e-12, "{result}");
    let units = table(
        &outputs(
            &PcaUnits,
            In::new().table("basis", basis).table("images", faces),
            &[("latents", ParamValue::Int(2))],
        ),
        "units",
    );
    let ids: Vec<&str> = units
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    assert_eq!(ids[11], "face0011");
}

#[test]
fn pca_says_when_the_data_have_fewer_axes_than_asked() {
    let e = err(
        &PcaBasis,
        In::new().table("data", images().to_table().unwrap()),
        &[("max_components", ParamValue::Int(20))],
    );
    assert!(
        e.contains(
            "input `data`: has 12 images × 30 features: at most 12 axes, max_components = 20"
        ),
        "{e}"
    );
    let e = err(
        &PcaBasis,
        In::new().table("data", images().to_table().unwrap()),
        &[("max_components", ParamValue::Int(5))],
    );
    assert!(
        e.contains("only 2 directions of nonzero variance, 5 components asked"),
        "{e}"
    );
}

#[test]
fn pca_units_names_a_basis_too_small_and_images_of_another_size() {
    let basis = table(
        &outputs(
            &PcaBasis,
            In::new().table("data", images().to_table().unwrap()),
            &[("max_components", ParamValue::Int(2))],
        ),
        "basis",
    );
    let e = err(
        &PcaUnits,
        In::new()
            .table("basis", basis.clone())
            .table("images", images().to_table().unwrap()),
        &[("latents", ParamValue::Int(3))],
    );
    assert!(
        e.contains("holds 2 axes, latents = 3 asks for more: raise `max_components`"),
        "{e}"
    );
    let small = ImageSet::new(vec!["a".into()], 2, 2, vec![0.5; 4])
        .to_table()
        .unwrap();
    let e = err(
        &PcaUnits,
        In::new().table("basis", basis).table("images", small),
        &[("latents", ParamValue::Int(2))],
    );
    assert!(
        e.contains("input `images`: has 4 features, the basis 30"),
        "{e}"
    );
}

/// `n` rows of `k` Laplace sources (a formula-free draw: flow's one RNG) mixed into `p` features.
fn laplace_mixture(n: usize, k: usize, p: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut rng = flow_numeric::rng::Rng::seeded(seed);
    let sources: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            (0..k)
                .map(|_| {
                    let u = rng.uniform() - 0.5;
                    -u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
                })
                .collect()
        })
        .collect();
    let a: Vec<Vec<f64>> = (0..p)
        .map(|_| (0..k).map(|_| rng.normal()).collect())
        .collect();
    let x = sources
        .iter()
        .map(|s| {
            a.iter()
                .map(|row| row.iter().zip(s).map(|(w, v)| w * v).sum())
                .collect()
        })
        .collect();
    (sources, x)
}

#[test]
fn ica_recovers_planted_laplace_sources_for_several_seeds() {
    for seed in 0..3 {
        let (truth, x) = laplace_mixture(2000, 5, 9, 40 + seed);
        let out = outputs(
            &flow_stages::baselines::ica::IcaUnits,
            In::new().table("data", units_table(&x)),
            &[("latents", ParamValue::Int(5))],
        );
        let units = table(&out, "units");
        for t in 0..5 {
            let want: Vec<f64> = truth.iter().map(|r| r[t]).collect();
            let best = (0..5)
                .map(|u| {
                    let got = column(&units, &format!("u{u:02}"));
                    flow_numeric::moments::pearson(&want, &got).unwrap().abs()
                })
                .fold(0.0, f64::max);
            assert!(best > 0.99, "data seed {seed}, source {t}: |corr| {best}");
        }
        let Artifact::Json(result) = &out["result"] else {
            panic!()
        };
        assert_eq!(result["converged"], true, "{result}");
    }
}

#[test]
fn ica_with_the_same_seed_gives_the_same_bytes() {
    let (_, x) = laplace_mixture(300, 3, 6, 7);
    let once = || {
        let out = outputs(
            &flow_stages::baselines::ica::IcaUnits,
            In::new().table("data", units_table(&x)),
            &[("latents", ParamValue::Int(3))],
        );
        let mut bytes = Vec::new();
        for name in ["u00", "u01", "u02"] {
            for v in column(&table(&out, "units"), name) {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
        bytes
    };
    assert_eq!(once(), once());
}

#[test]
fn unit_subsets_draw_five_sizes_of_ten_subsets_without_replacement() {
    // 60 units whose values name them: unit j is j + 1000·row.
    let data: Vec<Vec<f64>> = (0..4)
        .map(|r| (0..60).map(|j| j as f64 + 1000.0 * r as f64).collect())
        .collect();
    let input = units_table(&data);
    let mut by_size: std::collections::BTreeMap<u64, usize> = Default::default();
    let mut families = std::collections::BTreeSet::new();
    for instance in 0..50 {
        let out = outputs(
            &flow_stages::baselines::unit_subsets::UnitSubsets,
            In::new().table("units", input.clone()),
            &[("instance", ParamValue::Int(instance))],
        );
        let Artifact::Json(result) = &out["result"] else {
            panic!()
        };
        let size = result["size"].as_u64().unwrap();
        assert!((10..=50).contains(&size), "{result}");
        *by_size.entry(size).or_default() += 1;
        let units = table(&out, "units");
        assert_eq!(units.num_columns() as u64, 1 + size);
        // Without replacement: distinct units, and each column holds the unit it names.
        let chosen: Vec<f64> = (0..size as usize)
            .map(|u| column(&units, &format!("u{u:02}"))[0])
            .collect();
        let distinct: std::collections::BTreeSet<u64> = chosen.iter().map(|&v| v as u64).collect();
        assert_eq!(distinct.len() as u64, size);
        for (u, &unit) in chosen.iter().enumerate() {
            assert_eq!(column(&units, &format!("u{u:02}"))[3], unit + 3000.0);
            assert_eq!(result["columns"][u], format!("f{:02}", unit as u64));
        }
        families.insert(chosen.iter().map(|&v| v as u64).collect::<Vec<_>>());
    }
    assert_eq!(by_size.len(), 5, "five distinct sizes: {by_size:?}");
    assert!(by_size.values().all(|&n| n == 10), "{by_size:?}");
    assert_eq!(families.len(), 50, "fifty different subsets");
}

/// Synthetic faces (64 × 64) varying `factors`: the image table, the factors and the landmarks.
fn world(n: i64, factors: &str) -> (RecordBatch, RecordBatch, RecordBatch) {
    let out = outputs(
        &flow_stages::world::synthetic_faces::SyntheticFaces,
        In::new(),
        &[
            ("images", ParamValue::Int(n)),
            ("factors", ParamValue::Str(factors.into())),
            ("sheets", ParamValue::Bool(false)),
        ],
    );
    (
        table(&out, "images"),
        table(&out, "factors"),
        table(&out, "landmarks"),
    )
}

fn aam(images: &RecordBatch, landmarks: &RecordBatch, n: i64) -> (RecordBatch, Value) {
    aam_warped(images, landmarks, n, "thin-plate")
}

fn aam_warped(
    images: &RecordBatch,
    landmarks: &RecordBatch,
    n: i64,
    warp: &str,
) -> (RecordBatch, Value) {
    let out = outputs(
        &flow_stages::baselines::aam::Aam,
        In::new()
            .table("images", images.clone())
            .table("landmarks", landmarks.clone()),
        &[
            ("latents", ParamValue::Int(n)),
            ("warp", ParamValue::Str(warp.into())),
        ],
    );
    let Artifact::Json(result) = &out["result"] else {
        panic!()
    };
    (table(&out, "units"), result.clone())
}

#[test]
fn aam_shape_units_track_the_face_width_of_the_synthetic_world() {
    // Face width moves the landmarks; hair length and darkness change only the appearance.
    let (images, factors, landmarks) = world(60, "face_width,hair_length,hair_darkness");
    let (units, result) = aam(&images, &landmarks, 4);
    assert_eq!(units.num_columns(), 1 + 4);
    let width = column(&factors, "face_width");
    let best = (0..2)
        .map(|u| {
            flow_numeric::moments::pearson(&width, &column(&units, &format!("u{u:02}")))
                .unwrap()
                .abs()
        })
        .fold(0.0, f64::max);
    assert!(best > 0.95, "face width vs the shape units: |r| {best}");
    assert!(result["pixels"].as_u64().unwrap() > 500, "{result}");
}

#[test]
fn aam_appearance_error_falls_as_n_grows() {
    let (images, _, landmarks) = world(40, "quick");
    let unexplained = |n: i64| {
        let (_, result) = aam(&images, &landmarks, n);
        1.0 - result["appearance_explained_variance_ratio"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum::<f64>()
    };
    let (e4, e10, e20) = (unexplained(4), unexplained(10), unexplained(20));
    assert!(e4 > e10 && e10 > e20 && e20 >= 0.0, "{e4} {e10} {e20}");
}

#[test]
fn aam_piecewise_affine_warp_changes_only_the_appearance_units() {
    let (images, _, landmarks) = world(40, "quick");
    let (spline, spline_result) = aam(&images, &landmarks, 6);
    let (affine, affine_result) = aam_warped(&images, &landmarks, 6, "piecewise-affine");
    assert_eq!(affine_result["warp"], "piecewise-affine");
    // The triangles tile the template's convex hull: the same pixels, up to its boundary.
    let (a, b) = (
        spline_result["pixels"].as_i64().unwrap(),
        affine_result["pixels"].as_i64().unwrap(),
    );
    assert!((a - b).abs() <= 2, "{a} vs {b} pixels");
    for u in 0..3 {
        let name = format!("u{u:02}");
        assert_eq!(
            column(&spline, &name),
            column(&affine, &name),
            "shape unit {u}"
        );
    }
    // Two smooth warps between the same landmarks: nearly the same leading appearance axis,
    // but not the same numbers.
    let (s3, a3) = (column(&spline, "u03"), column(&affine, "u03"));
    let r = flow_numeric::moments::pearson(&s3, &a3).unwrap().abs();
    assert!(r > 0.9, "first appearance unit, spline vs affine: |r| {r}");
    assert_ne!(s3, a3);
}

#[test]
fn aam_names_faces_without_landmarks_and_an_odd_n() {
    let (images, _, landmarks) = world(10, "quick");
    let fewer = common::take(&landmarks, &[0, 1, 2, 3, 4, 5, 6, 7]);
    let e = err(
        &flow_stages::baselines::aam::Aam,
        In::new()
            .table("images", images.clone())
            .table("landmarks", fewer),
        &[("latents", ParamValue::Int(4))],
    );
    assert!(e.contains("input `landmarks`: 2 of the 10 images have no landmarks (first: `face0008`, `face0009`)"), "{e}");
    let e = err(
        &flow_stages::baselines::aam::Aam,
        In::new()
            .table("images", images)
            .table("landmarks", landmarks),
        &[("latents", ParamValue::Int(5))],
    );
    assert!(e.contains("parameter `latents`: must be even"), "{e}");
}
