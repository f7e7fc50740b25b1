//! The analysis stages in-process: the gathering stages (ve-filter, udr-select, stats,
//! neuron-subsets), image-id joins, params, and every bad input named before any work.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use common::*;
use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, ParamValue};
use flow_stages::analysis;
use serde_json::{Value, json};

fn one_to_one_inputs() -> In {
    In::new()
        .table("units", npy("one_to_one", "X"))
        .table("responses", npy("one_to_one", "Y"))
        .table("split", one_to_one_split())
}

fn err(kind: &dyn flow_engine::StageKind, inputs: In, sets: &[(&str, ParamValue)]) -> String {
    run(kind, inputs, sets).expect_err("should fail")
}

/// A column of `t` replaced by `values` (f64).
fn with_column(
    t: &arrow_array::RecordBatch,
    j: usize,
    values: Vec<f64>,
) -> arrow_array::RecordBatch {
    let mut cols: Vec<ArrayRef> = t.columns().to_vec();
    cols[j] = floats(values);
    arrow_array::RecordBatch::try_new(t.schema(), cols).unwrap()
}

/// Prepends an `image_id` column "img<k>" for k in `ids`.
fn with_ids(t: &arrow_array::RecordBatch, ids: &[usize]) -> arrow_array::RecordBatch {
    let mut cols: Vec<(String, ArrayRef)> = vec![(
        "image_id".to_string(),
        Arc::new(StringArray::from_iter_values(
            ids.iter().map(|k| format!("img{k}")),
        )) as ArrayRef,
    )];
    for (f, c) in t.schema().fields().iter().zip(t.columns()) {
        cols.push((f.name().clone(), c.clone()));
    }
    table(cols.iter().map(|(n, c)| (n.as_str(), c.clone())).collect())
}

fn take(t: &arrow_array::RecordBatch, rows: &[usize]) -> arrow_array::RecordBatch {
    let idx = arrow_array::UInt32Array::from(rows.iter().map(|&r| r as u32).collect::<Vec<_>>());
    let cols: Vec<ArrayRef> = t
        .columns()
        .iter()
        .map(|c| arrow_select_take(c, &idx))
        .collect();
    arrow_array::RecordBatch::try_new(t.schema(), cols).unwrap()
}

fn arrow_select_take(c: &ArrayRef, idx: &arrow_array::UInt32Array) -> ArrayRef {
    // A small take for f64/bool/int/string columns (no arrow-select dependency needed).
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    let rows: Vec<usize> = idx.values().iter().map(|&i| i as usize).collect();
    match c.data_type() {
        arrow_schema::DataType::Float64 => floats(
            rows.iter()
                .map(|&r| c.as_primitive::<Float64Type>().value(r))
                .collect(),
        ),
        arrow_schema::DataType::Int64 => ints(
            rows.iter()
                .map(|&r| c.as_primitive::<Int64Type>().value(r))
                .collect(),
        ),
        arrow_schema::DataType::Boolean => {
            bools(rows.iter().map(|&r| c.as_boolean().value(r)).collect())
        }
        arrow_schema::DataType::Utf8 => Arc::new(StringArray::from_iter_values(
            rows.iter()
                .map(|&r| c.as_string::<i32>().value(r).to_string()),
        )),
        other => panic!("take: {other} (len {})", c.len()),
    }
}

// ---- image ids ----

#[test]
fn lasso_ve_joins_units_and_split_on_image_id() {
    // The responses in reverse order with ids; units and split shuffled differently, with
    // extra rows that have no responses: the result equals the plain positional one.
    let n = 400;
    let plain = result(&analysis::lasso_ve::LassoVe, one_to_one_inputs(), &[]);
    let rev: Vec<usize> = (0..n).rev().collect();
    let responses = with_ids(&take(&npy("one_to_one", "Y"), &rev), &rev);
    let perm: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % n).collect();
    let units = with_ids(&take(&npy("one_to_one", "X"), &perm), &perm);
    let split = with_ids(&take(&one_to_one_split(), &perm), &perm);
    let got = result(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", units)
            .table("responses", responses)
            .table("split", split),
        &[],
    );
    for f in [
        "ve_mean",
        "coef",
        "alphas",
        "index_1se",
        "n_train",
        "n_test",
    ] {
        assert_close(&got[f], &plain[f], f, 1e-12);
    }
}

#[test]
fn a_missing_image_is_named() {
    let ids: Vec<usize> = (0..400).collect();
    let responses = with_ids(&npy("one_to_one", "Y"), &ids);
    let units = with_ids(&take(&npy("one_to_one", "X"), &ids[1..]), &ids[1..]);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", units)
            .table("responses", responses)
            .table("split", with_ids(&one_to_one_split(), &ids)),
        &[],
    );
    assert!(e.contains("input `units`") && e.contains("img0"), "{e}");
}

