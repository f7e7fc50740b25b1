//! The gathering analysis stages in-process (ve-filter, udr-select, stats, neuron-subsets): each
//! on results gathered over a sweep.

mod common;

use common::*;
use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, ParamValue};
use flow_stages::analysis;
use serde_json::{Value, json};

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
fn select_by_udr_takes_the_top_fraction_across_groups() {
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
    let (got, table) = select(
        gathered("udr", items),
        &[
            ("metric", ParamValue::Str("library".into())),
            ("fraction", ParamValue::Float(0.2)),
        ],
    );
    // 10 scored × 0.2 = 2 models, pooled across the β values.
    assert_eq!(
        got["kept"],
        json!(["bvae[beta=1,seed=1]", "bvae[beta=2,seed=0]"])
    );
    assert_eq!(table.len(), 10);
    assert_eq!(table[5].0, "bvae[beta=2,seed=0]");
    assert_eq!(table[5].1, r#"{"beta":2.0,"seed":0}"#);
    assert!(table[5].2);
    assert_eq!(table[5].3, "rank 2 of 10 in group all: within the best 2");
}

/// `select` on gathered per-model results; the result and the table as (node, coords, metric,
/// kept, reason) rows.
fn select(inputs: In, sets: &[(&str, ParamValue)]) -> (Value, Vec<(String, String, bool, String)>) {
    let out = run(&analysis::select::Select, inputs, sets).expect("select ran");
    let Some(Artifact::Json(result)) = out.get("result") else {
        panic!("no result")
    };
    let Some(Artifact::Table(t)) = out.get("table") else {
        panic!("no table")
    };
    let rows = flow_tableio::batch_to_json_rows(t).unwrap();
    let rows = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["node"].as_str().unwrap().to_string(),
                r["coords"].as_str().unwrap().to_string(),
                r["kept"].as_bool().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (result.clone(), rows)
}

/// Per-model results of `stage` (nodes `STAGE-i`): (latents, seed, field value).
fn models(stage: &str, field: &str, rows: &[(i64, i64, Value)]) -> In {
    let mut inputs = In::new();
    for (i, (n, s, v)) in rows.iter().enumerate() {
        inputs
            .inputs
            .ports
            .entry("results".to_string())
            .or_default()
            .push(InputArtifact {
                node: format!("{stage}-{i}"),
                coords: vec![
                    ("latents".to_string(), ParamValue::Int(*n)),
                    ("seed".to_string(), ParamValue::Int(*s)),
                ],
                artifact: Artifact::Json(json!({ field: v })),
            });
    }
    inputs
}

#[test]
fn select_keeps_the_k_lowest_reconstruction_errors_per_n_with_ties_in_gathered_order() {
    let rows = [
        (10, 0, json!(5.0)),
        (10, 1, json!(3.0)),
        (10, 2, json!(3.0)), // ties with seed 1: the gathered order decides
        (10, 3, json!(4.0)),
        (20, 0, json!(9.0)),  // a group with fewer models than k: all kept
        (20, 1, Value::Null), // no score: never kept
    ];
    let (got, table) = select(
        models("ae", "reconstruction_error", &rows),
        &[
            ("metric", ParamValue::Str("reconstruction_error".into())),
            ("direction", ParamValue::Str("lower".into())),
            ("per", ParamValue::Str("latents".into())),
            ("keep", ParamValue::Str("count".into())),
            ("count", ParamValue::Int(2)),
        ],
    );
    assert_eq!(got["kept"], json!(["ae-1", "ae-2", "ae-4"]));
    let kept: Vec<bool> = table.iter().map(|r| r.2).collect();
    assert_eq!(kept, [false, true, true, false, true, false]);
    assert_eq!(table[3].3, "rank 3 of 4 in group 10: outside the best 2");
    assert_eq!(
        table[4].3,
        "group 20 has 1 scored models, not more than 2: all kept"
    );
    assert_eq!(table[5].3, "no score");
    assert_eq!(got["groups"]["10"], json!({ "models": 4, "kept": 2 }));
}

#[test]
fn select_keeps_the_highest_elbos_per_n() {
    let rows = [
        (10, 0, json!(-900.0)),
        (10, 1, json!(-800.0)),
        (10, 2, json!(-850.0)),
    ];
    let (got, _) = select(
        models("vae", "elbo", &rows),
        &[
            ("metric", ParamValue::Str("elbo".into())),
            ("per", ParamValue::Str("latents".into())),
            ("keep", ParamValue::Str("count".into())),
            ("count", ParamValue::Int(2)),
        ],
    );
    assert_eq!(got["kept"], json!(["vae-1", "vae-2"]));
}

#[test]
fn a_classifier_at_exactly_the_threshold_is_not_kept() {
    let rows = [
        (10, 0, json!(0.95)),
        (10, 1, json!(0.951)),
        (20, 0, json!(0.2)),
    ];
    let (got, table) = select(
        models("classifier", "accuracy", &rows),
        &[
            ("metric", ParamValue::Str("accuracy".into())),
            ("keep", ParamValue::Str("threshold".into())),
            ("threshold", ParamValue::Float(0.95)),
        ],
    );
    assert_eq!(got["kept"], json!(["classifier-1"]));
    assert_eq!(table[0].3, "accuracy 0.95 is not > 0.95");
    assert_eq!(table[1].3, "accuracy 0.951 is > 0.95");
}

#[test]
fn select_names_a_missing_field_and_a_missing_group_axis() {
    let rows = [(10, 0, json!(1.0))];
    let e = err(
        &analysis::select::Select,
        models("ae", "loss", &rows),
        &[("metric", ParamValue::Str("reconstruction_error".into()))],
    );
    assert!(
        e.contains("the result of ae-0 has no field `reconstruction_error`"),
        "{e}"
    );
    let e = err(
        &analysis::select::Select,
        models("ae", "loss", &rows),
        &[
            ("metric", ParamValue::Str("loss".into())),
            ("per", ParamValue::Str("beta".into())),
        ],
    );
    assert!(
        e.contains("ae-0 has no sweep coordinate `beta` to select per (it has: latents, seed)"),
        "{e}"
    );
}

/// `stats` on `inputs` with its default params: the rows of its table.
fn stats_rows(inputs: In) -> Vec<Value> {
    let outs = run(&analysis::stats::Stats, inputs, &[]).expect("stats ran");
    let Some(Artifact::Table(t)) = outs.get("result") else {
        panic!("no table")
    };
    match flow_tableio::batch_to_json_rows(t).unwrap() {
        Value::Array(rows) => rows,
        other => panic!("not rows: {other}"),
    }
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
    let rows = stats_rows(inputs);
    assert_eq!(rows.len(), 3, "{rows:?}");
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
    // One β, one group: the within-β correlation is the same ρ, on n − G − 1 = 2 df.
    assert_eq!(rows[2]["test"], json!("spearman_within"));
    assert_eq!(rows[2]["df"], json!(2.0));
    assert_close(&rows[2]["statistic"], &json!(1.0), "rho within", 1e-15);
}

#[test]
fn stats_leaves_out_the_models_selection_did_not_keep() {
    let mut items = Vec::new();
    for (s, &a) in [0.9, 0.85, 0.8, 0.2].iter().enumerate() {
        items.push((
            "align_bvae",
            vec![("seed", ParamValue::Int(s as i64))],
            json!({ "alignment": a }),
        ));
    }
    for (s, &a) in [0.5, 0.6, 0.55].iter().enumerate() {
        items.push((
            "align_ae",
            vec![("seed", ParamValue::Int(s as i64))],
            json!({ "alignment": a }),
        ));
    }
    let mut inputs = gathered("scores", items);
    // `select` dropped bvae seed 3; the AE rows belong to another class and stay.
    let selection = arrow_array::RecordBatch::try_from_iter([
        (
            "node",
            std::sync::Arc::new(arrow_array::StringArray::from(vec![
                "bvae[seed=3]",
                "bvae[seed=0]",
            ])) as arrow_array::ArrayRef,
        ),
        (
            "coords",
            std::sync::Arc::new(arrow_array::StringArray::from(vec![
                r#"{"seed":3}"#,
                r#"{"seed":0}"#,
            ])),
        ),
        (
            "kept",
            std::sync::Arc::new(arrow_array::BooleanArray::from(vec![false, true])),
        ),
    ])
    .unwrap();
    inputs.inputs.ports.insert(
        "selection".into(),
        vec![InputArtifact {
            node: "select_bvae".into(),
            coords: vec![],
            artifact: Artifact::Table(selection),
        }],
    );
    let row = &stats_rows(inputs)[0];
    assert_eq!(
        (row["n_a"].clone(), row["n_b"].clone()),
        (json!(3), json!(3)),
        "{row}"
    );
    assert_close(
        &row["mean_a"],
        &json!(0.85),
        "mean of the kept β-VAEs",
        1e-15,
    );
}

#[test]
fn stats_takes_each_element_of_a_list_field_as_one_value() {
    let items = vec![
        ("subsets", vec![], json!({ "alignment": [0.9, 0.8, 0.85] })),
        (
            "align_ae",
            vec![("seed", ParamValue::Int(0))],
            json!({ "alignment": 0.5 }),
        ),
        (
            "align_ae",
            vec![("seed", ParamValue::Int(1))],
            json!({ "alignment": 0.6 }),
        ),
    ];
    let row = &stats_rows(gathered("scores", items))[0];
    assert_eq!(
        (row["class_a"].as_str(), row["n_a"].clone()),
        (Some("subsets"), json!(3)),
        "{row}"
    );
    assert_close(&row["mean_a"], &json!(0.85), "mean of the subsets", 1e-15);
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
fn the_papers_sweep_sizes_give_the_papers_selection_counts() {
    // AE and VAE: 5 values of N × 20 seeds, the best 10 per N → 50 of 100 (the paper's "50").
    let rows: Vec<(i64, i64, Value)> = [10, 20, 30, 40, 50]
        .iter()
        .flat_map(|&n| (0..20).map(move |s| (n, s, json!(((n * 7 + s * 13) % 17) as f64))))
        .collect();
    let (ae, table) = select(
        models("ae", "reconstruction_error", &rows),
        &[
            ("metric", ParamValue::Str("reconstruction_error".into())),
            ("direction", ParamValue::Str("lower".into())),
            ("per", ParamValue::Str("latents".into())),
            ("keep", ParamValue::Str("count".into())),
            ("count", ParamValue::Int(10)),
        ],
    );
    assert_eq!(table.len(), 100);
    assert_eq!(ae["kept"].as_array().unwrap().len(), 50);
    // β-VAE: 40 β × 10 seeds scored by UDR, the top 15 % → ⌈0.15 × 400⌉ = 60 before the
    // variance-explained filter (the paper's 51 remain after it).
    let scores: Vec<f64> = (0..400).map(|i| ((i * 37) % 401) as f64 / 401.0).collect();
    let udr = json!({
        "library": { "model_scores": scores, "pairwise": [] },
        "models": (0..400).map(|i| json!({ "node": format!("bvae-{i}"), "coords": { "beta": i / 10, "seed": i % 10 } })).collect::<Vec<_>>(),
    });
    let (bvae, _) = select(
        gathered("udr", vec![("udr", vec![], udr)]),
        &[
            ("metric", ParamValue::Str("library".into())),
            ("fraction", ParamValue::Float(0.15)),
        ],
    );
    assert_eq!(bvae["kept"].as_array().unwrap().len(), 60);
}

#[test]
fn stats_refuses_two_results_for_one_udr_model_and_a_metric_that_is_not_a_number() {
    // Two stages' results carry the same coordinates: UDR model (β 2, seed 0) matches both.
    let items = ["align_a", "align_b"]
        .iter()
        .flat_map(|stage| {
            (0..2).map(move |s| {
                (
                    *stage,
                    vec![
                        ("beta", ParamValue::Float(2.0)),
                        ("seed", ParamValue::Int(s)),
                    ],
                    json!({ "alignment": 0.5 + s as f64 / 10.0 }),
                )
            })
        })
        .collect();
    let mut inputs = gathered("scores", items);
    let udr = json!({
        "library": { "model_scores": [0.7, 0.6] },
        "models": (0..2).map(|s| json!({ "node": format!("bvae[beta=2,seed={s}]"), "coords": { "beta": 2.0, "seed": s } })).collect::<Vec<_>>(),
    });
    inputs.inputs.ports.insert(
        "udr".into(),
        vec![InputArtifact {
            node: "udr[beta=2]".into(),
            coords: vec![("beta".into(), ParamValue::Float(2.0))],
            artifact: Artifact::Json(udr),
        }],
    );
    let e = run(&analysis::stats::Stats, inputs, &[]).unwrap_err();
    assert!(e.contains("2 results match UDR model 0"), "{e}");

    let bad = gathered(
        "scores",
        vec![("align_a", vec![], json!({ "alignment": "high" }))],
    );
    let e = run(&analysis::stats::Stats, bad, &[]).unwrap_err();
    assert!(e.contains("`alignment` is not a number"), "{e}");
}
