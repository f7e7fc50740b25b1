//! `shared-features` (issue 21) on a tiny untrained model (16 × 16 images, 3 latents) and a
//! hand-made Lasso readout: bad inputs are refused before any work, naming the port or param;
//! the pairs table has a row per neuron and top object, ranked by the prediction; the maps are
//! deterministic; the `readout` weighting makes the shared map the plain gradient map; masks
//! score every map.

mod common;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use burn::tensor::Device;
use common::{In, params, run};
use flow_engine::{Artifact, ParamValue, StageKind};
use flow_models::{ModelKind, Network, TrainSpec};
use flow_stages::analysis::shared_features::SharedFeatures;
use flow_stages::images::ImageSet;
use flow_stages::training::model_files;
use serde_json::{Value, json};

const SIDE: usize = 16;
const LATENTS: usize = 3;

fn spec(kind: ModelKind) -> TrainSpec {
    TrainSpec {
        kind,
        latents: LATENTS,
        height: SIDE,
        width: SIDE,
        classes: if matches!(kind, ModelKind::Classifier) {
            2
        } else {
            0
        },
        steps: 0,
        batch: 8,
        lr: 1e-3,
        seed: 5,
        eval_every: 10,
        patience: 3,
    }
}

/// A saved untrained model of `kind` (its weights directory).
fn model(kind: ModelKind) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(kind);
    let network = Network::new(&spec.shape(), 3, &Device::flex());
    model_files::save(dir.path(), &network, &spec).unwrap();
    dir
}

/// `n` images of a dark disc at varying places and sizes on a light background.
fn images(prefix: &str, n: usize, offset: usize) -> ImageSet {
    let mut pixels = Vec::with_capacity(n * SIDE * SIDE);
    for i in 0..n {
        let k = i + offset;
        let (cy, cx, r) = (
            4.0 + (k * 5 % 9) as f32,
            3.0 + (k * 7 % 10) as f32,
            2.0 + (k % 3) as f32,
        );
        for p in 0..SIDE * SIDE {
            let (y, x) = ((p / SIDE) as f32, (p % SIDE) as f32);
            let d = ((y - cy).powi(2) + (x - cx).powi(2)).sqrt();
            pixels.push(if d < r {
                0.1
            } else {
                0.9 - 0.02 * (k % 4) as f32
            });
        }
    }
    let ids = (0..n).map(|i| format!("{prefix}{i:02}")).collect();
    ImageSet::new(ids, SIDE, SIDE, pixels)
}

/// A readout of the 3 latents by 4 neurons, with its standardisation.
fn lasso(units: usize) -> Value {
    let coef: Vec<Vec<f64>> = (0..units)
        .map(|d| {
            (0..4)
                .map(|j| {
                    if (d + j) % 2 == 0 {
                        0.5 + 0.1 * j as f64
                    } else {
                        -0.3
                    }
                })
                .collect()
        })
        .collect();
    json!({
        "coef": coef,
        "intercept": [0.1, -0.2, 0.0, 0.3],
        "ve": [0.5, 0.8, 0.2, 0.6],
        "unit_mean": vec![0.01; units],
        "unit_std": vec![0.05; units],
        "response_mean": [5.0, 6.0, 7.0, 8.0],
        "response_std": [2.0, 1.0, 3.0, 0.5],
    })
}

