//! The analysis stages end to end through the real binary: `flow stage KIND --in PORT=FILE …
//! --out FILE.json` on the shared reference cases (NPY and CSV files, as a user would call them),
//! gathered ports, a stats pipeline, and bad inputs reported with their port before any work.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use common::Project;
use serde_json::{Value, json};

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("stages/tests/data/cases")
        .join(name)
}

fn case_file(c: &str, f: &str) -> String {
    case(c).join(f).display().to_string()
}

fn expected(c: &str, f: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(case(c).join(f)).expect("expected"))
        .expect("json")
}

fn read_json(p: &Project, f: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p.path(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .expect("json")
}

/// Recursive comparison: numbers to 1e-9 absolute (`p` 1e-9 relative), the rest exactly.
fn close(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            let ok = if path.ends_with(".p") {
                ((g - w) / w).abs() <= 1e-9
            } else {
                (g - w).abs() <= 1e-9
            };
            assert!(ok, "{path}: got {g}, want {w}");
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{path}: length");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                close(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

fn fields(got: &Value, want: &Value, names: &[&str]) {
    for n in names {
        close(&got[*n], &want[*n], &format!(".{n}"));
    }
}

/// The one_to_one split as a CSV with `train` and `fold` columns.
fn split_csv(p: &Project, shared_name: bool) -> String {
    let train = flow_tableio::read_npy_array(&case("one_to_one").join("train.npy")).expect("train");
    let folds = flow_tableio::read_npy_array(&case("one_to_one").join("folds.npy")).expect("folds");
    let mut text = String::from(if shared_name {
        "shared\n"
    } else {
        "train,fold\n"
    });
    for (t, f) in train.data.iter().zip(&folds.data) {
        let t = if *t != 0.0 { "true" } else { "false" };
        if shared_name {
            text.push_str(&format!("{t}\n"));
        } else {
            text.push_str(&format!("{t},{}\n", *f as i64));
        }
    }
    let name = if shared_name {
        "shared.csv"
    } else {
        "split.csv"
    };
    p.write(name, &text);
    name.to_string()
}

fn stage_ok(p: &Project, args: &[&str]) {
    let mut all = vec!["stage"];
    all.extend_from_slice(args);
    let ran = p.flow(&all);
    assert_eq!(ran.code, 0, "flow {all:?} failed:\n{}", ran.stderr);
}

#[test]
fn lasso_ve_then_alignment_on_files() {
    let p = Project::new();
    let split = split_csv(&p, false);
    let (x, y) = (
        case_file("one_to_one", "X.npy"),
        case_file("one_to_one", "Y.npy"),
    );
    stage_ok(
        &p,
        &[
            "lasso-ve",
            "--in",
            &format!("units={x}"),
            "--in",
            &format!("responses={y}"),
            "--in",
            &format!("split={split}"),
            "--out",
            "lasso.json",
        ],
    );
    let got = read_json(&p, "lasso.json");
    fields(
        &got,
        &expected("one_to_one", "expected_lasso_ve.json"),
        &[
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
        ],
    );
    stage_ok(
        &p,
        &[
            "alignment",
            "--in",
            "lasso=lasso.json",
            "--out",
            "alignment.json",
        ],
    );
    fields(
        &read_json(&p, "alignment.json"),
        &expected("one_to_one", "expected_alignment.json"),
        &["alignment", "C_j", "H_j", "rho_j", "D"],
    );
    stage_ok(
        &p,
        &[
            "alignment",
            "--in",
            &format!("weights={}", case_file("alignment_hand", "W.npy")),
            "--out",
            "hand.json",
        ],
    );
    fields(
        &read_json(&p, "hand.json"),
        &expected("alignment_hand", "expected_alignment.json"),
        &["alignment", "C_j", "H_j", "rho_j", "D"],
    );
}

#[test]
fn corr_ratio_decode_welch_on_files() {
    let p = Project::new();
    let (x, y) = (
        case_file("one_to_one", "X.npy"),
        case_file("one_to_one", "Y.npy"),
    );
    stage_ok(
        &p,
        &[
            "corr-ratio",
            "--in",
            &format!("units={x}"),
            "--in",
            &format!("responses={y}"),
            "--out",
            "cr.json",
        ],
    );
    fields(
        &read_json(&p, "cr.json"),
        &expected("one_to_one", "expected_corr_ratio.json"),
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
    let shared = split_csv(&p, true);
    stage_ok(
        &p,
        &[
            "decode",
            "--in",
            &format!("units={x}"),
            "--in",
            &format!("responses={y}"),
            "--in",
            &format!("split={shared}"),
            "--port",
            "result",
            "--out",
            "dec.json",
        ],
    );
    fields(
        &read_json(&p, "dec.json"),
        &expected("one_to_one", "expected_decoding.json"),
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
    stage_ok(
        &p,
        &[
            "decode",
            "--in",
            &format!("units={x}"),
            "--in",
            &format!("responses={y}"),
            "--in",
            &format!("split={shared}"),
            "--set",
            "abs_corr=true",
            "--port",
            "result",
            "--out",
            "dec_abs.json",
        ],
    );
    let abs = read_json(&p, "dec_abs.json");
    assert!(
        abs["mean_cosine_distance"].as_f64().unwrap() < 0.3,
        "{}",
        abs["mean_cosine_distance"]
    );
    let (a, b) = (
        case_file("welch_51_50", "a.npy"),
        case_file("welch_51_50", "b.npy"),
    );
    stage_ok(
        &p,
        &[
            "welch",
            "--in",
            &format!("a={a}"),
            "--in",
            &format!("b={b}"),
            "--out",
            "w.json",
        ],
    );
    fields(
        &read_json(&p, "w.json"),
        &expected("welch_51_50", "expected_welch.json"),
        &["t", "p", "df", "mean_a", "mean_b", "n_a", "n_b"],
    );
}

#[test]
fn udr_gathers_one_file_per_model() {
    let p = Project::new();
    let reps =
        flow_tableio::read_npy_array(&case("udr_disentangled").join("reps.npy")).expect("reps");
    let (m, n, l) = (reps.shape[0], reps.shape[1], reps.shape[2]);
    let mut args = vec!["udr".to_string()];
    for i in 0..m {
        let cols: Vec<ArrayRef> = (0..l)
            .map(|k| {
                Arc::new(Float64Array::from(
                    (0..n)
                        .map(|r| reps.data[(i * n + r) * l + k])
                        .collect::<Vec<_>>(),
                )) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_from_iter(
            cols.into_iter()
                .enumerate()
                .map(|(k, c)| (k.to_string(), c)),
        )
        .expect("batch");
        let f = format!("model{i}.npy");
        flow_tableio::write_table(&batch, &p.path(&f)).expect("write npy");
        args.extend(["--in".to_string(), format!("latents={f}")]);
    }
    // One models × latents KL file for all models.
    args.extend([
        "--in".to_string(),
        format!("kl={}", case_file("udr_disentangled", "kl.npy")),
        "--out".to_string(),
        "udr.json".to_string(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    stage_ok(&p, &argv);
    let got = read_json(&p, "udr.json");
    let want = expected("udr_disentangled", "expected_udr.json");
    for v in ["library", "paper_filtered", "paper_literal"] {
        close(
            &got[v]["pairwise"],
            &want[v]["pairwise"],
            &format!("{v}.pairwise"),
        );
        close(
            &got[v]["model_scores"],
            &want[v]["model_scores"],
            &format!("{v}.model_scores"),
        );
    }
    close(&got["informative"], &want["informative"], "informative");
}

#[test]
fn mixture_writes_its_result_and_table() {
    let p = Project::new();
    let (y, a) = (
        case_file("artificial_mixture", "Y.npy"),
        case_file("artificial_mixture", "A.npy"),
    );
    // Two output ports (the JSON result and the mixed table): --out is a directory.
    stage_ok(
        &p,
        &[
            "mixture",
            "--in",
            &format!("responses={y}"),
            "--in",
            &format!("mixing={a}"),
            "--out",
            "mix",
        ],
    );
    let got = read_json(&p, "mix/result.json");
    let want = expected("artificial_mixture", "expected_mixture.json");
    close(&got["A_normalised"], &want["A_normalised"], "A_normalised");
    close(&got["mixed"], &want["Y_mixed"], "mixed");
    assert!(p.path("mix/mixed.arrow").exists());
    // --port picks one output and writes it as a file.
    stage_ok(
        &p,
        &[
            "mixture",
            "--in",
            &format!("responses={y}"),
            "--in",
            &format!("mixing={a}"),
            "--port",
            "result",
            "--out",
            "result-only.json",
        ],
    );
    let only = read_json(&p, "result-only.json");
    close(&only["mixed"], &want["Y_mixed"], "mixed via --port");
    // Without `mixing`, the draws come from the seed: deterministic, columns summing to 1.
    stage_ok(
        &p,
        &[
            "mixture",
            "--in",
            &format!("responses={y}"),
            "--out",
            "seeded",
        ],
    );
    let s = read_json(&p, "seeded/result.json");
    let an = s["A_normalised"].as_array().unwrap();
    for j in 0..20 {
        let sum: f64 = an.iter().map(|r| r[j].as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }
}

#[test]
fn bad_inputs_name_the_port_before_any_work() {
    let p = Project::new();
    let split = split_csv(&p, false);
    let x = case_file("one_to_one", "X.npy");
    // A zero-variance neuron (column 2 constant).
    let y = flow_tableio::read_table(&case("one_to_one").join("Y.npy")).expect("Y");
    let mut cols: Vec<ArrayRef> = y.columns().to_vec();
    cols[2] = Arc::new(Float64Array::from(vec![3.0; 400]));
    flow_tableio::write_table(
        &RecordBatch::try_new(y.schema(), cols).unwrap(),
        &p.path("flat.npy"),
    )
    .expect("write");
    let ran = p.flow(&[
        "stage",
        "lasso-ve",
        "--in",
        &format!("units={x}"),
        "--in",
        "responses=flat.npy",
        "--in",
        &format!("split={split}"),
        "--out",
        "o.json",
    ]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("input `responses`")
            && ran.stderr.contains("neuron 2")
            && ran.stderr.contains("zero variance"),
        "{}",
        ran.stderr
    );
    // A split with no test images.
    let mut all_train = String::from("train,fold\n");
    for i in 0..400 {
        all_train.push_str(&format!("true,{}\n", i % 10));
    }
    p.write("all_train.csv", &all_train);
    let yy = case_file("one_to_one", "Y.npy");
    let ran = p.flow(&[
        "stage",
        "lasso-ve",
        "--in",
        &format!("units={x}"),
        "--in",
        &format!("responses={yy}"),
        "--in",
        "split=all_train.csv",
        "--out",
        "o.json",
    ]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("input `split`") && ran.stderr.contains("no test images"),
        "{}",
        ran.stderr
    );
    // Mismatched row counts.
    let ran = p.flow(&[
        "stage",
        "corr-ratio",
        "--in",
        &format!("units={}", case_file("welch_51_50", "a.npy")),
        "--in",
        &format!("responses={yy}"),
        "--out",
        "o.json",
    ]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("input `units`") && ran.stderr.contains("51 rows"),
        "{}",
        ran.stderr
    );
    // NaN in a file: rejected on import, naming the file, column and row.
    p.write("nan.csv", "a\n1.0\nNaN\n3.0\n");
    let ran = p.flow(&[
        "stage",
        "welch",
        "--in",
        "a=nan.csv",
        "--in",
        &format!("b={}", case_file("welch_51_50", "b.npy")),
        "--out",
        "o.json",
    ]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("nan.csv") && ran.stderr.contains("row 1"),
        "{}",
        ran.stderr
    );
}

#[test]
fn stats_compares_classes_in_a_pipeline() {
    let p = Project::new();
    let bvae = [0.9, 0.85, 0.8, 0.95];
    let ae = [0.5, 0.6, 0.55];
    for (i, a) in bvae.iter().enumerate() {
        p.write(
            &format!("b{i}.json"),
            &json!({ "alignment": a, "ve_mean": 0.5 + a / 10.0 }).to_string(),
        );
    }
    for (i, a) in ae.iter().enumerate() {
        p.write(
            &format!("a{i}.json"),
            &json!({ "alignment": a, "ve_mean": 0.4 }).to_string(),
        );
    }
    p.write(
        "stats.toml",
        r#"
[pipeline]
name = "stats"

[stages.bvae]
kind = "import-json"
sweep.path = ["b0.json", "b1.json", "b2.json", "b3.json"]

[stages.ae]
kind = "import-json"
sweep.path = ["a0.json", "a1.json", "a2.json"]

[stages.tests]
kind = "stats"
scores = ["bvae", "ae"]
metrics = "alignment,ve_mean"
"#,
    );
    p.run_ok("stats.toml", &[]);
    let ran = p.flow(&["export", "tests", "--to", "tests.json"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let rows = read_json(&p, "tests.json");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (
            rows[0]["class_a"].as_str(),
            rows[0]["class_b"].as_str(),
            rows[0]["metric"].as_str()
        ),
        (Some("bvae"), Some("ae"), Some("alignment"))
    );
    assert_eq!(
        (rows[0]["n_a"].as_i64(), rows[0]["n_b"].as_i64()),
        (Some(4), Some(3))
    );
    assert!(rows[0]["p"].as_f64().unwrap() < 0.01 && rows[0]["statistic"].as_f64().unwrap() > 0.0);
    assert_eq!(rows[1]["metric"], json!("ve_mean"));
    // ae's ve_mean is constant but bvae's is not: the test is defined.
    assert!(rows[1]["p"].is_number(), "{}", rows[1]);
}

#[test]
fn the_world_pipeline_single_factor_neurons_align_better_than_mixed_ones() {
    // The synthetic world end to end: tables joined on image_id (the factors and the split
    // cover all 200 faces, the responses only the 194 "monkey" images).
    let p = Project::new();
    p.write(
        "w.toml",
        r#"
[pipeline]
name = "w"

[stages.faces]
kind = "synthetic-faces"
images = 200
factors = "quick"

[stages.split]
kind = "split"
images = "faces.images"
heldout = 6
model_only = 6

[stages.neurons]
kind = "synthetic-neurons"
factors = "faces.factors"
split = "split.split"
neurons = 24
sweep.code = ["single-factor", "mixed"]

[stages.lasso]
kind = "lasso-ve"
units = "faces.factors"
responses = "neurons.responses"
split = "split.split"

[stages.align]
kind = "alignment"
lasso = "lasso"
"#,
    );
    p.run_ok("w.toml", &[]);
    let mut alignment = std::collections::BTreeMap::new();
    for code in ["single-factor", "mixed"] {
        let node = format!("align[code={code}]");
        let ran = p.flow(&["export", &node, "--to", &format!("{code}.json")]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        alignment.insert(
            code,
            read_json(&p, &format!("{code}.json"))["alignment"]
                .as_f64()
                .expect("alignment"),
        );
        let ran = p.flow(&[
            "export",
            &format!("lasso[code={code}]"),
            "--to",
            &format!("lasso-{code}.json"),
        ]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        let lasso = read_json(&p, &format!("lasso-{code}.json"));
        assert_eq!(
            lasso["n_train"].as_u64().unwrap() + lasso["n_test"].as_u64().unwrap(),
            194,
            "the monkey images only"
        );
        assert_eq!(lasso["n_folds"], json!(10));
    }
    assert!(
        alignment["single-factor"] > alignment["mixed"] + 0.1,
        "{alignment:?}"
    );
}
