//! The cache: a second run computes nothing; keys ignore how a pipeline is written and change
//! exactly where a value changed; early cutoff stops re-runs at identical output.

mod common;
use common::{Project, SWEEP};

#[test]
fn a_second_run_computes_nothing() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    let first = p.run_ok("p.toml", &[]);
    assert_eq!(first.computed().len(), 7);
    let second = p.run_ok("p.toml", &[]);
    assert!(
        second.computed().is_empty(),
        "second run computed {:?}",
        second.computed()
    );
    assert!(
        second.stderr.contains("0 computed, 7 cached"),
        "{}",
        second.stderr
    );
}

#[test]
fn reordering_tables_and_keys_changes_no_key() {
    let p = Project::new();
    p.write("a.toml", SWEEP);
    p.write(
        "b.toml",
        r#"
[stages.total]
parts = "clipped"
kind = "sum"

[stages.clipped]
max = 2.5
min = 0.0
table = "source"
kind = "clip"

[pipeline]
name = "sweep"

[stages.source]
sweep.value = [1.0, 2.0, 3.0]
rows = 3
kind = "constant"
"#,
    );
    p.run_ok("a.toml", &[]);
    let mut a = p.keys("a.toml");
    let mut b = p.keys("b.toml");
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(a.iter().all(|(_, k)| k.is_some()));
}

#[test]
fn the_spelling_of_a_number_changes_no_key() {
    let p = Project::new();
    p.write(
        "a.toml",
        "[stages.x]\nkind = \"constant\"\nvalue = 0.0001\n",
    );
    p.write("b.toml", "[stages.x]\nkind = \"constant\"\nvalue = 1e-4\n");
    p.write(
        "c.toml",
        "[stages.x]\nkind = \"constant\"\nvalue = 1.0e-4\nrows = 1\n",
    );
    let keys: Vec<_> = ["a.toml", "b.toml", "c.toml"]
        .iter()
        .map(|f| p.keys(f)[0].1.clone())
        .collect();
    assert!(keys[0].is_some());
    assert_eq!(keys[0], keys[1]);
    assert_eq!(
        keys[0], keys[2],
        "writing a default explicitly must not change the key"
    );
}

#[test]
fn editing_a_comment_or_an_unrelated_stage_changes_no_key() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let edited = SWEEP.replace(
        "[stages.total]",
        "# the grand total\n[stages.total]  # sums everything",
    ) + "\n[stages.unrelated]\nkind = \"constant\"\nvalue = 9.0\n";
    p.write("p.toml", &edited);
    let run = p.run_ok("p.toml", &[]);
    assert_eq!(run.computed(), vec!["unrelated".to_string()]);
}

#[test]
fn changing_one_param_reruns_exactly_that_node_and_its_downstream() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let run = p.run_ok("p.toml", &["--set", "source.sweep.value=[1.0, 2.0, 3.5]"]);
    assert_eq!(
        run.computed(),
        vec!["clipped[value=3.5]", "source[value=3.5]"]
    );
    // clipped[value=3.5] gives the same clipped table as clipped[value=3] (both clip to 2.5),
    // so `total` sees identical input content and is cached: early cutoff.
    assert!(
        run.stderr.contains("2 computed, 5 cached"),
        "{}",
        run.stderr
    );
}

#[test]
fn early_cutoff_skips_downstream_of_identical_output() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    // Lowering `min` below every value changes every clip node's key but none of its output.
    let run = p.run_ok("p.toml", &["--set", "clipped.min=-1.0"]);
    assert_eq!(
        run.computed(),
        vec!["clipped[value=1]", "clipped[value=2]", "clipped[value=3]"]
    );
    assert!(
        !run.computed().contains(&"total".to_string()),
        "total must be cut off"
    );
    let plan = p.plan_json("p.toml", &["--set", "clipped.min=-1.0"]);
    assert!(plan.iter().all(|r| r["status"] == "cached"));
}

#[test]
fn plan_says_why_a_node_will_run() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let plan = p.plan_json("p.toml", &["--set", "clipped.max=2.25"]);
    let row = |name: &str| {
        plan.iter()
            .find(|r| r["name"] == name)
            .cloned()
            .expect("row")
    };
    assert_eq!(row("source[value=1]")["status"], "cached");
    assert_eq!(row("clipped[value=3]")["status"], "run");
    assert_eq!(
        row("clipped[value=3]")["reason"],
        "param changed: max 2.5 → 2.25"
    );
    assert!(
        row("total")["key"].is_null(),
        "a key waits for its inputs' content"
    );
    assert!(
        row("total")["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("upstream ")
    );
    let forced = p.plan_json("p.toml", &["--force", "total"]);
    let total = forced
        .iter()
        .find(|r| r["name"] == "total")
        .cloned()
        .expect("row");
    assert_eq!(total["reason"], "forced");
}

