//! The local executor: parallel within `--jobs`, and a node's thread budget takes that many
//! slots.

mod common;
use common::Project;

/// Most nodes running at once, read from the plain progress lines.
fn max_overlap(stderr: &str) -> usize {
    let (mut now, mut most) = (0usize, 0usize);
    for line in stderr.lines() {
        if line.contains("] start ") {
            now += 1;
            most = most.max(now);
        } else if line.contains("] done ") || line.contains(" FAILED ") {
            now = now.saturating_sub(1);
        }
    }
    most
}

fn four_slow(threads: Option<usize>) -> String {
    let mut text = String::new();
    for i in 0..4 {
        text.push_str(&format!(
            "[stages.n{i}]\nkind = \"constant\"\nvalue = {i}.0\ndelay_ms = 200\n"
        ));
        if let Some(t) = threads {
            text.push_str(&format!("threads = {t}\n"));
        }
        text.push('\n');
    }
    text
}

#[test]
fn jobs_one_runs_nodes_one_at_a_time() {
    let p = Project::new();
    p.write("p.toml", &four_slow(None));
    let ran = p.run_ok("p.toml", &["--jobs", "1"]);
    assert_eq!(ran.computed().len(), 4);
    assert_eq!(max_overlap(&ran.stderr), 1, "{}", ran.stderr);
}

#[test]
fn independent_nodes_run_in_parallel_up_to_jobs() {
    let p = Project::new();
    p.write("p.toml", &four_slow(None));
    let ran = p.run_ok("p.toml", &["--jobs", "3"]);
    assert_eq!(max_overlap(&ran.stderr), 3, "{}", ran.stderr);
}

#[test]
fn a_node_with_a_thread_budget_takes_that_many_slots() {
    let p = Project::new();
    p.write("p.toml", &four_slow(Some(2)));
    let ran = p.run_ok("p.toml", &["--jobs", "4"]);
    assert_eq!(max_overlap(&ran.stderr), 2, "{}", ran.stderr);
}
