//! [`SlurmExecutor`]: jobs out as arrays, states in from `squeue`, outcomes to the run loop.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flow_cache::{Lookup, Store};

use crate::client::{Calls, SlurmClient};
use crate::config::{SlurmConfig, TaskClass};
use crate::record::{self, Submission};
use flow_engine::events::{NodeProgress, RunEvents};
use flow_engine::exec::executor::{Executor, Outcome};
use flow_engine::exec::job::Job;

/// States in which a task may still finish by itself.
const LIVE: &[&str] = &[
    "PENDING",
    "CONFIGURING",
    "RUNNING",
    "COMPLETING",
    "SUSPENDED",
    "REQUEUED",
    "REQUEUE_HOLD",
    "REQUEUE_FED",
    "RESIZING",
    "SIGNALING",
    "STAGE_OUT",
];
/// States after which a task is resubmitted (up to `max_requeue`).
const RETRY: &[&str] = &["PREEMPTED", "NODE_FAIL", "BOOT_FAIL"];

struct Tracked {
    job: Job,
    submission: Submission,
    bar: NodeProgress,
    started: Instant,
}

pub struct SlurmExecutor {
    config: SlurmConfig,
    client: SlurmClient,
    store: Store,
    /// `<cache>/slurm`: job files, array scripts, logs, submission records.
    dir: PathBuf,
    exe: PathBuf,
    pending: Vec<(Job, u32)>,
    tracked: Vec<Tracked>,
    ready: VecDeque<Outcome>,
    cancel: Arc<AtomicBool>,
    progress: RunEvents,
    last_poll: Option<Instant>,
    cancel_handled: bool,
    /// Set once every job submitted so far went out (for the benchmark: run start → all submitted).
    pub all_submitted_at: Option<Instant>,
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn tail(path: &std::path::Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    kept[kept.len().saturating_sub(lines)..].join(" | ")
}

impl SlurmExecutor {
    /// Connects to the cluster (checks the tools and partitions) before anything is submitted.
    pub fn new(
        config: SlurmConfig,
        store: Store,
        cancel: Arc<AtomicBool>,
        progress: RunEvents,
    ) -> Result<SlurmExecutor, String> {
        let client = SlurmClient::connect(&config)?;
        let root = std::fs::canonicalize(store.root())
            .map_err(|e| format!("{}: {e}", store.root().display()))?;
        let store = Store::open(&root).map_err(|e| e.to_string())?;
        let dir = store.executor_area("slurm");
        for sub in ["jobs", "arrays", "logs", "submitted"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("{}: {e}", dir.join(sub).display()))?;
        }
        let exe =
            std::env::current_exe().map_err(|e| format!("cannot find the flow binary: {e}"))?;
        Ok(SlurmExecutor {
            config,
            client,
            store,
            dir,
            exe,
            pending: Vec::new(),
            tracked: Vec::new(),
            ready: VecDeque::new(),
            cancel,
            progress,
            last_poll: None,
            cancel_handled: false,
            all_submitted_at: None,
        })
    }

    pub fn calls(&self) -> Calls {
        self.client.calls
    }

    fn fail(&mut self, job: &Job, bar: Option<&NodeProgress>, reason: String) {
        self.progress.failed(&job.node.name, bar.is_some(), &reason);
        self.ready.push_back(Outcome::Failed {
            index: job.index,
            reason,
        });
    }

