//! The Slurm executor against a real single-node cluster (slurmctld + slurmd + munge, started
//! by scripts/slurm-local.sh): pipelines complete with every node computed once, sweeps go out
//! as arrays, failures and cancellations carry their Slurm state, and a killed `flow run`
//! restarted adopts its running jobs instead of resubmitting them.
//!
//! These tests skip with a message only when Slurm truly cannot be started here (not root, no
//! package manager); under CI (`CI` set) they fail instead.

mod common;
use std::time::Duration;

use common::Project;

fn slurm() -> bool {
    common::slurm_up()
}

const EXECUTOR: &str = "[executor]\nkind = \"slurm\"\npoll_seconds = 0.2\n\n";

fn submissions(p: &Project) -> Vec<String> {
    std::fs::read_to_string(p.cache().join("slurm/submissions.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_pipeline_runs_on_slurm_and_a_second_run_is_all_cached() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}{}", common::SWEEP));
    let first = p.run_ok("p.toml", &[]);
    assert_eq!(
        first.computed(),
        vec![
            "clipped[value=1]",
            "clipped[value=2]",
            "clipped[value=3]",
            "source[value=1]",
            "source[value=2]",
            "source[value=3]",
            "total"
        ]
    );
    // Every node went out exactly once (in as many arrays as there were waves of ready nodes).
    let tasks: usize = submissions(&p)
        .iter()
        .filter_map(|l| {
            l.split("tasks=")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(tasks, 7, "{:?}", submissions(&p));
    let second = p.run_ok("p.toml", &[]);
    assert!(second.computed().is_empty());
    assert!(
        second.stderr.contains("0 computed, 7 cached") && second.stderr.contains("slurm: 0 sbatch"),
        "{}",
        second.stderr
    );
}

#[test]
fn a_sweep_goes_out_as_one_array() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}[stages.s]\nkind = \"constant\"\nsweep.value = {{ linspace = [0.0, 1.0, 5] }}\n"));
    p.run_ok("p.toml", &["--executor", "slurm"]);
    let subs = submissions(&p);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert!(subs[0].contains("tasks=5 kind=constant"), "{subs:?}");
}

#[test]
fn a_failing_task_is_reported_with_its_slurm_state_and_the_rest_completes() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write(
        "p.toml",
        &format!("{EXECUTOR}[stages.good]\nkind = \"constant\"\nvalue = 1.0\n\n[stages.bad]\nkind = \"constant\"\nvalue = 2.0\nfail = true\n\n[stages.after]\nkind = \"sum\"\nparts = [\"good\", \"bad\"]\n"),
    );
    let ran = p.flow(&["run", "p.toml", "--progress", "lines"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.computed(), vec!["good"]);
    assert!(
        ran.stderr.contains("FAILED  bad: Slurm state FAILED"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("failed on purpose"),
        "the task's stderr tail is in the reason:\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains(".err"),
        "the log path is in the reason:\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("skipped after (needs bad)"),
        "{}",
        ran.stderr
    );
}

const SLOW: &str = "[stages.slow]\nkind = \"constant\"\nvalue = 1.0\ndelay_ms = 4000\n\n[stages.after]\nkind = \"clip\"\ntable = \"slow\"\nmin = 0.0\nmax = 1.0\n";

#[test]
fn a_restarted_run_waits_for_its_running_job_instead_of_resubmitting() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}{SLOW}"));
    let (mut first, _) = common::spawn_until(&p, "p.toml", "submitted 1 constant task(s)");
    first.kill().expect("kill -9 the submitting flow");
    first.wait().expect("reap");
    let again = p.run_ok("p.toml", &[]);
    assert!(
        again
            .stderr
            .contains("slow: already submitted as Slurm job"),
        "{}",
        again.stderr
    );
    let subs = submissions(&p);
    assert_eq!(
        subs.iter().filter(|l| l.contains("kind=constant")).count(),
        1,
        "slow was submitted once: {subs:?}"
    );
    assert!(
        again.computed().contains(&"after".to_string()),
        "{}",
        again.stderr
    );
    assert!(p.run_ok("p.toml", &[]).computed().is_empty());
}

#[test]
fn a_job_cancelled_with_scancel_is_reported_as_cancelled() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}{SLOW}"));
    let (child, stderr) = common::spawn_until(&p, "p.toml", "submitted 1 constant task(s)");
    let record = std::fs::read_dir(p.cache().join("slurm/submitted"))
        .expect("records")
        .flatten()
        .next()
        .expect("one record");
    let sub: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record.path()).expect("read")).expect("json");
    let id = sub["slurm_id"].as_str().expect("slurm id").to_string();
    let status = std::process::Command::new("scancel")
        .arg(&id)
        .status()
        .expect("scancel");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    std::thread::sleep(Duration::from_millis(200));
    let text = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        text.contains("FAILED  slow: Slurm state CANCELLED") && text.contains(&id),
        "{text}"
    );
    assert!(text.contains("skipped after (needs slow)"), "{text}");
}

#[test]
fn ctrl_c_without_a_terminal_leaves_the_jobs_running_and_says_so() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}{SLOW}"));
    let (child, stderr) = common::spawn_until(&p, "p.toml", "submitted 1 constant task(s)");
    let status = p.flow(&["status", "p.toml"]);
    assert!(
        status.stdout.contains("Slurm jobs of this run") && status.stdout.contains("slow"),
        "{}",
        status.stdout
    );
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130));
    std::thread::sleep(Duration::from_millis(200));
    let text = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(text.contains("leaving 1 Slurm job(s) running"), "{text}");
    let again = p.run_ok("p.toml", &[]);
    assert!(
        again.stderr.contains("already submitted as Slurm job"),
        "{}",
        again.stderr
    );
    assert_eq!(
        submissions(&p)
            .iter()
            .filter(|l| l.contains("kind=constant"))
            .count(),
        1
    );
}

#[test]
fn an_unknown_partition_is_an_error_before_anything_is_submitted() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write(
        "p.toml",
        &format!("{EXECUTOR}partition = \"nosuch\"\n{}", common::SWEEP),
    );
    let ran = p.flow(&["run", "p.toml"]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr
            .contains("unknown Slurm partition `nosuch` (this cluster has: debug)"),
        "{}",
        ran.stderr
    );
    assert!(submissions(&p).is_empty());
}

#[test]
fn a_rejected_submission_is_reported_with_sbatchs_message() {
    if !slurm() {
        return;
    }
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}sbatch_args = [\"--no-such-option\"]\n[stages.a]\nkind = \"constant\"\nvalue = 1.0\n"));
    let ran = p.flow(&["run", "p.toml"]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr
            .contains("FAILED  a: sbatch rejected the submission"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("no-such-option"), "{}", ran.stderr);
}

#[test]
fn no_sbatch_on_path_is_a_clear_error() {
    let p = Project::new();
    p.write("p.toml", &format!("{EXECUTOR}{}", common::SWEEP));
    let ran = p
        .command(&["run", "p.toml"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1));
    assert!(stderr.contains("`sbatch` is not on PATH"), "{stderr}");
}

#[test]
fn an_unknown_executor_setting_points_at_the_line() {
    let p = Project::new();
    p.write(
        "p.toml",
        &format!(
            "[executor]\nkind = \"slurm\"\npartion = \"gpu\"\n\n{}",
            common::SWEEP
        ),
    );
    let ran = p.flow(&["run", "p.toml"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("unknown executor setting `partion`")
            && ran.stderr.contains("p.toml:3:1")
            && ran.stderr.contains("did you mean `partition`?"),
        "{}",
        ran.stderr
    );
}
