//! The analysis stages in-process, rows matched by image id: inputs in different orders with
//! extra images give the positional result, and a missing image is named.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use common::*;
use flow_stages::analysis;

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
