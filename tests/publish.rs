//! `[publish]`: a pipeline names outputs that `flow run` copies to `results/<pipeline>/` beside
//! the pipeline file, atomically, and says where; every mistake in the table is caught before
//! anything runs, with the line it is on.

mod common;
use common::Project;

const PIPELINE: &str = r#"
[pipeline]
name = "tiny"

[stages.source]
kind = "constant"
rows = 3
sweep.value = [1.0, 2.0]

[stages.total]
kind = "sum"
parts = "source"

[stages.summary]
kind = "describe"
table = "total"
"#;

#[test]
fn a_run_publishes_each_named_output_beside_the_pipeline_and_prints_where() {
    let p = Project::new();
    p.write(
        "tiny.toml",
        &format!(
            "{PIPELINE}\n[publish]\n\"total.csv\" = \"total.table\"\n\"tables/summary.json\" = \"summary.summary\"\n"
        ),
    );
    let ran = p.run_ok("tiny.toml", &[]);
    let csv = p.path("results/tiny/total.csv");
    let json = p.path("results/tiny/tables/summary.json");
    assert!(
        ran.stderr
            .contains(&format!("flow: published {}", csv.display())),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains(&format!("flow: published {}", json.display()))
    );
    // The sum of 3 rows of 1.0 and 3 rows of 2.0.
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text, "value,count\n9.0,6.0\n");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(summary["rows"], 1, "{summary}");
}

#[test]
fn a_cached_rerun_publishes_again_and_results_can_go_elsewhere() {
    let p = Project::new();
    p.write(
        "tiny.toml",
        &format!("{PIPELINE}\n[publish]\n\"total.csv\" = \"total.table\"\n"),
    );
    p.run_ok("tiny.toml", &[]);
    let elsewhere = p.path("out");
    let ran = p.run_ok("tiny.toml", &["--results", elsewhere.to_str().unwrap()]);
    assert!(ran.stderr.contains("0 computed"), "{}", ran.stderr);
    assert!(elsewhere.join("total.csv").is_file());
}

#[test]
fn publishing_a_swept_stage_is_refused_before_anything_runs() {
    let p = Project::new();
    p.write(
        "tiny.toml",
        &format!("{PIPELINE}\n[publish]\n\"source.csv\" = \"source.table\"\n"),
    );
    let ran = p.flow(&["run", "tiny.toml"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("stage `source` has 2 nodes"),
        "{}",
        ran.stderr
    );
    assert!(!p.path(".flow").join("objects").exists() || p.objects().is_empty());
}

#[test]
fn an_unknown_stage_or_output_in_publish_is_an_error_with_its_line() {
    let p = Project::new();
    p.write(
        "tiny.toml",
        &format!(
            "{PIPELINE}\n[publish]\n\"a.csv\" = \"totl.table\"\n\"b.csv\" = \"total.tabel\"\n"
        ),
    );
    let ran = p.flow(&["plan", "tiny.toml"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("no stage `totl` to publish"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("did you mean `total`"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("has no output `tabel`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("tiny.toml:"), "{}", ran.stderr);
}

#[test]
fn a_published_path_must_stay_inside_the_results_directory() {
    let p = Project::new();
    for bad in ["../escape.csv", "/tmp/abs.csv"] {
        p.write(
            "tiny.toml",
            &format!("{PIPELINE}\n[publish]\n\"{bad}\" = \"total.table\"\n"),
        );
        let ran = p.flow(&["plan", "tiny.toml"]);
        assert_eq!(ran.code, 2, "{bad}: {}", ran.stderr);
        assert!(
            ran.stderr
                .contains("must be a relative path inside the results directory")
        );
    }
}

#[test]
fn a_child_pipeline_inherits_its_parents_publications_and_may_add_its_own() {
    let p = Project::new();
    p.write(
        "base.toml",
        &format!("{PIPELINE}\n[publish]\n\"total.csv\" = \"total.table\"\n"),
    );
    p.write(
        "child.toml",
        "[pipeline]\nname = \"child\"\nextends = \"base.toml\"\n\n[publish]\n\"summary.json\" = \"summary.summary\"\n",
    );
    p.run_ok("child.toml", &[]);
    assert!(p.path("results/child/total.csv").is_file());
    assert!(p.path("results/child/summary.json").is_file());
}