// ---- bad inputs, each named before any work ----

#[test]
fn lasso_ve_mismatched_rows() {
    let units = take(&npy("one_to_one", "X"), &(0..399).collect::<Vec<_>>());
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", units)
            .table("responses", npy("one_to_one", "Y"))
            .table("split", one_to_one_split()),
        &[],
    );
    assert!(
        e.contains("input `units`") && e.contains("399 rows") && e.contains("400"),
        "{e}"
    );
    let split = take(&one_to_one_split(), &(0..300).collect::<Vec<_>>());
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", split),
        &[],
    );
    assert!(e.contains("input `split`") && e.contains("300 rows"), "{e}");
}

#[test]
fn lasso_ve_zero_variance_neuron_is_named() {
    let y = with_column(&npy("one_to_one", "Y"), 7, vec![2.5; 400]);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", y)
            .table("split", one_to_one_split()),
        &[],
    );
    assert!(
        e.contains("input `responses`") && e.contains("neuron 7") && e.contains("zero variance"),
        "{e}"
    );
}

#[test]
fn lasso_ve_split_without_test_images_or_folds() {
    let all_train = table(vec![
        ("train", bools(vec![true; 400])),
        ("fold", ints((0..400).map(|i| i % 10).collect())),
    ]);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", all_train),
        &[],
    );
    assert!(
        e.contains("input `split`") && e.contains("no test images"),
        "{e}"
    );
    let one_fold = table(vec![
        ("train", bools((0..400).map(|i| i % 10 != 0).collect())),
        ("fold", ints(vec![3; 400])),
    ]);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", one_fold),
        &[],
    );
    assert!(
        e.contains("input `split`") && e.contains("at least 2 folds"),
        "{e}"
    );
    let no_fold = table(vec![("train", bools(vec![true; 400]))]);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", no_fold),
        &[],
    );
    assert!(e.contains("no `fold` column"), "{e}");
}

#[test]
fn nan_inputs_are_named() {
    let mut x: Vec<f64> = (0..400).map(f64::from).collect();
    x[17] = f64::NAN;
    let units = with_column(&npy("one_to_one", "X"), 3, x);
    let e = err(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", units.clone())
            .table("responses", npy("one_to_one", "Y"))
            .table("split", one_to_one_split()),
        &[],
    );
    assert!(
        e.contains("input `units`")
            && e.contains("column `3`")
            && e.contains("row 17")
            && e.contains("NaN"),
        "{e}"
    );
    let e = err(
        &analysis::corr_ratio::CorrRatio,
        In::new()
            .table("units", units.clone())
            .table("responses", npy("one_to_one", "Y")),
        &[],
    );
    assert!(e.contains("input `units`") && e.contains("NaN"), "{e}");
    let e = err(
        &analysis::decode::Decode,
        In::new()
            .table("units", units)
            .table("responses", npy("one_to_one", "Y"))
            .table("split", table(vec![("shared", bools(vec![true; 400]))])),
        &[],
    );
    assert!(e.contains("NaN"), "{e}");
}

#[test]
fn decode_and_corr_ratio_bad_inputs() {
    let e = err(
        &analysis::decode::Decode,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", table(vec![("shared", bools(vec![true; 400]))])),
        &[],
    );
    assert!(
        e.contains("input `split`") && e.contains("no held-out images"),
        "{e}"
    );
    let y = with_column(&npy("one_to_one", "Y"), 4, vec![1.0; 400]);
    let e = err(
        &analysis::corr_ratio::CorrRatio,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", y),
        &[],
    );
    assert!(e.contains("neuron 4") && e.contains("zero variance"), "{e}");
    let units = take(&npy("one_to_one", "X"), &(0..10).collect::<Vec<_>>());
    let e = err(
        &analysis::corr_ratio::CorrRatio,
        In::new()
            .table("units", units)
            .table("responses", npy("one_to_one", "Y")),
        &[],
    );
    assert!(e.contains("input `units`") && e.contains("10 rows"), "{e}");
}

