//! `vgg-face` (issue 17): VGG-16's fc7 with user-supplied weights — against an independent NumPy
//! forward pass (bench/vgg_reference.py), its shapes and determinism with small random weights
//! written here, and its refusals of weight files that do not fit, naming the tensor.

mod common;

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::{In, err, run};
use flow_engine::{Artifact, ParamValue};
use flow_numeric::rng::Rng;
use flow_stages::baselines::vgg_face::VggFace;
use flow_stages::images::ImageSet;
use safetensors::{Dtype, tensor::TensorView};
use serde_json::Value;

const CONVS: [&str; 13] = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1",
    "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3",
];

/// A small VGG-16 of `widths`, fc6 and fc7 units, for `input_size` inputs, with weights drawn
/// from `seed`; `edit` may change a tensor's shape before it is written.
fn write_weights(
    path: &Path,
    widths: [usize; 13],
    fc: [usize; 2],
    input_size: usize,
    seed: u64,
    edit: impl Fn(&str, &mut Vec<usize>),
) {
    let mut rng = Rng::seeded(seed);
    let mut shapes: Vec<(String, Vec<usize>)> = Vec::new();
    let mut channels = 3;
    for (name, &out) in CONVS.iter().zip(&widths) {
        shapes.push((format!("{name}.weight"), vec![out, channels, 3, 3]));
        shapes.push((format!("{name}.bias"), vec![out]));
        channels = out;
    }
    let side = input_size / 32;
    shapes.push(("fc6.weight".into(), vec![fc[0], channels * side * side]));
    shapes.push(("fc6.bias".into(), vec![fc[0]]));
    shapes.push(("fc7.weight".into(), vec![fc[1], fc[0]]));
    shapes.push(("fc7.bias".into(), vec![fc[1]]));
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = shapes
        .into_iter()
        .map(|(name, mut shape)| {
            edit(&name, &mut shape);
            let n: usize = shape.iter().product();
            let fan_in = (n / shape[0]).max(1) as f64;
            let scale = (2.0 / fan_in).sqrt() / if name == "conv1_1.weight" { 255.0 } else { 1.0 };
            let data = (0..n)
                .flat_map(|_| ((rng.normal() * scale) as f32).to_le_bytes())
                .collect();
            (name, shape, data)
        })
        .collect();
    let views = bytes.iter().map(|(name, shape, data)| {
        (
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), data).unwrap(),
        )
    });
    safetensors::serialize_to_file(views, None, path).unwrap();
}

const SMALL: [usize; 13] = [2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4];

/// Images of `side` pixels drawn from `seed`.
fn images(n: usize, side: usize, seed: u64) -> ImageSet {
    let mut rng = Rng::seeded(seed);
    let pixels = (0..n * side * side).map(|_| rng.uniform() as f32).collect();
    let ids = (0..n).map(|i| format!("face{i:02}")).collect();
    ImageSet::new(ids, side, side, pixels)
}

fn path_param(p: &Path) -> ParamValue {
    ParamValue::Str(p.to_string_lossy().into_owned())
}

fn units(kind_inputs: In, sets: &[(&str, ParamValue)]) -> RecordBatch {
    match run(&VggFace, kind_inputs, sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .remove("units")
    {
        Some(Artifact::Table(t)) => t,
        other => panic!("units: {other:?}"),
    }
}

fn column(t: &RecordBatch, name: &str) -> Vec<f64> {
    t.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/vgg")
}

#[test]
fn fc7_matches_an_independent_numpy_forward_pass() {
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture_dir().join("reference.json")).unwrap())
            .unwrap();
    let size = reference["size"].as_u64().unwrap() as usize;
    let rows: Vec<Vec<f64>> = serde_json::from_value(reference["images"].clone()).unwrap();
    let pixels = rows.iter().flatten().map(|&v| v as f32).collect();
    let ids: Vec<String> = (0..rows.len()).map(|i| format!("img{i}")).collect();
    let set = ImageSet::new(ids, size, size, pixels);
    let weights = path_param(&fixture_dir().join("tiny.safetensors"));
    for (relu, key) in [(true, "fc7_relu"), (false, "fc7_pre")] {
        let got = units(
            In::new().table("images", set.to_table().unwrap()),
            &[
                ("weights", weights.clone()),
                ("input_size", ParamValue::Int(size as i64)),
                ("relu", ParamValue::Bool(relu)),
            ],
        );
        let want: Vec<Vec<f64>> = serde_json::from_value(reference[key].clone()).unwrap();
        assert_eq!(got.num_rows(), want.len());
        assert_eq!(got.num_columns(), 1 + want[0].len(), "image_id + fc7");
        for j in 0..want[0].len() {
            let col = column(&got, &format!("u{j:02}"));
            for (i, row) in want.iter().enumerate() {
                let tolerance = 1e-5 * (1.0 + row[j].abs());
                assert!(
                    (col[i] - row[j]).abs() < tolerance,
                    "{key} image {i} unit {j}: flow {} vs NumPy {}",
                    col[i],
                    row[j]
                );
            }
        }
    }
}

