//! The Slurm command-line tools, called with bounded frequency and counted: `sbatch` to submit
//! an array, `squeue` for states (one call for all tracked tasks), `sacct` for tasks that have
//! left the queue (where accounting is enabled), `scancel`, and `sinfo` to check a partition
//! before anything is submitted.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::config::{SlurmConfig, TaskClass};

/// Counts of calls, for the run summary and the scheduler-overhead benchmark.
#[derive(Clone, Copy, Debug, Default)]
pub struct Calls {
    pub sbatch: usize,
    pub squeue: usize,
    pub sacct: usize,
    pub scancel: usize,
}

pub struct SlurmClient {
    pub calls: Calls,
    sacct_works: Option<bool>,
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run `{name}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(format!("`{name}` failed ({}): {err}", out.status))
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

impl SlurmClient {
    /// Checks that the tools exist and the configured partitions are known, before anything is
    /// submitted.
    pub fn connect(config: &SlurmConfig) -> Result<SlurmClient, String> {
        for tool in ["sbatch", "squeue", "scancel", "sinfo"] {
            if !on_path(tool) {
                return Err(format!(
                    "`{tool}` is not on PATH: the slurm executor needs the Slurm client tools (sbatch, squeue, scancel, sinfo)"
                ));
            }
        }
        let client = SlurmClient {
            calls: Calls::default(),
            sacct_works: None,
        };
        let partitions: Vec<String> = run(Command::new("sinfo").args(["-h", "-o", "%P"]))?
            .lines()
            .map(|l| l.trim().trim_end_matches('*').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let wanted = config
            .partition
            .iter()
            .chain(config.by_kind.values().filter_map(|r| r.partition.as_ref()))
            .chain(
                config
                    .by_stage
                    .values()
                    .filter_map(|r| r.partition.as_ref()),
            );
        for p in wanted {
            if !partitions.contains(p) {
                return Err(format!(
                    "unknown Slurm partition `{p}` (this cluster has: {})",
                    partitions.join(", ")
                ));
            }
        }
        Ok(client)
    }

    /// Submits `script` as an array of `n` tasks; returns the array job id.
    pub fn submit_array(
        &mut self,
        script: &Path,
        n: usize,
        class: &TaskClass,
        config: &SlurmConfig,
        logs: &Path,
    ) -> Result<String, String> {
        let mut cmd = Command::new("sbatch");
        cmd.arg("--parsable")
            .arg(format!("--array=0-{}", n.saturating_sub(1)))
            .arg(format!("--job-name=flow:{}", class.kind))
            .arg(format!("--cpus-per-task={}", class.cpus))
            .arg(format!("--output={}/%A_%a.out", logs.display()))
            .arg(format!("--error={}/%A_%a.err", logs.display()))
            .arg("--kill-on-invalid-dep=yes");
        if class.gpus > 0 {
            cmd.arg(format!("--gres=gpu:{}", class.gpus));
        }
        if let Some(m) = &class.mem {
            cmd.arg(format!("--mem={m}"));
        }
        if let Some(t) = &class.time {
            cmd.arg(format!("--time={t}"));
        }
        if let Some(p) = &class.partition {
            cmd.arg(format!("--partition={p}"));
        }
        if let Some(a) = &config.account {
            cmd.arg(format!("--account={a}"));
        }
        cmd.args(&config.sbatch_args).arg(script);
        self.calls.sbatch += 1;
        let out = run(&mut cmd).map_err(|e| format!("sbatch rejected the submission: {e}"))?;
        let id = out.trim().split(';').next().unwrap_or("").to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("sbatch printed no job id: {out:?}"));
        }
        Ok(id)
    }

    /// States of this user's tasks of the given array jobs: `ARRAY_TASK` → (state, reason).
    pub fn states(
        &mut self,
        arrays: &[String],
    ) -> Result<HashMap<String, (String, String)>, String> {
        if arrays.is_empty() {
            return Ok(HashMap::new());
        }
        self.calls.squeue += 1;
        let out = run(Command::new("squeue").args([
            "--me",
            "-h",
            "-r",
            "-t",
            "all",
            "-o",
            "%i|%T|%r",
            "-j",
            &arrays.join(","),
        ]))
        .or_else(|e| {
            if e.contains("Invalid job id") {
                Ok(String::new())
            } else {
                Err(e)
            }
        })?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let mut parts = l.split('|');
                Some((
                    parts.next()?.trim().to_string(),
                    (
                        parts.next()?.trim().to_string(),
                        parts.next().unwrap_or("").trim().to_string(),
                    ),
                ))
            })
            .collect())
    }

    /// The final state of a task that has left the queue, from accounting (None where
    /// accounting is disabled).
    pub fn final_state(&mut self, slurm_id: &str) -> Option<String> {
        if self.sacct_works == Some(false) || !on_path("sacct") {
            return None;
        }
        self.calls.sacct += 1;
        let out = run(Command::new("sacct").args([
            "-n",
            "-P",
            "-X",
            "-o",
            "JobID,State",
            "-j",
            slurm_id,
        ]))
        .ok()?;
        if out.contains("accounting storage is disabled") {
            self.sacct_works = Some(false);
            return None;
        }
        self.sacct_works = Some(true);
        out.lines()
            .filter_map(|l| l.split_once('|'))
            .find(|(id, _)| *id == slurm_id)
            .map(|(_, st)| st.split_whitespace().next().unwrap_or("").to_string())
    }

    pub fn cancel(&mut self, ids: &[String]) -> Result<(), String> {
        if ids.is_empty() {
            return Ok(());
        }
        self.calls.scancel += 1;
        run(Command::new("scancel").args(ids)).map(|_| ())
    }
}
