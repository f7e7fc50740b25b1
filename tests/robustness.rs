//! Crashes and concurrency: a SIGKILL mid-node leaves no partial artifact; two processes on one
//! cache compute each node once; a corrupted artifact is detected and recomputed; Ctrl-C stops
//! cleanly.

mod common;
use std::process::Stdio;
use std::time::Duration;

use common::Project;

const SLOW: &str = r#"
[stages.fast]
kind = "constant"
value = 1.0

[stages.slow]
kind = "constant"
value = 2.0
delay_ms = 4000

[stages.total]
kind = "sum"
parts = ["fast", "slow"]
"#;

#[test]
fn sigkill_mid_node_leaves_no_partial_artifact() {
    let p = Project::new();
    p.write("p.toml", SLOW);
    let (mut child, _) = common::spawn_until(&p, "p.toml", "start slow");
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    // Only `fast` may be published; `slow` was mid-run.
    let slow = common::object_dir(&p, "p.toml", "slow");
    assert!(!slow.exists(), "a killed node must leave no artifact");
    for obj in p.objects() {
        assert!(
            obj.join("manifest.json").is_file(),
            "half-written object {}",
            obj.display()
        );
    }
    let again = p.run_ok("p.toml", &[]);
    assert_eq!(again.computed(), vec!["slow", "total"]);
    let verify = p.flow(&["cache", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
    assert!(verify.stdout.contains("all intact"));
}

#[test]
fn ctrl_c_stops_cleanly_and_a_rerun_continues() {
    let p = Project::new();
    p.write("p.toml", SLOW);
    let (child, _) = common::spawn_until(&p, "p.toml", "start slow");
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130));
    assert!(!common::object_dir(&p, "p.toml", "slow").exists());
    let again = p.run_ok("p.toml", &[]);
    assert_eq!(again.computed(), vec!["slow", "total"]);
}

