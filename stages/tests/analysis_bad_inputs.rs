//! The analysis stages in-process: every bad input (mismatched rows, zero-variance neurons,
//! splits without test images or folds, NaN, bad tables) named before any work.

mod common;

use arrow_array::ArrayRef;
use common::*;
use flow_stages::analysis;

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