    /// Submits everything pending: first adopts tasks a previous `flow run` left queued or
    /// running, then one array per (kind, resource class).
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        // Adopt live submissions from an earlier run.
        let previous: Vec<(usize, Submission)> = pending
            .iter()
            .enumerate()
            .filter_map(|(i, (job, _))| record::read(&self.dir, &job.digest).map(|s| (i, s)))
            .collect();
        let mut adopted = vec![false; pending.len()];
        if !previous.is_empty() {
            let arrays: Vec<String> = unique(
                previous
                    .iter()
                    .map(|(_, s)| s.slurm_id.split('_').next().unwrap_or("").to_string()),
            );
            if let Ok(states) = self.client.states(&arrays) {
                for (i, s) in previous {
                    if states
                        .get(&s.slurm_id)
                        .is_some_and(|(st, _)| LIVE.contains(&st.as_str()))
                    {
                        let job = pending[i].0.clone();
                        self.progress.log(&format!(
                            "{}: already submitted as Slurm job {}; waiting for it",
                            job.node.name, s.slurm_id
                        ));
                        let bar = self.progress.started(&job.node.name);
                        self.tracked.push(Tracked {
                            job,
                            submission: s,
                            bar,
                            started: Instant::now(),
                        });
                        adopted[i] = true;
                    }
                }
            }
        }
        let mut groups: BTreeMap<TaskClass, Vec<(Job, u32)>> = BTreeMap::new();
        for ((job, attempts), adopted) in pending.into_iter().zip(adopted) {
            if !adopted {
                groups
                    .entry(self.config.class(&job.node))
                    .or_default()
                    .push((job, attempts));
            }
        }
        for (class, jobs) in groups {
            self.submit(&class, jobs);
        }
        self.all_submitted_at = Some(Instant::now());
    }

    fn submit(&mut self, class: &TaskClass, jobs: Vec<(Job, u32)>) {
        let tag = format!(
            "{}-{:.0}-{}",
            class.kind,
            now_unix() * 1e3,
            std::process::id()
        );
        let mut list = String::new();
        for (job, _) in &jobs {
            let path = self.dir.join("jobs").join(format!("{}.json", job.digest));
            if let Err(e) = std::fs::write(&path, serde_json::to_vec(job).unwrap_or_default()) {
                let reason = format!("cannot write {}: {e}", path.display());
                for (job, _) in &jobs {
                    self.fail(job, None, reason.clone());
                }
                return;
            }
            list.push_str(&format!("{}\n", path.display()));
        }
        let list_path = self.dir.join("arrays").join(format!("{tag}.list"));
        let script_path = self.dir.join("arrays").join(format!("{tag}.sh"));
        let script = format!(
            "#!/bin/bash\n# flow: one task per line of {list}\nJOB=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" '{list}')\nexec '{exe}' --cache '{cache}' exec-node \"$JOB\"\n",
            list = list_path.display(),
            exe = self.exe.display(),
            cache = self.store.root().display(),
        );
        let written =
            std::fs::write(&list_path, list).and_then(|_| std::fs::write(&script_path, script));
        let logs = self.dir.join("logs");
        let submitted = written
            .map_err(|e| format!("cannot write {}: {e}", script_path.display()))
            .and_then(|_| {
                self.client
                    .submit_array(&script_path, jobs.len(), class, &self.config, &logs)
            });
        let array = match submitted {
            Ok(id) => id,
            Err(reason) => {
                for (job, _) in &jobs {
                    self.fail(job, None, reason.clone());
                }
                return;
            }
        };
        let line = format!(
            "{:.3} sbatch array={array} tasks={} kind={} cpus={}\n",
            now_unix(),
            jobs.len(),
            class.kind,
            class.cpus
        );
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("submissions.log"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        let announce = format!(
            "slurm: submitted {} {} task(s) as array job {array}",
            jobs.len(),
            class.kind
        );
        for (task, (job, attempts)) in jobs.into_iter().enumerate() {
            let submission = Submission {
                node: job.node.name.clone(),
                slurm_id: format!("{array}_{task}"),
                stdout: logs.join(format!("{array}_{task}.out")),
                stderr: logs.join(format!("{array}_{task}.err")),
                attempts,
                submitted_unix: now_unix(),
            };
            let _ = record::write(&self.dir, &job.digest, &submission);
            let bar = self.progress.started(&job.node.name);
            bar.update(0, 1, "PENDING");
            self.tracked.push(Tracked {
                job,
                submission,
                bar,
                started: Instant::now(),
            });
        }
        self.progress.log(&announce);
    }

    /// One `squeue` for every tracked task; finished tasks become outcomes.
    fn poll(&mut self) {
        self.last_poll = Some(Instant::now());
        let arrays = unique(self.tracked.iter().map(|t| {
            t.submission
                .slurm_id
                .split('_')
                .next()
                .unwrap_or("")
                .to_string()
        }));
        let states = match self.client.states(&arrays) {
            Ok(s) => s,
            Err(e) => {
                self.progress
                    .log(&format!("slurm: squeue failed ({e}); retrying"));
                return;
            }
        };
        let tracked = std::mem::take(&mut self.tracked);
        for t in tracked {
            // A task not yet split out of its array (pending, or cancelled while pending) is
            // listed under the array's own id.
            let array_id = t.submission.slurm_id.split('_').next().unwrap_or("");
            let (state, reason) = match states
                .get(&t.submission.slurm_id)
                .or_else(|| states.get(array_id))
            {
                Some(s) => s.clone(),
                // Just submitted and not listed yet (a busy controller): look again next time.
                None if now_unix() - t.submission.submitted_unix < 30.0 => {
                    self.tracked.push(t);
                    continue;
                }
                None => match self.client.final_state(&t.submission.slurm_id) {
                    Some(st) => (st, String::new()),
                    None => ("GONE".to_string(), String::new()),
                },
            };
            if LIVE.contains(&state.as_str()) {
                if reason == "DependencyNeverSatisfied" {
                    let _ = self
                        .client
                        .cancel(std::slice::from_ref(&t.submission.slurm_id));
                    self.finish_failed(t, "PENDING forever (DependencyNeverSatisfied)".into());
                    continue;
                }
                let shown = if reason.is_empty() || reason == "None" {
                    state.clone()
                } else {
                    format!("{state} ({reason})")
                };
                t.bar.update(
                    u64::from(state == "RUNNING"),
                    1,
                    &format!("{shown} job {}", t.submission.slurm_id),
                );
                self.tracked.push(t);
                continue;
            }
            match self.store.get(&t.job.digest) {
                Ok(Lookup::Present(object)) => {
                    record::remove(&self.dir, &t.job.digest);
                    let seconds = t.started.elapsed().as_secs_f64();
                    self.progress.finished(&t.job.node.name, seconds, false);
                    self.ready.push_back(Outcome::Done {
                        index: t.job.index,
                        object,
                        reused: false,
                        seconds,
                    });
                    continue;
                }
                _ if RETRY.contains(&state.as_str())
                    && t.submission.attempts < self.config.max_requeue =>
                {
                    self.progress.log(&format!(
                        "{}: Slurm job {} ended {state}; resubmitting (attempt {} of {})",
                        t.job.node.name,
                        t.submission.slurm_id,
                        t.submission.attempts + 2,
                        self.config.max_requeue + 1
                    ));
                    self.pending.push((t.job, t.submission.attempts + 1));
                    continue;
                }
                _ => {}
            }
            let what = match state.as_str() {
                "COMPLETED" => "COMPLETED but published no result".to_string(),
                "GONE" => "left the queue without a result".to_string(),
                s => format!(
                    "Slurm state {s}{}",
                    if reason.is_empty() || reason == "None" {
                        String::new()
                    } else {
                        format!(" ({reason})")
                    }
                ),
            };
            let err_tail = tail(&t.submission.stderr, 4);
            let message = format!(
                "{what}; job {}; log {}{}",
                t.submission.slurm_id,
                t.submission.stderr.display(),
                if err_tail.is_empty() {
                    String::new()
                } else {
                    format!("; stderr: {err_tail}")
                }
            );
            self.finish_failed(t, message);
        }
    }

    fn finish_failed(&mut self, t: Tracked, reason: String) {
        self.progress.failed(&t.job.node.name, true, &reason);
        self.ready.push_back(Outcome::Failed {
            index: t.job.index,
            reason,
        });
    }

    /// Ctrl-C: ask whether to cancel the submitted jobs (on a terminal); otherwise leave them.
    fn handle_cancel(&mut self) {
        self.cancel_handled = true;
        let ids: Vec<String> = self
            .tracked
            .iter()
            .map(|t| t.submission.slurm_id.clone())
            .collect();
        if !ids.is_empty() {
            use std::io::IsTerminal;
            let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
            let cancel = interactive && {
                eprint!(
                    "flow: cancel the {} submitted Slurm job(s)? [y/N] ",
                    ids.len()
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer).is_ok()
                    && answer.trim().eq_ignore_ascii_case("y")
            };
            if cancel {
                match self.client.cancel(&ids) {
                    Ok(()) => eprintln!("flow: cancelled {} Slurm job(s)", ids.len()),
                    Err(e) => eprintln!("flow: scancel failed: {e}"),
                }
            } else {
                eprintln!(
                    "flow: leaving {} Slurm job(s) running; `flow run` again waits for them instead of resubmitting",
                    ids.len()
                );
            }
        }
        for t in std::mem::take(&mut self.tracked) {
            t.bar.update(0, 1, "left running");
            self.ready
                .push_back(Outcome::Cancelled { index: t.job.index });
        }
        for (job, _) in std::mem::take(&mut self.pending) {
            self.ready
                .push_back(Outcome::Cancelled { index: job.index });
        }
    }
}