#[test]
fn two_processes_on_one_cache_compute_each_node_once() {
    let p = Project::new();
    let mut text = String::new();
    for i in 0..6 {
        text.push_str(&format!(
            "[stages.n{i}]\nkind = \"constant\"\nvalue = {i}.0\ndelay_ms = 300\n\n"
        ));
    }
    text.push_str("[stages.total]\nkind = \"sum\"\nparts = [\"n0\", \"n1\", \"n2\", \"n3\", \"n4\", \"n5\"]\ndelay_ms = 300\n");
    p.write("p.toml", &text);
    let spawn = || {
        p.command(&["run", "p.toml", "--progress", "lines", "--jobs", "2"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    assert!(a.status.success() && b.status.success());
    let done = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter_map(|l| {
                l.split_once("] done ")
                    .map(|(_, r)| r.rsplit_once(" in ").map_or(r, |x| x.0).to_string())
            })
            .collect::<Vec<_>>()
    };
    let mut all: Vec<String> = done(&a).into_iter().chain(done(&b)).collect();
    all.sort();
    let expected: Vec<String> = ["n0", "n1", "n2", "n3", "n4", "n5", "total"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        all, expected,
        "each node computed exactly once across both processes"
    );
    let verify = p.flow(&["cache", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

#[test]
fn a_corrupted_artifact_is_detected_and_recomputed() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    p.run_ok("p.toml", &[]);
    let dir = common::object_dir(&p, "p.toml", "clipped[value=2]");
    let table = dir.join("ports/table/table.arrow");
    let bytes = std::fs::read(&table).expect("read");
    std::fs::write(&table, &bytes[..bytes.len() / 2]).expect("truncate");
    let plan = p.plan_json("p.toml", &[]);
    let row = plan
        .iter()
        .find(|r| r["name"] == "clipped[value=2]")
        .cloned()
        .expect("row");
    assert_eq!(row["status"], "run");
    assert!(
        row["reason"].as_str().unwrap_or("").contains("corrupt"),
        "{row}"
    );
    let ran = p.run_ok("p.toml", &[]);
    assert_eq!(
        ran.computed(),
        vec!["clipped[value=2]"],
        "recomputed; identical bytes cut off `total`"
    );
    assert_eq!(p.flow(&["cache", "verify"]).code, 0);
}

#[test]
fn cache_verify_finds_a_flipped_byte() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    p.run_ok("p.toml", &[]);
    let dir = common::object_dir(&p, "p.toml", "total");
    let table = dir.join("ports/table/table.arrow");
    let mut bytes = std::fs::read(&table).expect("read");
    let last = bytes.len() - 20;
    bytes[last] ^= 0xff;
    std::fs::write(&table, &bytes).expect("write");
    let verify = p.flow(&["cache", "verify"]);
    assert_eq!(verify.code, 1);
    assert!(verify.stdout.contains("CORRUPT"), "{}", verify.stdout);
    // It names the node, the object's directory and the damaged port.
    assert!(
        verify.stdout.contains(" total ") && verify.stdout.contains("port \"table\""),
        "{}",
        verify.stdout
    );
    assert_eq!(p.flow(&["cache", "verify", "--repair"]).code, 1);
    let ran = p.run_ok("p.toml", &[]);
    assert_eq!(ran.computed(), vec!["total"]);
    assert_eq!(p.flow(&["cache", "verify"]).code, 0);
}

/// Flips one byte of `node`'s table in the cache, keeping its size (which `get` checks).
fn flip_a_byte_of(p: &Project, node: &str) {
    let table = common::object_dir(p, "p.toml", node).join("ports/table/table.arrow");
    let mut bytes = std::fs::read(&table).expect("read");
    let at = bytes.len() - 20;
    bytes[at] ^= 0x01;
    std::fs::write(&table, &bytes).expect("write");
}

#[test]
fn a_flipped_byte_in_an_input_is_detected_at_read_and_never_used() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    p.run_ok("p.toml", &[]);
    let before =
        std::fs::read(common::object_dir(&p, "p.toml", "total").join("ports/table/table.arrow"))
            .unwrap();
    flip_a_byte_of(&p, "clipped[value=2]");
    // `total` must read `clipped`: the flipped input is caught by its hash, named, removed.
    let ran = p.flow(&["run", "p.toml", "--progress", "lines", "--force", "total"]);
    assert_ne!(
        ran.code, 0,
        "a corrupt input must not be used:\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("clipped[value=2]")
            && ran.stderr.contains("corrupt")
            && ran.stderr.contains("table.arrow")
            || ran.stderr.contains("clipped[value=2]") && ran.stderr.contains("bytes changed"),
        "{}",
        ran.stderr
    );
    // The next run recomputes it, and `total` comes out as before.
    let again = p.run_ok("p.toml", &["--force", "total"]);
    assert!(
        again.computed().contains(&"clipped[value=2]".to_string()),
        "{:?}",
        again.computed()
    );
    let after =
        std::fs::read(common::object_dir(&p, "p.toml", "total").join("ports/table/table.arrow"))
            .unwrap();
    assert_eq!(before, after);
    assert_eq!(p.flow(&["cache", "verify"]).code, 0);
}

#[test]
fn export_refuses_a_result_whose_bytes_changed() {
    let p = Project::new();
    p.write("p.toml", common::SWEEP);
    p.run_ok("p.toml", &[]);
    flip_a_byte_of(&p, "total");
    let out = p.path("total.csv");
    let ran = p.flow(&[
        "export",
        "total",
        "-p",
        "p.toml",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert_ne!(ran.code, 0);
    assert!(
        ran.stderr.contains("corrupt") && ran.stderr.contains("total"),
        "{}",
        ran.stderr
    );
    assert!(
        !out.exists(),
        "nothing may be written from a corrupt result"
    );
}

/// Found by the reliability campaign: a `flow run` whose stderr reader went away (a killed
/// harness, `flow run … | head`) panicked printing its next progress line and deadlocked. It
/// must go on, finish and store every result.
#[test]
fn a_closed_stderr_neither_stops_nor_hangs_a_run() {
    use std::io::{BufRead, BufReader};
    let p = Project::new();
    // Slow nodes, so that most progress lines come after the pipe closed.
    let mut text = String::new();
    for i in 0..4 {
        text.push_str(&format!(
            "[stages.n{i}]\nkind = \"constant\"\nvalue = {i}.0\ndelay_ms = 150\n\n"
        ));
    }
    text.push_str("[stages.total]\nkind = \"sum\"\nparts = [\"n0\", \"n1\", \"n2\", \"n3\"]\n");
    p.write("p.toml", &text);
    let mut child = p
        .command(&["run", "p.toml", "--progress", "lines", "--jobs", "1"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    // Read one line, then close our end of the pipe.
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("flow run hung after its stderr closed (first line: {first:?})");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let again = p.run_ok("p.toml", &[]);
    assert!(again.computed().is_empty(), "{:?}", again.computed());
}
