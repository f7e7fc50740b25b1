//! `lasso-ve` in-process: its params change the result as documented, the split's `train`
//! column may be omitted, and all-zero fits and no informative units give the documented
//! results.

mod common;

use common::*;
use flow_engine::ParamValue;
use flow_stages::analysis;
use serde_json::{Value, json};

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