/// Masks: the top-left quarter of every object.
fn masks(objects: &ImageSet) -> ImageSet {
    let one: Vec<f32> = (0..SIDE * SIDE)
        .map(|p| {
            if p / SIDE < 8 && p % SIDE < 8 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    ImageSet::new(objects.ids.clone(), SIDE, SIDE, one.repeat(objects.len()))
}

fn inputs(weights: &std::path::Path, lasso: Value, objects: &ImageSet) -> In {
    In::new()
        .add("weights", Artifact::Files(weights.to_path_buf()))
        .json("lasso", lasso)
        .table("faces", images("face", 8, 0).to_table().unwrap())
        .table("objects", objects.to_table().unwrap())
}

fn refused(inputs: In, sets: &[(&str, ParamValue)]) -> String {
    run(&SharedFeatures, inputs, sets).expect_err("the stage must refuse this")
}

fn table(out: &std::collections::BTreeMap<String, Artifact>, port: &str) -> RecordBatch {
    match out.get(port) {
        Some(Artifact::Table(t)) => t.clone(),
        other => panic!("no table on {port}: {other:?}"),
    }
}

fn f64s(t: &RecordBatch, name: &str) -> Vec<f64> {
    t.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn texts(t: &RecordBatch, name: &str) -> Vec<String> {
    t.column_by_name(name)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect()
}

fn neurons(list: &str) -> (&'static str, ParamValue) {
    ("neurons", ParamValue::Str(list.into()))
}

#[test]
fn a_classifiers_weights_are_refused_naming_the_weights_port() {
    let dir = model(ModelKind::Classifier);
    let e = refused(
        inputs(dir.path(), lasso(LATENTS), &images("object", 4, 9)),
        &[neurons("0")],
    );
    assert!(
        e.contains("input `weights`") && e.contains("classifier"),
        "{e}"
    );
}

#[test]
fn a_lasso_of_another_models_latent_count_is_refused_naming_the_lasso_port() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let e = refused(
        inputs(dir.path(), lasso(LATENTS + 2), &images("object", 4, 9)),
        &[neurons("0")],
    );
    assert!(
        e.contains("input `lasso`") && e.contains("5 units") && e.contains("3 latents"),
        "{e}"
    );
}

#[test]
fn a_lasso_result_without_its_standardisation_is_refused() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let mut old = lasso(LATENTS);
    old.as_object_mut().unwrap().remove("unit_std");
    let e = refused(
        inputs(dir.path(), old, &images("object", 4, 9)),
        &[neurons("0")],
    );
    assert!(
        e.contains("input `lasso`") && e.contains("standardisation"),
        "{e}"
    );
}

#[test]
fn a_neuron_index_out_of_range_is_refused_naming_the_param_and_the_count() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let e = refused(
        inputs(dir.path(), lasso(LATENTS), &images("object", 4, 9)),
        &[neurons("1, 4")],
    );
    assert!(
        e.contains("parameter `neurons`") && e.contains("neuron 4") && e.contains("4 neurons"),
        "{e}"
    );
}

#[test]
fn objects_of_another_size_than_the_model_are_refused_naming_the_port() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let small = ImageSet::new(vec!["o".into()], 8, 8, vec![0.5; 64]);
    let e = refused(inputs(dir.path(), lasso(LATENTS), &small), &[neurons("0")]);
    assert!(e.contains("input `objects`") && e.contains("8 × 8"), "{e}");
}

#[test]
fn bad_params_are_refused_by_the_check() {
    let p = params(&SharedFeatures, &[neurons("best:0")]);
    assert!(
        SharedFeatures
            .check(&p, &flow_engine::ConnectedPorts::new(["weights"]))
            .unwrap_err()
            .to_string()
            .contains("`neurons`")
    );
    let p = params(&SharedFeatures, &[("top", ParamValue::Int(0))]);
    assert!(
        SharedFeatures
            .check(&p, &flow_engine::ConnectedPorts::new(["weights"]))
            .is_err()
    );
}

#[test]
fn each_neuron_gets_its_top_objects_ranked_by_the_prediction() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let objects = images("object", 6, 9);
    let out = run(
        &SharedFeatures,
        inputs(dir.path(), lasso(LATENTS), &objects),
        &[neurons("best:2"), ("top", ParamValue::Int(3))],
    )
    .unwrap();
    let pairs = table(&out, "pairs");
    assert_eq!(pairs.num_rows(), 6);
    // best:2 by VE (0.5, 0.8, 0.2, 0.6): neurons 1 then 3.
    assert_eq!(
        texts(&pairs, "neuron_id"),
        vec!["n001", "n001", "n001", "n003", "n003", "n003"]
    );
    let r = f64s(&pairs, "r_object");
    for k in [0, 1, 3, 4] {
        assert!(r[k] >= r[k + 1], "ranks out of order: {r:?}");
    }
    // Every referenced face exists; four maps per pair.
    assert!(
        texts(&pairs, "reference_id")
            .iter()
            .all(|f| f.starts_with("face"))
    );
    let maps = ImageSet::from_table(&table(&out, "maps"), "maps").unwrap();
    assert_eq!(maps.len(), 6 * 4);
    assert_eq!(
        texts(&pairs, "shared_map")[0],
        format!("n001-{}-shared", texts(&pairs, "object_id")[0])
    );
}

