//! The command line: plan output, dag, show, export, `flow stage` on files, kinds, cache du/gc,
//! and complete help.

mod common;
use common::{Project, SWEEP};

#[test]
fn plan_json_has_name_kind_key_status_and_reason() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    let rows = p.plan_json("p.toml", &[]);
    assert_eq!(rows.len(), 7);
    for r in &rows {
        for field in ["name", "kind", "key", "status", "reason"] {
            assert!(r.get(field).is_some(), "missing {field} in {r}");
        }
        assert_eq!(r["status"], "run");
    }
    assert_eq!(rows[0]["name"], "source[value=1]");
    assert_eq!(rows[0]["reason"], "new");
    assert_eq!(rows[0]["key"].as_str().map(str::len), Some(64));
}

#[test]
fn explain_shows_key_parts_and_what_changed() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let ran = p.flow(&["explain", "clipped[value=3]", "--set", "clipped.max=2.75"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    for part in [
        "param    max = 2.75",
        "input    table ← source[value=3].table",
        "since the last run",
        "param changed: max 2.5 → 2.75",
    ] {
        assert!(
            ran.stdout.contains(part),
            "missing {part:?}:\n{}",
            ran.stdout
        );
    }
}

#[test]
fn dag_prints_dot_and_mermaid() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    let dot = p.flow(&["dag", "p.toml"]);
    assert!(
        dot.stdout.starts_with("digraph \"sweep\""),
        "{}",
        dot.stdout
    );
    assert_eq!(dot.stdout.matches(" -> ").count(), 6);
    let mermaid = p.flow(&["dag", "p.toml", "--format", "mermaid", "--stages"]);
    assert!(mermaid.stdout.starts_with("flowchart LR"));
    assert!(
        mermaid.stdout.contains("n0[\"source\"]") && mermaid.stdout.contains("n1 --> n2"),
        "{}",
        mermaid.stdout
    );
}

#[test]
fn export_writes_each_format_by_extension() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    for ext in ["csv", "json", "parquet", "arrow"] {
        let to = format!("total.{ext}");
        let ran = p.flow(&["export", "total", "--to", &to]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        assert!(p.path(&to).is_file());
    }
    let csv = std::fs::read_to_string(p.path("total.csv")).expect("csv");
    assert_eq!(csv.trim(), "value,count\n16.5,9.0", "{csv}");
}

#[test]
fn show_previews_a_table() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    let ran = p.flow(&["show", "total"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("1 rows × 2 columns") && ran.stdout.contains("16.5"),
        "{}",
        ran.stdout
    );
    let many = p.flow(&["show", "source"]);
    assert_eq!(many.code, 2);
    assert!(
        many.stderr.contains("stage `source` has 3 nodes"),
        "{}",
        many.stderr
    );
}