#[test]
fn small_random_weights_give_one_row_per_image_and_one_column_per_fc7_unit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.safetensors");
    write_weights(&file, SMALL, [8, 6], 64, 3, |_, _| {});
    let set = images(5, 48, 1);
    let t = units(
        In::new().table("images", set.to_table().unwrap()),
        &[
            ("weights", path_param(&file)),
            ("input_size", ParamValue::Int(64)),
            ("batch", ParamValue::Int(2)),
        ],
    );
    assert_eq!(t.num_rows(), 5);
    let names: Vec<String> = t
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["image_id", "u00", "u01", "u02", "u03", "u04", "u05"]
    );
    let ids: Vec<&str> = t
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(ids, ["face00", "face01", "face02", "face03", "face04"]);
    for j in 0..6 {
        assert!(
            column(&t, &format!("u{j:02}"))
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
        );
    }
}

#[test]
fn the_same_weights_and_images_give_the_same_bytes_whatever_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.safetensors");
    write_weights(&file, SMALL, [8, 6], 32, 4, |_, _| {});
    let set = images(4, 40, 2);
    let go = |batch: i64| {
        units(
            In::new().table("images", set.to_table().unwrap()),
            &[
                ("weights", path_param(&file)),
                ("input_size", ParamValue::Int(32)),
                ("batch", ParamValue::Int(batch)),
            ],
        )
    };
    let first = go(3);
    assert_eq!(first, go(3), "same run, same bytes");
    let single = go(1);
    for j in 0..6 {
        let (a, b) = (
            column(&first, &format!("u{j:02}")),
            column(&single, &format!("u{j:02}")),
        );
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-6 * (1.0 + x.abs()),
                "batch 3 vs 1: {x} vs {y}"
            );
        }
    }
}

/// The error of a plan over weights whose tensor `tensor` was given `shape`.
fn shape_error(tensor: &'static str, shape: Vec<usize>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.safetensors");
    write_weights(&file, SMALL, [8, 6], 32, 5, |name, s| {
        if name == tensor {
            *s = shape.clone();
        }
    });
    err(
        &VggFace,
        In::new().table("images", images(1, 32, 3).to_table().unwrap()),
        &[
            ("weights", path_param(&file)),
            ("input_size", ParamValue::Int(32)),
        ],
    )
}

#[test]
fn a_convolution_whose_input_channels_do_not_chain_is_refused_naming_the_tensor() {
    let e = shape_error("conv2_1.weight", vec![3, 5, 3, 3]);
    assert!(e.contains("`conv2_1.weight`"), "{e}");
    assert!(e.contains("2 input channels (from `conv1_2`)"), "{e}");
}

#[test]
fn a_kernel_that_is_not_three_by_three_is_refused_naming_the_tensor() {
    let e = shape_error("conv4_2.weight", vec![4, 4, 5, 5]);
    assert!(
        e.contains("`conv4_2.weight`") && e.contains("3 × 3 kernel"),
        "{e}"
    );
}

#[test]
fn an_fc6_that_does_not_fit_the_input_size_is_refused_naming_the_tensor() {
    let e = shape_error("fc6.weight", vec![8, 16]);
    assert!(e.contains("`fc6.weight`") && e.contains("[_, 4]"), "{e}");
}

#[test]
fn a_bias_of_the_wrong_length_is_refused_naming_the_tensor() {
    let e = shape_error("fc7.bias", vec![7]);
    assert!(e.contains("`fc7.bias`") && e.contains("[6]"), "{e}");
}

#[test]
fn a_missing_tensor_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.safetensors");
    let data = vec![0u8; 4 * 2 * 3 * 9];
    let views = [(
        "conv1_1.weight".to_string(),
        TensorView::new(Dtype::F32, vec![2, 3, 3, 3], &data).unwrap(),
    )];
    safetensors::serialize_to_file(views, None, &file).unwrap();
    let e = err(
        &VggFace,
        In::new().table("images", images(1, 32, 3).to_table().unwrap()),
        &[
            ("weights", path_param(&file)),
            ("input_size", ParamValue::Int(32)),
        ],
    );
    assert!(e.contains("`conv1_1.bias`: missing"), "{e}");
}

#[test]
fn a_file_that_is_not_safetensors_is_refused_pointing_at_the_conversion_script() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vgg_face_dag.pth");
    std::fs::write(&file, b"PK\x03\x04 a zip archive, as torch.save writes").unwrap();
    let e = err(
        &VggFace,
        In::new().table("images", images(1, 32, 3).to_table().unwrap()),
        &[("weights", path_param(&file))],
    );
    assert!(
        e.contains("not a safetensors file") && e.contains("scripts/vgg_face_weights.py"),
        "{e}"
    );
}