#[test]
fn welch_udr_mixture_bad_inputs() {
    let e = err(
        &analysis::welch::WelchTest,
        In::new()
            .table("a", table(vec![("0", floats(vec![1.0]))]))
            .table("b", npy("welch_51_50", "b")),
        &[],
    );
    assert!(e.contains("input `a`") && e.contains("at least 2"), "{e}");
    let e = err(
        &analysis::mixture::Mixture,
        In::new()
            .table("responses", npy("artificial_mixture", "Y"))
            .table("mixing", f64_matrix(3, 3, &[1.0; 9])),
        &[],
    );
    assert!(e.contains("input `mixing`") && e.contains("20 × 20"), "{e}");
    let inputs = In::new()
        .table(
            "latents",
            f64_matrix(4, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
        )
        .table("latents", f64_matrix(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
        .table("kl", f64_matrix(2, 1, &[1.0, 1.0]))
        .table("kl", f64_matrix(2, 1, &[1.0, 1.0]));
    let e = err(&analysis::udr::Udr, inputs, &[]);
    assert!(
        e.contains("input `latents`") && e.contains("model 1 has 3 images"),
        "{e}"
    );
    let inputs = In::new()
        .table(
            "latents",
            f64_matrix(4, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
        )
        .table("kl", f64_matrix(3, 1, &[1.0; 3]));
    let e = err(&analysis::udr::Udr, inputs, &[]);
    assert!(
        e.contains("input `kl`") && e.contains("3 KL values but 2 latents"),
        "{e}"
    );
}

// ---- params ----

#[test]
fn lasso_ve_params_change_the_result_as_documented() {
    let base = result(&analysis::lasso_ve::LassoVe, one_to_one_inputs(), &[]);
    // Fewer alphas: the grid has that many points, from the same alpha_max.
    let few = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs(),
        &[
            ("n_alphas", ParamValue::Int(20)),
            ("eps", ParamValue::Float(0.01)),
        ],
    );
    assert_eq!(few["alphas"][0].as_array().unwrap().len(), 20);
    assert_close(
        &few["alphas"][0][0],
        &base["alphas"][0][0],
        "alpha_max",
        1e-15,
    );
    // No zeroing: every unit enters (the collapsed ones too).
    let all = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs(),
        &[("zero_uninformative", ParamValue::Bool(false))],
    );
    assert_eq!(all["informative"], json!(vec![true; 12]));
    assert_eq!(
        base["informative"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b.as_bool().unwrap())
            .count(),
        10
    );
    // A given mask replaces the variance rule.
    let mask = table(vec![(
        "informative",
        bools((0..12).map(|u| u < 5).collect()),
    )]);
    let masked = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs().table("informative", mask),
        &[],
    );
    let coef = masked["coef"].as_array().unwrap();
    assert!(coef[5..].iter().all(|row| {
        row.as_array()
            .unwrap()
            .iter()
            .all(|w| w.as_f64().unwrap() == 0.0)
    }));
    // Standardising with the training images only changes the fit a little, not the shape.
    let train = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs(),
        &[("standardize", ParamValue::Str("train".into()))],
    );
    assert!((train["ve_mean"].as_f64().unwrap() - base["ve_mean"].as_f64().unwrap()).abs() < 0.02);
    // se_ddof = 0 gives a smaller SE, so a threshold no higher.
    let d0 = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs(),
        &[("se_ddof", ParamValue::Int(0))],
    );
    for j in 0..20 {
        assert!(
            d0["threshold"][j].as_f64().unwrap() <= base["threshold"][j].as_f64().unwrap() + 1e-15
        );
        assert!(d0["index_1se"][j].as_u64().unwrap() >= base["index_1se"][j].as_u64().unwrap());
    }
}

#[test]
fn lasso_ve_train_column_may_be_omitted() {
    let fold = npy_array("one_to_one", "folds")
        .data
        .iter()
        .map(|&v| v as i64)
        .collect();
    let split = table(vec![("fold", ints(fold))]);
    let got = result(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", npy("one_to_one", "Y"))
            .table("split", split),
        &[],
    );
    assert_fields(
        &got,
        &expected("one_to_one", "expected_lasso_ve.json"),
        &["ve", "coef", "n_train", "n_test", "n_folds"],
    );
}

#[test]
fn lasso_ve_all_zero_fits_give_null_entropy_and_zero_alignment() {
    // Neurons of pure noise, independent of the units: the 1-SE rule picks all-zero fits for
    // most of them; their alignment terms are C_j = 0 and H_j = null.
    let mut s = 99u64;
    let noise: Vec<f64> = (0..400 * 3)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let y = f64_matrix(400, 3, &noise);
    let lasso = result(
        &analysis::lasso_ve::LassoVe,
        In::new()
            .table("units", npy("one_to_one", "X"))
            .table("responses", y)
            .table("split", one_to_one_split()),
        &[],
    );
    let a = result(
        &analysis::alignment::Alignment,
        In::new().json("lasso", lasso.clone()),
        &[],
    );
    let zero_fits: Vec<usize> = (0..3)
        .filter(|&j| {
            lasso["coef"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r[j].as_f64().unwrap() == 0.0)
        })
        .collect();
    assert!(
        !zero_fits.is_empty(),
        "pure noise should give at least one all-zero 1-SE fit: {}",
        lasso["coef"]
    );
    for j in zero_fits {
        assert_eq!(
            lasso["index_1se"][j],
            json!(0),
            "an all-zero 1-SE fit is the largest alpha"
        );
        assert_eq!(a["H_j"][j], Value::Null);
        assert_eq!(a["C_j"][j], json!(0.0));
        assert!(lasso["ve"][j].as_f64().unwrap() <= 0.0);
    }
}