#[test]
fn stage_runs_one_kind_on_files_and_gathers_a_repeated_port() {
    let p = Project::new();
    p.write("a.csv", "value\n1.5\n2.5\n");
    p.write("b.csv", "value\n10\n");
    let ran = p.flow(&[
        "stage",
        "sum",
        "--in",
        "parts=a.csv",
        "--in",
        "parts=b.csv",
        "--out",
        "out.json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path("out.json")).expect("out"))
            .expect("json");
    assert_eq!(out, serde_json::json!([{ "value": 14.0, "count": 3.0 }]));
    let again = p.flow(&[
        "stage",
        "sum",
        "--in",
        "parts=a.csv",
        "--in",
        "parts=b.csv",
        "--out",
        "out.json",
    ]);
    assert!(
        again.stderr.contains("sum cached"),
        "a second identical call is cached:\n{}",
        again.stderr
    );
    let clip = p.flow(&[
        "stage",
        "clip",
        "--in",
        "table=a.csv",
        "--set",
        "min=0",
        "--set",
        "max=2",
        "--out",
        "c.csv",
    ]);
    assert_eq!(clip.code, 0, "{}", clip.stderr);
    assert_eq!(
        std::fs::read_to_string(p.path("c.csv")).expect("c").trim(),
        "value\n1.5\n2.0"
    );
}

#[test]
fn stage_reports_bad_files_and_ports() {
    let p = Project::new();
    p.write("nan.csv", "value\n1.0\nNaN\n");
    let ran = p.flow(&["stage", "sum", "--in", "parts=nan.csv", "--out", "o.json"]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("nan.csv") && ran.stderr.contains("row 1"),
        "{}",
        ran.stderr
    );
    let ran = p.flow(&["stage", "sum", "--in", "part=nan.csv", "--out", "o.json"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("did you mean `parts`?"),
        "{}",
        ran.stderr
    );
}

#[test]
fn kinds_lists_and_describes() {
    let p = Project::new();
    let list = p.flow(&["kinds"]);
    assert!(list.stdout.contains("import") && list.stdout.contains("constant"));
    let one = p.flow(&["kinds", "clip"]);
    assert!(
        one.stdout.contains("max") && one.stdout.contains("a number (required)"),
        "{}",
        one.stdout
    );
}

#[test]
fn cache_du_and_gc_keep_what_a_pipeline_reaches() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.write(
        "other.toml",
        "[stages.x]\nkind = \"constant\"\nvalue = 42.0\n",
    );
    p.run_ok("p.toml", &[]);
    p.run_ok("other.toml", &[]);
    let du = p.flow(&["cache", "du"]);
    assert!(
        du.stdout.contains("constant") && du.stdout.contains("total"),
        "{}",
        du.stdout
    );
    let before = p.objects().len();
    assert_eq!(before, 8);
    let dry = p.flow(&["cache", "gc", "p.toml", "--dry-run"]);
    assert!(
        dry.stdout.contains("would remove 1 artifacts"),
        "{}",
        dry.stdout
    );
    assert_eq!(p.objects().len(), 8);
    let gc = p.flow(&["cache", "gc", "p.toml"]);
    assert!(gc.stdout.contains("removed 1 artifacts"), "{}", gc.stdout);
    assert!(p.run_ok("p.toml", &[]).computed().is_empty());
    assert_eq!(p.run_ok("other.toml", &[]).computed(), vec!["x"]);
}

#[test]
fn every_subcommand_has_help() {
    let p = Project::new();
    for cmd in [
        "run", "plan", "explain", "status", "dag", "show", "export", "stage", "kinds", "cache",
    ] {
        let ran = p.flow(&[cmd, "--help"]);
        assert_eq!(ran.code, 0, "{cmd} --help");
        assert!(ran.stdout.contains("Usage: flow"), "{cmd}: {}", ran.stdout);
    }
}

#[test]
fn the_cache_can_live_elsewhere() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    let shared = p.path("shared-cache");
    let ran = p
        .command(&["run", "p.toml", "--progress", "lines"])
        .env("FLOW_CACHE", &shared)
        .output()
        .expect("run");
    assert!(ran.status.success());
    assert!(shared.join("objects").is_dir());
    assert!(!p.cache().join("objects").exists());
    let ran = p.flow(&[
        "--cache",
        shared.to_str().unwrap_or(""),
        "run",
        "p.toml",
        "--progress",
        "lines",
    ]);
    assert!(
        ran.stderr.contains("0 computed, 7 cached"),
        "{}",
        ran.stderr
    );
}

#[test]
fn explain_names_the_input_whose_content_changed() {
    let p = Project::new();
    p.write("p.toml", SWEEP);
    p.run_ok("p.toml", &[]);
    p.run_ok("p.toml", &["--set", "source.rows=4", "--until", "source"]);
    let ran = p.flow(&["explain", "clipped[value=1]", "--set", "source.rows=4"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("input changed: table content "),
        "{}",
        ran.stdout
    );
    let pending = p.flow(&["explain", "total", "--set", "source.rows=4"]);
    assert!(
        pending
            .stdout
            .contains("key      not known yet: upstream clipped[value=1] runs first"),
        "{}",
        pending.stdout
    );
}

#[test]
fn stage_port_must_name_an_output() {
    let p = Project::new();
    p.write("a.csv", "value\n1\n");
    let ran = p.flow(&[
        "stage",
        "sum",
        "--in",
        "parts=a.csv",
        "--port",
        "nope",
        "--out",
        "o.json",
    ]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("--port nope: `sum` has no output `nope` (outputs: table)"),
        "{}",
        ran.stderr
    );
}
