//! The Slurm executor resubmits a task that ends NODE_FAIL (or PREEMPTED), up to
//! `max_requeue` times. Its own test binary: it takes the single local node down, which would
//! disturb the other Slurm tests if they ran beside it.

mod common;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Project;

#[test]
fn a_task_ending_node_fail_is_resubmitted_and_completes() {
    if !common::slurm_up() {
        return;
    }
    let p = Project::new();
    // --no-requeue: Slurm itself would otherwise requeue the task, and flow would only wait.
    p.write(
        "p.toml",
        "[executor]\nkind = \"slurm\"\npoll_seconds = 0.2\nsbatch_args = [\"--no-requeue\"]\n\n[stages.slow]\nkind = \"constant\"\nvalue = 1.0\ndelay_ms = 3000\n",
    );
    let mut child = p
        .command(&["run", "p.toml", "--progress", "lines"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    loop {
        let line = lines.next().expect("flow ended early").expect("read");
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("RUNNING job") {
            break;
        }
        assert!(Instant::now() < deadline, "never RUNNING:\n{seen}");
    }
    common::fail_slurm_node("flow-requeue-test");
    for line in lines.map_while(Result::ok) {
        seen.push_str(&line);
        seen.push('\n');
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{seen}");
    assert!(
        seen.contains("ended NODE_FAIL; resubmitting (attempt 2 of 4)"),
        "{seen}"
    );
    assert!(seen.contains("1 computed"), "{seen}");
    let subs = std::fs::read_to_string(p.cache().join("slurm/submissions.log")).unwrap_or_default();
    assert_eq!(subs.lines().count(), 2, "{subs}");
}
