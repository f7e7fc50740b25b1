//! Helpers for the end-to-end tests: a scratch project directory with pipeline files, and the
//! real `flow` binary run in it.
#![allow(dead_code)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Project {
    pub dir: tempfile::TempDir,
    /// Environment variables set for every `flow` this project runs.
    pub env: Vec<(String, String)>,
}

/// What one `flow` invocation did.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Names of the nodes this run computed (from the plain progress lines).
    pub fn computed(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .stderr
            .lines()
            .filter_map(|l| l.split_once("] done ").map(|(_, rest)| rest))
            .filter_map(|rest| rest.rsplit_once(" in ").map(|(name, _)| name.to_string()))
            .collect();
        names.sort();
        names
    }
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
            env: Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write file");
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_flow"));
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("FLOW_CACHE")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(Stdio::null());
        c
    }

    pub fn flow(&self, args: &[&str]) -> Ran {
        let out: Output = self.command(args).output().expect("run flow");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `flow run FILE ARGS…`, asserting success.
    pub fn run_ok(&self, file: &str, extra: &[&str]) -> Ran {
        let mut args = vec!["run", file, "--progress", "lines"];
        args.extend_from_slice(extra);
        let ran = self.flow(&args);
        assert_eq!(ran.code, 0, "flow run failed:\n{}", ran.stderr);
        ran
    }

    /// `flow plan FILE --format json` as parsed JSON rows.
    pub fn plan_json(&self, file: &str, extra: &[&str]) -> Vec<serde_json::Value> {
        let mut args = vec!["plan", file, "--format", "json"];
        args.extend_from_slice(extra);
        let ran = self.flow(&args);
        assert_eq!(ran.code, 0, "flow plan failed:\n{}", ran.stderr);
        serde_json::from_str::<Vec<serde_json::Value>>(&ran.stdout).expect("plan json")
    }

    /// Node name → key, from `flow plan --format json`.
    pub fn keys(&self, file: &str) -> Vec<(String, Option<String>)> {
        self.plan_json(file, &[])
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap_or("").to_string(),
                    r["key"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join(".flow")
    }

    /// Every published object directory in the cache.
    pub fn objects(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let root = self.cache().join("objects");
        for fan in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            for obj in std::fs::read_dir(fan.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push(obj.path());
            }
        }
        out
    }
}

/// Starts `flow run` in the background and returns once stderr shows `needle`, with the rest of
/// stderr collected as it comes.
pub fn spawn_until(
    p: &Project,
    file: &str,
    needle: &str,
) -> (
    std::process::Child,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    let mut child = p
        .command(&["run", file, "--progress", "lines"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn flow");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let line = lines.next().expect("flow ended early").expect("read");
        if line.contains(needle) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never saw {needle}");
    }
    let rest = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = rest.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
            s.push_str(&line);
            s.push('\n');
        }
    });
    (child, rest)
}

/// The object directory of a node, via `flow plan` keys.
pub fn object_dir(p: &Project, file: &str, node: &str) -> PathBuf {
    let keys = p.keys(file);
    let key = keys
        .iter()
        .find(|(n, _)| n == node)
        .and_then(|(_, k)| k.clone())
        .expect("node has a key");
    p.cache().join("objects").join(&key[..2]).join(&key[2..])
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// A small sweep/map/gather pipeline on the generic stages.
pub const SWEEP: &str = r#"
[pipeline]
name = "sweep"

[stages.source]
kind = "constant"
rows = 3
sweep.value = [1.0, 2.0, 3.0]

[stages.clipped]
kind = "clip"
table = "source"
min = 0.0
max = 2.5

[stages.total]
kind = "sum"
parts = "clipped"
"#;

/// Starts the local Slurm cluster (scripts/slurm-local.sh), once per test binary. False (with a
/// SKIPPED line) when Slurm truly cannot start here; in CI that is a failure instead.
pub fn slurm_up() -> bool {
    static UP: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let up = UP.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/slurm-local.sh");
        let out = Command::new("bash")
            .arg(script)
            .arg("start")
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    match up {
        Ok(()) => true,
        Err(e) if std::env::var_os("CI").is_some() => panic!("Slurm must start in CI: {e}"),
        Err(e) => {
            // Written to the real stderr, not through `eprintln!` (which the test harness
            // captures and hides for a passing test), so the skip shows in the test output.
            use std::io::Write;
            let test = std::thread::current()
                .name()
                .unwrap_or("a Slurm test")
                .to_string();
            let first_line = e.lines().next().unwrap_or("");
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: Slurm cannot be started here ({first_line}); CI runs it"
            );
            false
        }
    }
}

/// Takes the local Slurm node down (its running tasks end NODE_FAIL), then puts it back after
/// 1.5 s (Slurm may already have returned it to service by itself).
pub fn fail_slurm_node(reason: &str) {
    let down = Command::new("scontrol")
        .args([
            "update",
            "nodename=localhost",
            "state=down",
            &format!("reason={reason}"),
        ])
        .status()
        .expect("scontrol");
    assert!(down.success());
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = Command::new("scontrol")
        .args(["update", "nodename=localhost", "state=resume"])
        .status();
}
