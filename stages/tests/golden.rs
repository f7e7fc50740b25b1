//! Golden tests: the analysis stages on the shared reference cases (shared/cases, copied into
//! tests/data/cases), every docs/METHODS.md output field to 1e-9 absolute (p-values 1e-9 relative).

mod common;

use common::*;
use flow_engine::{Artifact, ParamValue};
use flow_stages::analysis;
use serde_json::{Value, json};

const LASSO_FIELDS: &[&str] = &[
    "ve",
    "ve_mean",
    "ve_median",
    "coef",
    "intercept",
    "alpha_1se",
    "index_1se",
    "index_min",
    "threshold",
    "alphas",
    "cv_mse",
    "cv_se",
    "informative",
    "n_train",
    "n_test",
    "n_folds",
];

fn one_to_one_lasso() -> Value {
    let inputs = In::new()
        .table("units", npy("one_to_one", "X"))
        .table("responses", npy("one_to_one", "Y"))
        .table("split", one_to_one_split());
    result(&analysis::lasso_ve::LassoVe, inputs, &[])
}

#[test]
fn lasso_ve_one_to_one_every_field() {
    let got = one_to_one_lasso();
    let want = expected("one_to_one", "expected_lasso_ve.json");
    assert_fields(&got, &want, LASSO_FIELDS);
    assert_eq!(got["unpolished_solutions"], json!(0));
}

#[test]
fn alignment_one_to_one_from_the_lasso_result() {
    let lasso = one_to_one_lasso();
    let got = result(
        &analysis::alignment::Alignment,
        In::new().json("lasso", lasso),
        &[],
    );
    let want = expected("one_to_one", "expected_alignment.json");
    assert_fields(&got, &want, &["alignment", "C_j", "H_j", "rho_j", "D"]);
}

#[test]
fn alignment_hand_case_from_a_weight_table() {
    let got = result(
        &analysis::alignment::Alignment,
        In::new().table("weights", npy("alignment_hand", "W")),
        &[],
    );
    let want = expected("alignment_hand", "expected_alignment.json");
    assert_fields(&got, &want, &["alignment", "C_j", "H_j", "rho_j", "D"]);
}

#[test]
fn mixture_artificial_case() {
    let inputs = In::new()
        .table("responses", npy("artificial_mixture", "Y"))
        .table("mixing", npy("artificial_mixture", "A"));
    let outs = run(&analysis::mixture::Mixture, inputs, &[]).expect("ran");
    let Some(Artifact::Json(got)) = outs.get("result") else {
        panic!("no result")
    };
    let want = expected("artificial_mixture", "expected_mixture.json");
    assert_fields(got, &want, &["A_normalised"]);
    // The reference file names the mixed responses `Y_mixed`; docs/METHODS.md names them `mixed`.
    assert_close(&got["mixed"], &want["Y_mixed"], "mixed", 1e-9);
    let Some(Artifact::Table(t)) = outs.get("mixed") else {
        panic!("no mixed table")
    };
    assert_eq!((t.num_rows(), t.num_columns()), (400, 20));
}

#[test]
fn corr_ratio_one_to_one() {
    let inputs = In::new()
        .table("units", npy("one_to_one", "X"))
        .table("responses", npy("one_to_one", "Y"));
    let got = result(&analysis::corr_ratio::CorrRatio, inputs, &[]);
    let want = expected("one_to_one", "expected_corr_ratio.json");
    assert_fields(
        &got,
        &want,
        &[
            "abs_corr",
            "ratio",
            "best_unit",
            "unique_units",
            "unit_best_ratio",
            "avg_corr_ratio",
            "mean_ratio_all_neurons",
            "unit_proportion",
            "informative",
        ],
    );
}

fn decode_inputs() -> In {
    let shared = npy_array("one_to_one", "train")
        .data
        .iter()
        .map(|&v| v != 0.0)
        .collect();
    In::new()
        .table("units", npy("one_to_one", "X"))
        .table("responses", npy("one_to_one", "Y"))
        .table("split", table(vec![("shared", bools(shared))]))
}

#[test]
fn decode_one_to_one_signed_cost() {
    let got = result(&analysis::decode::Decode, decode_inputs(), &[]);
    let want = expected("one_to_one", "expected_decoding.json");
    assert_fields(
        &got,
        &want,
        &[
            "corr",
            "match_unit",
            "match_neuron",
            "match_cost",
            "slope",
            "intercept",
            "cosine_distance",
            "mean_cosine_distance",
        ],
    );
}

#[test]
fn decode_abs_corr_matches_each_unit_to_its_own_neurons() {
    let signed = result(&analysis::decode::Decode, decode_inputs(), &[]);
    let abs = result(
        &analysis::decode::Decode,
        decode_inputs(),
        &[("abs_corr", ParamValue::Bool(true))],
    );
    // Each neuron j is unit j % 10 plus noise: with |D| every unit gets one of its own neurons.
    let units: Vec<u64> = abs["match_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let neurons: Vec<u64> = abs["match_neuron"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    for (u, n) in units.iter().zip(&neurons) {
        assert_eq!(n % 10, *u, "unit {u} matched to neuron {n}");
    }
    // Every slope is then large in magnitude and the decoding is better than with signed costs.
    assert!(
        abs["slope"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.as_f64().unwrap().abs() > 0.8)
    );
    assert!(
        abs["mean_cosine_distance"].as_f64().unwrap()
            < signed["mean_cosine_distance"].as_f64().unwrap()
    );
    assert!(abs["match_cost"].as_f64().unwrap() < signed["match_cost"].as_f64().unwrap());
}

#[test]
fn welch_51_50() {
    let inputs = In::new()
        .table("a", npy("welch_51_50", "a"))
        .table("b", npy("welch_51_50", "b"));
    let got = result(&analysis::welch::WelchTest, inputs, &[]);
    let want = expected("welch_51_50", "expected_welch.json");
    assert_fields(
        &got,
        &want,
        &["t", "p", "df", "mean_a", "mean_b", "n_a", "n_b"],
    );
}

fn udr_inputs() -> In {
    let reps = npy_array("udr_disentangled", "reps");
    let kl = npy_array("udr_disentangled", "kl");
    let (m, n, l) = (reps.shape[0], reps.shape[1], reps.shape[2]);
    let mut inputs = In::new();
    for i in 0..m {
        inputs = inputs.table(
            "latents",
            f64_matrix(n, l, &reps.data[i * n * l..(i + 1) * n * l]),
        );
    }
    for i in 0..m {
        inputs = inputs.table("kl", f64_matrix(l, 1, &kl.data[i * l..(i + 1) * l]));
    }
    inputs
}

#[test]
fn udr_disentangled_three_variants() {
    let got = result(&analysis::udr::Udr, udr_inputs(), &[]);
    let want = expected("udr_disentangled", "expected_udr.json");
    assert_fields(
        &got,
        &want,
        &["informative", "library", "paper_filtered", "paper_literal"],
    );
}

#[test]
fn udr_accepts_one_kl_table_for_all_models() {
    let reps = npy_array("udr_disentangled", "reps");
    let (m, n, l) = (reps.shape[0], reps.shape[1], reps.shape[2]);
    let mut inputs = In::new();
    for i in 0..m {
        inputs = inputs.table(
            "latents",
            f64_matrix(n, l, &reps.data[i * n * l..(i + 1) * n * l]),
        );
    }
    inputs = inputs.table("kl", npy("udr_disentangled", "kl"));
    let got = result(&analysis::udr::Udr, inputs, &[]);
    let want = expected("udr_disentangled", "expected_udr.json");
    assert_fields(&got, &want, &["library"]);
}
