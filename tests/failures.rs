//! A failing node is recorded with its reason, its dependents are skipped, everything else
//! finishes, and the run exits non-zero with a summary naming each failure.

mod common;
use common::Project;

const PIPE: &str = r#"
[stages.good]
kind = "constant"
value = 1.0

[stages.bad]
kind = "constant"
value = 2.0
fail = true

[stages.after_bad]
kind = "clip"
table = "bad"
min = 0.0
max = 1.0

[stages.after_good]
kind = "clip"
table = "good"
min = 0.0
max = 1.0

[stages.both]
kind = "sum"
parts = ["after_good", "after_bad"]
"#;

#[test]
fn a_failure_skips_its_dependents_and_the_rest_finishes() {
    let p = Project::new();
    p.write("p.toml", PIPE);
    let ran = p.flow(&["run", "p.toml", "--progress", "lines"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.computed(), vec!["after_good", "good"]);
    assert!(
        ran.stderr
            .contains("FAILED  bad: failed on purpose (fail = true)"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("skipped after_bad (needs bad), both (needs after_bad)"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("2 computed, 0 cached, 1 failed, 2 skipped"),
        "{}",
        ran.stderr
    );
}

#[test]
fn fixing_the_failure_runs_only_what_was_missing() {
    let p = Project::new();
    p.write("p.toml", PIPE);
    p.flow(&["run", "p.toml"]);
    let ran = p.run_ok("p.toml", &["--set", "bad.fail=false"]);
    assert_eq!(ran.computed(), vec!["after_bad", "bad", "both"]);
}

#[test]
fn until_runs_only_a_node_and_its_ancestors() {
    let p = Project::new();
    p.write("p.toml", PIPE);
    let ran = p.run_ok("p.toml", &["--until", "after_good"]);
    assert_eq!(ran.computed(), vec!["after_good", "good"]);
}

#[test]
fn force_recomputes_a_cached_node() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    p.run_ok("p.toml", &[]);
    let ran = p.run_ok("p.toml", &["--force", "clipped[value=2]"]);
    assert_eq!(ran.computed(), vec!["clipped[value=2]"]);
    let ran = p.run_ok("p.toml", &["--force", "source"]);
    assert_eq!(
        ran.computed(),
        vec!["source[value=1]", "source[value=2]", "source[value=3]"]
    );
}

#[test]
fn an_unknown_node_in_until_or_force_is_an_error() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    let ran = p.flow(&["run", "p.toml", "--force", "totl"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("--force totl: no such node or stage")
            && ran.stderr.contains("did you mean `total`?"),
        "{}",
        ran.stderr
    );
}