fn unique(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

impl Executor for SlurmExecutor {
    fn has_room(&self, _threads: usize) -> bool {
        self.pending.len() + self.tracked.len() < self.config.max_in_flight
    }

    fn start(&mut self, job: Job) {
        self.pending.push((job, 0));
    }

    fn running(&self) -> usize {
        self.pending.len() + self.tracked.len() + self.ready.len()
    }

    fn next(&mut self) -> Option<Outcome> {
        loop {
            if let Some(outcome) = self.ready.pop_front() {
                return Some(outcome);
            }
            if self.cancel.load(Ordering::Relaxed) && !self.cancel_handled {
                self.handle_cancel();
                continue;
            }
            if !self.pending.is_empty() {
                self.flush();
                continue;
            }
            if self.tracked.is_empty() {
                return None;
            }
            let interval = Duration::from_secs_f64(self.config.poll_seconds);
            if let Some(last) = self.last_poll {
                let due = last + interval;
                while Instant::now() < due {
                    if self.cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(
                        Duration::from_millis(50).min(due - Instant::now().min(due)),
                    );
                }
                if self.cancel.load(Ordering::Relaxed) {
                    continue;
                }
            }
            self.poll();
        }
    }
}

/// `flow status`: the Slurm task of each node that has a submission record: (node, id, state).
pub fn job_states(
    store: &Store,
    keys: &[(String, flow_cache::Digest)],
) -> Vec<(String, String, String)> {
    let dir = store.executor_area("slurm");
    let subs: Vec<(String, Submission)> = keys
        .iter()
        .filter_map(|(n, k)| record::read(&dir, k).map(|s| (n.clone(), s)))
        .collect();
    if subs.is_empty() {
        return Vec::new();
    }
    let arrays = unique(
        subs.iter()
            .map(|(_, s)| s.slurm_id.split('_').next().unwrap_or("").to_string()),
    );
    let states: HashMap<String, (String, String)> = SlurmClient::connect(&SlurmConfig::default())
        .ok()
        .and_then(|mut c| c.states(&arrays).ok())
        .unwrap_or_default();
    subs.into_iter()
        .map(|(n, s)| {
            let st = states
                .get(&s.slurm_id)
                .map_or("not in the queue".to_string(), |(st, _)| st.clone());
            (n, s.slurm_id, st)
        })
        .collect()
}
