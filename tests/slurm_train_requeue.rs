//! A training task whose Slurm node fails mid-run is resubmitted and resumes from the
//! checkpoint it left in the shared cache's scratch space (issue 7), ending with exactly the
//! weights of an uninterrupted run. Its own test binary: it takes the single local node down.

mod common;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Project;

const PIPELINE: &str = r#"
[executor]
kind = "slurm"
poll_seconds = 0.2
sbatch_args = ["--no-requeue"]

[stages.faces]
kind = "synthetic-faces"
images = 40
size = 32
factors = "quick"
sheets = false

[stages.split]
kind = "split"
images = "faces.images"
heldout = 2
model_only = 2

[stages.model]
kind = "train"
images = "split.train_images"
latents = 4
steps = 2000
batch = 8
lr = 1e-3
threads = 1
"#;

fn has_checkpoint(scratch: &std::path::Path) -> bool {
    std::fs::read_dir(scratch)
        .map(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.path().join("checkpoint/state.json").is_file())
        })
        .unwrap_or(false)
}

#[test]
fn a_training_task_ending_node_fail_resumes_from_its_checkpoint() {
    if !common::slurm_up() {
        return;
    }
    // The same pipeline run locally, uninterrupted.
    let whole = Project::new();
    whole.write(
        "p.toml",
        &PIPELINE.replace("kind = \"slurm\"", "kind = \"local\""),
    );
    whole.run_ok("p.toml", &[]);

    let mut p = Project::new();
    p.env.push(("FLOW_CHECKPOINT_SECONDS".into(), "0.3".into()));
    p.write("p.toml", PIPELINE);
    let mut child = p
        .command(&["run", "p.toml", "--progress", "lines"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = lines.next().expect("flow ended early").expect("read");
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("RUNNING job") && line.contains("model") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the training task never ran:\n{seen}"
        );
    }
    let scratch = p.cache().join("scratch");
    while !has_checkpoint(&scratch) {
        assert!(Instant::now() < deadline, "no checkpoint appeared:\n{seen}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(600));
    common::fail_slurm_node("flow-train-requeue-test");
    for line in lines.map_while(Result::ok) {
        seen.push_str(&line);
        seen.push('\n');
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{seen}");
    assert!(seen.contains("ended NODE_FAIL; resubmitting"), "{seen}");

    // The resubmitted task's log says where it resumed.
    let logs = p.cache().join("slurm/logs");
    let resumed = std::fs::read_dir(&logs)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .find_map(|text| {
            text.lines()
                .find(|l| l.contains("resumed from its checkpoint at step"))
                .map(str::to_string)
        });
    let resumed = resumed.unwrap_or_else(|| panic!("no task log says it resumed:\n{seen}"));
    let step: u64 = resumed.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(step > 0, "{resumed}");

    let key = |q: &Project| {
        common::object_dir(q, "p.toml", "model").join("ports/weights/model.safetensors")
    };
    let a = std::fs::read(key(&whole)).unwrap();
    let b = std::fs::read(key(&p)).unwrap();
    assert!(
        a == b,
        "the resumed model differs from the uninterrupted one"
    );
}
