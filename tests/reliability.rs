//! Short versions of the reliability campaigns (bench/reliability.py; RELIABILITY.md): a few
//! SIGKILLs at random moments of a ~1,800-node paper-shaped DAG, four processes at once on one
//! cache, corrupted artifacts, and a full disk. Each drives the real (debug) binary through the
//! campaign harness and asserts that it counted its trials and found no failure.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs one campaign of bench/reliability.py on this build's binary; returns its figures.
fn campaign(name: &str, extra: &[&str]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("reliability.json");
    let ran = Command::new("python3")
        .arg(root.join("bench/reliability.py"))
        .arg(name)
        .args(extra)
        .arg("--out")
        .arg(&results)
        .env("FLOW_BIN", env!("CARGO_BIN_EXE_flow"))
        .output()
        .expect("python3 runs the campaign harness");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        ran.status.success(),
        "{name} campaign failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&ran.stdout)
    );
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    // `kill` of some DAGs only is filed as `kill (those DAGs)`.
    let (_, figures) = all
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} figures in {all}"));
    figures.clone()
}

#[test]
fn a_killed_run_reruns_to_the_uninterrupted_bytes_with_a_clean_cache() {
    let f = campaign(
        "kill",
        &[
            "--trials",
            "4",
            "--pipelines",
            "paper-shaped",
            "--seed",
            "3",
        ],
    );
    assert_eq!(f["trials"], 4, "{f}");
    assert_eq!(f["failures"], 0, "{f}");
}

#[test]
fn four_processes_on_one_cache_compute_every_object_once() {
    let f = campaign("concurrency", &["--repeats", "2"]);
    assert_eq!(f["repeats"], 2, "{f}");
    assert_eq!(f["failures"], 0, "{f}");
    assert!(f["nodes_per_repeat"].as_u64().unwrap() > 600, "{f}");
}

#[test]
fn corrupted_artifacts_are_detected_and_recomputed_never_used() {
    let f = campaign("corruption", &["--trials", "12", "--seed", "5"]);
    assert_eq!(f["trials"], 12, "{f}");
    assert_eq!(f["failures"], 0, "{f}");
    assert_eq!(f["detected"], 12, "{f}");
    assert_eq!(f["recomputed"], 12, "{f}");
}

#[test]
fn a_full_disk_fails_naming_the_node_and_path_and_the_rerun_completes() {
    let f = campaign("enospc", &[]);
    if let Some(why) = f.get("skipped") {
        eprintln!("skipped: {why}");
        return;
    }
    for promise in [
        "failed_cleanly",
        "names_node",
        "names_cache_path",
        "verify_clean",
        "rerun_completes",
        "rerun_reused_stored",
        "verify_clean_after",
    ] {
        assert_eq!(f[promise], true, "{promise}: {f}");
    }
    assert_eq!(f["half_written_objects"], 0, "{f}");
    assert_eq!(f["staging_leftovers"], 0, "{f}");
}