// ---- gathering stages ----

/// (node name, sweep coordinates, JSON result) of one gathered input.
type Gathered<'a> = (&'a str, Vec<(&'a str, ParamValue)>, Value);

fn gathered(port: &str, items: Vec<Gathered>) -> In {
    let mut inputs = In::new();
    for (node, coords, v) in items {
        inputs
            .inputs
            .ports
            .entry(port.to_string())
            .or_default()
            .push(InputArtifact {
                node: node.to_string(),
                coords: coords
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                artifact: Artifact::Json(v),
            });
    }
    inputs
}

#[test]
fn ve_filter_keeps_models_above_mean_minus_sd() {
    let items = [0.30, 0.50, 0.55, 0.60, 0.05]
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            (
                "lasso",
                vec![("seed", ParamValue::Int(i as i64))],
                json!({ "ve_mean": v }),
            )
        })
        .collect();
    let got = result(
        &analysis::ve_filter::VeFilter,
        gathered("lasso", items),
        &[],
    );
    // mean 0.4, population sd √0.041 → threshold 0.1975: all but the last.
    assert_close(
        &got["threshold"],
        &json!(0.4 - 0.041f64.sqrt()),
        "threshold",
        1e-12,
    );
    assert_close(&got["sd"], &json!(0.041f64.sqrt()), "sd", 1e-12);
    assert_eq!(got["kept"], json!([0, 1, 2, 3]));
    assert_eq!(got["models"][4]["kept"], json!(false));
    assert_eq!(got["models"][1]["coords"], json!({ "seed": 1 }));
}

#[test]
fn udr_select_takes_the_top_fraction_across_groups() {
    let udr = |scores: Vec<f64>, beta: f64| {
        json!({
            "library": { "model_scores": scores, "pairwise": [] },
            "models": (0..scores.len()).map(|s| json!({ "node": format!("bvae[beta={beta},seed={s}]"), "coords": { "beta": beta, "seed": s } })).collect::<Vec<_>>(),
        })
    };
    let items = vec![
        (
            "udr",
            vec![("beta", ParamValue::Float(1.0))],
            udr(vec![0.1, 0.9, 0.2, 0.3, 0.4], 1.0),
        ),
        (
            "udr",
            vec![("beta", ParamValue::Float(2.0))],
            udr(vec![0.8, 0.5, 0.6, 0.7, 0.05], 2.0),
        ),
    ];
    let got = result(
        &analysis::udr_select::UdrSelect,
        gathered("udr", items),
        &[("fraction", ParamValue::Float(0.2))],
    );
    let sel: Vec<(u64, u64)> = got["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["group"].as_u64().unwrap(), r["index"].as_u64().unwrap()))
        .collect();
    assert_eq!(sel, vec![(0, 1), (1, 0)]);
    assert_eq!(
        got["selected"][1]["coords"],
        json!({ "beta": 2.0, "seed": 0 })
    );
    assert_close(&got["threshold"], &json!(0.8), "threshold", 0.0);
}

#[test]
fn stats_welch_between_classes_and_spearman_udr_vs_alignment() {
    let bvae = [0.9, 0.85, 0.8, 0.95];
    let ae = [0.5, 0.6, 0.55];
    let mut items = Vec::new();
    for (s, &a) in bvae.iter().enumerate() {
        items.push((
            "align_bvae",
            vec![
                ("beta", ParamValue::Float(2.0)),
                ("seed", ParamValue::Int(s as i64)),
            ],
            json!({ "alignment": a, "D": 10 }),
        ));
    }
    for (s, &a) in ae.iter().enumerate() {
        items.push((
            "align_ae",
            vec![("seed", ParamValue::Int(s as i64))],
            json!({ "alignment": a }),
        ));
    }
    let mut inputs = gathered("scores", items);
    let udr = json!({
        "library": { "model_scores": [0.7, 0.6, 0.5, 0.8] },
        "models": (0..4).map(|s| json!({ "node": format!("bvae[beta=2,seed={s}]"), "coords": { "beta": 2.0, "seed": s } })).collect::<Vec<_>>(),
    });
    inputs.inputs.ports.insert(
        "udr".into(),
        vec![InputArtifact {
            node: "udr[beta=2]".into(),
            coords: vec![("beta".into(), ParamValue::Float(2.0))],
            artifact: Artifact::Json(udr),
        }],
    );
    let outs = run(&analysis::stats::Stats, inputs, &[]).expect("stats ran");
    let Some(Artifact::Table(t)) = outs.get("result") else {
        panic!("no table")
    };
    let rows = flow_tableio::batch_to_json_rows(t).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["test"], json!("welch"));
    assert_eq!(
        (rows[0]["class_a"].as_str(), rows[0]["class_b"].as_str()),
        (Some("align_bvae"), Some("align_ae"))
    );
    // Computed independently (Python): t = 0.325 / √(0.0125/12 + 0.005/6), ν = 4.959…, and
    // p = I_{ν/(ν+t²)}(ν/2, ½) by Simpson's rule on 2·10⁶ intervals.
    assert_close(&rows[0]["statistic"], &json!(7.505553499465136), "t", 1e-12);
    let p = rows[0]["p"].as_f64().unwrap();
    assert!((p / 0.0006882176018913325 - 1.0).abs() < 1e-8, "p = {p}");
    // UDR (0.7, 0.6, 0.5, 0.8) vs alignment (0.9, 0.85, 0.8, 0.95): perfectly monotone.
    assert_eq!(rows[1]["test"], json!("spearman"));
    assert_eq!(rows[1]["n_a"], json!(4));
    assert_close(&rows[1]["statistic"], &json!(1.0), "rho", 1e-15);
    assert_eq!(rows[1]["p"], json!(0.0));
}