#[test]
fn a_new_stage_version_or_seed_is_a_reason() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let plan = p.plan_json("p.toml", &["--set", "source.seed=4"]);
    let row = plan
        .iter()
        .find(|r| r["name"] == "source[value=1]")
        .cloned()
        .expect("row");
    assert_eq!(row["reason"], "seed changed: 0 → 4");
}

#[test]
fn an_imported_file_is_keyed_by_its_content_not_its_path() {
    let p = Project::new();
    p.write("data.csv", "value\n1\n2\n");
    p.write("p.toml", "[stages.data]\nkind = \"import\"\npath = \"data.csv\"\n\n[stages.s]\nkind = \"sum\"\nparts = \"data\"\n");
    assert_eq!(p.run_ok("p.toml", &[]).computed(), vec!["data", "s"]);
    // Same content under another name: nothing re-runs.
    std::fs::rename(p.path("data.csv"), p.path("renamed.csv")).expect("rename");
    p.write("p.toml", "[stages.data]\nkind = \"import\"\npath = \"renamed.csv\"\n\n[stages.s]\nkind = \"sum\"\nparts = \"data\"\n");
    assert!(p.run_ok("p.toml", &[]).computed().is_empty());
    // New content: the import re-runs, and so does its consumer.
    p.write("renamed.csv", "value\n1\n5\n");
    let plan = p.plan_json("p.toml", &[]);
    assert!(
        plan[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("param changed: path"),
        "{}",
        plan[0]
    );
    assert_eq!(p.run_ok("p.toml", &[]).computed(), vec!["data", "s"]);
}

#[test]
fn a_missing_import_file_is_a_validation_error() {
    let p = Project::new();
    p.write(
        "p.toml",
        "[stages.data]\nkind = \"import\"\npath = \"nope.csv\"\n",
    );
    let ran = p.flow(&["run", "p.toml"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("parameter `path`: no file") && ran.stderr.contains("p.toml:3:8"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_imported_directory_is_keyed_by_the_content_of_its_files() {
    let p = Project::new();
    std::fs::create_dir_all(p.path("imgs/sub")).expect("mkdir");
    p.write("imgs/a.txt", "one");
    p.write("imgs/sub/b.txt", "two");
    p.write(
        "p.toml",
        "[stages.imgs]\nkind = \"import-files\"\npath = \"imgs\"\n",
    );
    assert_eq!(p.run_ok("p.toml", &[]).computed(), vec!["imgs"]);
    assert!(p.run_ok("p.toml", &[]).computed().is_empty());
    p.write("imgs/sub/b.txt", "TWO");
    assert_eq!(
        p.run_ok("p.toml", &[]).computed(),
        vec!["imgs"],
        "a changed file below the directory re-runs it"
    );
    std::fs::rename(p.path("imgs/a.txt"), p.path("imgs/c.txt")).expect("rename");
    assert_eq!(
        p.run_ok("p.toml", &[]).computed(),
        vec!["imgs"],
        "a renamed file re-runs it"
    );
}

/// Every path under `dir` with its size and modification time.
fn snapshot(dir: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.push((
                entry.path().display().to_string(),
                meta.len(),
                meta.modified().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn looking_at_a_pipeline_writes_nothing_into_the_cache() {
    let p = Project::new();
    p.write("sweep.toml", common::SWEEP);
    p.run_ok("sweep.toml", &[]);
    // Let a last-use time written now be distinguishable from one written by the commands.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = snapshot(&p.cache());
    for args in [
        vec!["plan", "sweep.toml"],
        vec!["status", "sweep.toml"],
        vec!["dag", "sweep.toml"],
        vec!["explain", "total", "-p", "sweep.toml"],
        vec!["show", "total", "-p", "sweep.toml"],
    ] {
        let ran = p.flow(&args);
        assert_eq!(ran.code, 0, "{args:?}: {}", ran.stderr);
        assert_eq!(
            snapshot(&p.cache()),
            before,
            "`flow {}` wrote",
            args.join(" ")
        );
    }
}

#[test]
fn plan_on_a_new_project_creates_no_cache() {
    let p = Project::new();
    p.write("sweep.toml", common::SWEEP);
    let ran = p.flow(&["plan", "sweep.toml"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(!p.cache().exists());
}