#[test]
fn the_same_inputs_give_the_same_maps() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let objects = images("object", 5, 9);
    let go = || {
        let out = run(
            &SharedFeatures,
            inputs(dir.path(), lasso(LATENTS), &objects),
            &[neurons("0, 2")],
        )
        .unwrap();
        (table(&out, "pairs"), table(&out, "maps"))
    };
    assert_eq!(go(), go());
}

#[test]
fn the_readout_weighting_makes_the_shared_map_the_plain_gradient_map() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let objects = images("object", 4, 9);
    let out = run(
        &SharedFeatures,
        inputs(dir.path(), lasso(LATENTS), &objects),
        &[
            neurons("0"),
            ("weighting", ParamValue::Str("readout".into())),
            ("map", ParamValue::Str("signed".into())),
        ],
    )
    .unwrap();
    let maps = ImageSet::from_table(&table(&out, "maps"), "maps").unwrap();
    let by_id = |id: &str| {
        maps.image(maps.ids.iter().position(|m| m == id).unwrap())
            .to_vec()
    };
    let pairs = table(&out, "pairs");
    let (shared, gradient) = (texts(&pairs, "shared_map"), texts(&pairs, "gradient_map"));
    for (s, g) in shared.iter().zip(&gradient) {
        let (a, b) = (by_id(s), by_id(g));
        assert!(a.iter().any(|&v| (v - 0.5).abs() > 1e-3), "an empty map");
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{s} and {g} differ: {x} vs {y}");
        }
    }
}

#[test]
fn with_masks_every_object_map_is_scored_and_chance_is_the_mask_area() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let objects = images("object", 5, 9);
    let out = run(
        &SharedFeatures,
        inputs(dir.path(), lasso(LATENTS), &objects)
            .table("masks", masks(&objects).to_table().unwrap()),
        &[neurons("0")],
    )
    .unwrap();
    let pairs = table(&out, "pairs");
    assert!(f64s(&pairs, "mask_fraction").iter().all(|&f| f == 0.25));
    for m in ["shared_mass", "gradient_mass", "random_mass"] {
        assert!(
            f64s(&pairs, m).iter().all(|v| (0.0..=1.0).contains(v)),
            "{m} outside [0, 1]"
        );
    }
    for m in ["shared_pointing", "gradient_pointing", "random_pointing"] {
        assert!(pairs.column_by_name(m).is_some(), "no {m}");
    }
}

#[test]
fn masks_missing_an_object_are_refused_naming_it() {
    let dir = model(ModelKind::BetaVae { beta: 4.0 });
    let objects = images("object", 3, 9);
    let mut partial = masks(&objects);
    partial.ids[2] = "other".into();
    let e = refused(
        inputs(dir.path(), lasso(LATENTS), &objects).table("masks", partial.to_table().unwrap()),
        &[neurons("0")],
    );
    assert!(e.contains("input `masks`") && e.contains("object02"), "{e}");
}

#[test]
fn integrated_gradients_add_up_to_the_change_from_the_baseline() {
    use flow_models::{ImageArray, encode};
    use flow_stages::analysis::shared_features::maps::{Attribution, attribute};
    let spec = spec(ModelKind::BetaVae { beta: 4.0 });
    let device = Device::flex().autodiff();
    let network = Network::new(&spec.shape(), 3, &device);
    let x = images("object", 1, 4).pixels;
    let w = [0.8f32, -0.5, 1.2];
    let baseline = 1.0f32;
    let a = attribute(
        &network,
        &spec,
        &device,
        &x,
        &w,
        Attribution::Integrated {
            steps: 256,
            baseline,
        },
        &|_, _| {},
    );
    let s = |img: &[f32]| -> f64 {
        let z = encode(
            &network,
            &spec,
            &ImageArray {
                pixels: img,
                area: SIDE * SIDE,
            },
            &device,
        );
        z.iter().zip(&w).map(|(&z, &w)| z as f64 * w as f64).sum()
    };
    let change = s(&x) - s(&vec![baseline; SIDE * SIDE]);
    let total: f64 = a.iter().map(|&v| v as f64).sum();
    assert!(
        change.abs() > 1e-3,
        "the readout must change along the path"
    );
    assert!(
        (total - change).abs() <= 0.02 * change.abs(),
        "Σ attributions {total} against S(x) − S(baseline) {change}"
    );
}