#[test]
fn neuron_subsets_draws_and_scores_each_subset() {
    let inputs = In::new()
        .table("responses", npy("one_to_one", "Y"))
        .table("split", one_to_one_split());
    let got = result(
        &analysis::neuron_subsets::NeuronSubsets,
        inputs,
        &[
            ("n_sizes", ParamValue::Int(2)),
            ("per_size", ParamValue::Int(2)),
            ("min_size", ParamValue::Int(3)),
            ("max_size", ParamValue::Int(6)),
        ],
    );
    let sizes: Vec<u64> = got["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 2);
    assert!(sizes.iter().all(|s| (3..=6).contains(s)) && sizes[0] != sizes[1]);
    assert_eq!(got["subsets"].as_array().unwrap().len(), 4);
    for (k, a) in got["alignment"].as_array().unwrap().iter().enumerate() {
        let a = a.as_f64().unwrap();
        assert!(a > 0.0 && a <= 1.0 + 1e-12, "subset {k}: {a}");
        assert_eq!(
            got["subsets"][k].as_array().unwrap().len() as u64,
            sizes[k / 2]
        );
    }
    // The whole population explaining itself: every neuron is its own best predictor.
    let inputs = In::new()
        .table("responses", npy("one_to_one", "Y"))
        .table("split", one_to_one_split());
    let itself = result(
        &analysis::neuron_subsets::NeuronSubsets,
        inputs,
        &[
            ("sizes", ParamValue::List(vec![ParamValue::Int(20)])),
            ("per_size", ParamValue::Int(1)),
        ],
    );
    assert!(
        itself["ve_mean"][0].as_f64().unwrap() > 0.999,
        "{}",
        itself["ve_mean"]
    );
}

#[test]
fn lasso_ve_without_informative_units_fits_intercepts_only() {
    // No unit passes the threshold: every column is zeroed, alpha_max = 0, the grid is 1e-15
    // everywhere (METHODS §1.4) and every fit is the intercept alone.
    let got = result(
        &analysis::lasso_ve::LassoVe,
        one_to_one_inputs(),
        &[("var_threshold", ParamValue::Float(100.0))],
    );
    assert_eq!(got["informative"], json!(vec![false; 12]));
    assert!(
        got["alphas"][0]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_f64() == Some(1e-15))
    );
    assert!(
        got["coef"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap())
            .all(|w| w.as_f64() == Some(0.0))
    );
    assert_eq!(got["index_1se"], json!(vec![0; 20]));
    assert_eq!(got["index_min"], json!(vec![0; 20]));
    assert!(
        got["ve"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.as_f64().unwrap() <= 0.0)
    );
    let a = result(
        &analysis::alignment::Alignment,
        In::new().json("lasso", got),
        &[],
    );
    assert_eq!(a["alignment"], json!(0.0));
}
