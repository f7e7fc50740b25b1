//! `[executor]` settings for Slurm, read from the pipeline with spans for errors:
//!
//! ```toml
//! [executor]
//! kind = "slurm"                 # or `flow run --executor slurm`
//! partition = "gpu"
//! account = "lab"
//! time = "04:00:00"              # per task
//! mem = "8G"
//! max_in_flight = 500            # tasks queued or running at once
//! max_requeue = 3                # resubmissions after PREEMPTED / NODE_FAIL
//! poll_seconds = 2.0             # squeue at most this often
//! sbatch_args = ["--qos=normal"]
//!
//! [executor.kinds.train]         # per stage kind (kinds declare CPUs/GPUs; this overrides)
//! cpus = 4
//! gpus = 1
//! mem = "16G"
//! time = "24:00:00"
//!
//! [executor.stages.bvae]         # per stage name (wins over the kind)
//! partition = "long"
//! ```

use std::collections::BTreeMap;

use flow_engine::diagnostic::{Diagnostic, did_you_mean};
use flow_engine::pipeline::raw::{RawEntry, RawTable, RawValue};
use flow_engine::plan::PlanNode;

/// Resource overrides for a kind or a stage.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    pub cpus: Option<usize>,
    pub gpus: Option<u32>,
    pub mem: Option<String>,
    pub time: Option<String>,
    pub partition: Option<String>,
}

/// What one task asks Slurm for; tasks of one kind and one class share an array.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskClass {
    pub kind: String,
    pub cpus: usize,
    pub gpus: u32,
    pub mem: Option<String>,
    pub time: Option<String>,
    pub partition: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SlurmConfig {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub time: Option<String>,
    pub mem: Option<String>,
    pub sbatch_args: Vec<String>,
    pub max_in_flight: usize,
    pub max_requeue: u32,
    pub poll_seconds: f64,
    pub by_kind: BTreeMap<String, Resources>,
    pub by_stage: BTreeMap<String, Resources>,
}

impl Default for SlurmConfig {
    fn default() -> Self {
        SlurmConfig {
            partition: None,
            account: None,
            time: None,
            mem: None,
            sbatch_args: Vec::new(),
            max_in_flight: 1000,
            max_requeue: 3,
            poll_seconds: 2.0,
            by_kind: BTreeMap::new(),
            by_stage: BTreeMap::new(),
        }
    }
}

const KEYS: &[&str] = &[
    "kind",
    "partition",
    "account",
    "time",
    "mem",
    "max_in_flight",
    "max_requeue",
    "poll_seconds",
    "sbatch_args",
    "kinds",
    "stages",
];
const RESOURCE_KEYS: &[&str] = &["cpus", "gpus", "mem", "time", "partition"];

/// The executor named in an `[executor]` table (`kind = "…"`), if any.
pub fn executor_kind(table: Option<&RawTable>) -> Option<String> {
    match table?.get("kind")?.value.value {
        RawValue::Str(ref s) => Some(s.clone()),
        _ => None,
    }
}

fn string(e: &RawEntry, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match &e.value.value {
        RawValue::Str(s) => Some(s.clone()),
        other => {
            diags.push(Diagnostic::at(
                &e.value.span,
                format!("`{key}` must be a string, found {}", other.type_name()),
                "expected a string",
            ));
            None
        }
    }
}

fn count(e: &RawEntry, key: &str, min: i64, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    match e.value.value {
        RawValue::Int(i) if i >= min => Some(i),
        _ => {
            diags.push(Diagnostic::at(
                &e.value.span,
                format!("`{key}` must be an integer ≥ {min}"),
                "expected an integer",
            ));
            None
        }
    }
}

fn resources(table: &RawTable, what: &str, diags: &mut Vec<Diagnostic>) -> Resources {
    let mut r = Resources::default();
    for (k, e) in table {
        match k.as_str() {
            "cpus" => r.cpus = count(e, k, 1, diags).map(|v| v as usize),
            "gpus" => r.gpus = count(e, k, 0, diags).map(|v| v as u32),
            "mem" => r.mem = string(e, k, diags),
            "time" => r.time = string(e, k, diags),
            "partition" => r.partition = string(e, k, diags),
            other => diags.push(
                Diagnostic::at(
                    &e.key_span,
                    format!("unknown resource `{other}` in {what}"),
                    "unknown key",
                )
                .suggest(did_you_mean(other, RESOURCE_KEYS.iter().copied()))
                .help(format!("resources are {}", RESOURCE_KEYS.join(", "))),
            ),
        }
    }
    r
}

fn sub_tables(e: &RawEntry, key: &str, diags: &mut Vec<Diagnostic>) -> BTreeMap<String, Resources> {
    let mut out = BTreeMap::new();
    match &e.value.value {
        RawValue::Table(t) => {
            for (name, inner) in t {
                match &inner.value.value {
                    RawValue::Table(r) => {
                        out.insert(
                            name.clone(),
                            resources(r, &format!("[executor.{key}.{name}]"), diags),
                        );
                    }
                    _ => diags.push(Diagnostic::at(
                        &inner.value.span,
                        format!("`executor.{key}.{name}` must be a table"),
                        "expected a table",
                    )),
                }
            }
        }
        _ => diags.push(Diagnostic::at(
            &e.value.span,
            format!("`executor.{key}` must be a table of tables"),
            "expected a table",
        )),
    }
    out
}

impl SlurmConfig {
    /// Reads the `[executor]` table (absent: defaults).
    pub fn from_table(table: Option<&RawTable>) -> Result<SlurmConfig, Vec<Diagnostic>> {
        let mut c = SlurmConfig::default();
        let mut diags = Vec::new();
        for (k, e) in table.into_iter().flatten() {
            match k.as_str() {
                "kind" => {}
                "partition" => c.partition = string(e, k, &mut diags),
                "account" => c.account = string(e, k, &mut diags),
                "time" => c.time = string(e, k, &mut diags),
                "mem" => c.mem = string(e, k, &mut diags),
                "max_in_flight" => {
                    c.max_in_flight = count(e, k, 1, &mut diags).unwrap_or(1) as usize
                }
                "max_requeue" => c.max_requeue = count(e, k, 0, &mut diags).unwrap_or(0) as u32,
                "poll_seconds" => match e.value.value {
                    RawValue::Float(f) if f >= 0.1 => c.poll_seconds = f,
                    RawValue::Int(i) if i >= 1 => c.poll_seconds = i as f64,
                    _ => diags.push(Diagnostic::at(
                        &e.value.span,
                        "`poll_seconds` must be a number ≥ 0.1",
                        "expected seconds",
                    )),
                },
                "sbatch_args" => match &e.value.value {
                    RawValue::Array(items) => {
                        for item in items {
                            match &item.value {
                                RawValue::Str(s) => c.sbatch_args.push(s.clone()),
                                _ => diags.push(Diagnostic::at(
                                    &item.span,
                                    "`sbatch_args` holds strings",
                                    "expected a string",
                                )),
                            }
                        }
                    }
                    _ => diags.push(Diagnostic::at(
                        &e.value.span,
                        "`sbatch_args` must be a list of strings",
                        "expected a list",
                    )),
                },
                "kinds" => c.by_kind = sub_tables(e, "kinds", &mut diags),
                "stages" => c.by_stage = sub_tables(e, "stages", &mut diags),
                other => {
                    diags.push(
                        Diagnostic::at(
                            &e.key_span,
                            format!("unknown executor setting `{other}`"),
                            "unknown key",
                        )
                        .suggest(did_you_mean(other, KEYS.iter().copied()))
                        .help(format!("[executor] takes {}", KEYS.join(", "))),
                    );
                }
            }
        }
        if diags.is_empty() { Ok(c) } else { Err(diags) }
    }

    /// The resources of one node: stage overrides, then kind overrides, then the node's own
    /// thread and GPU budget, then the executor defaults.
    pub fn class(&self, node: &PlanNode) -> TaskClass {
        let stage = self.by_stage.get(&node.stage);
        let kind = self.by_kind.get(&node.kind);
        let pick = |f: &dyn Fn(&Resources) -> Option<String>| {
            stage.and_then(f).or_else(|| kind.and_then(f))
        };
        TaskClass {
            kind: node.kind.clone(),
            cpus: stage
                .and_then(|r| r.cpus)
                .or_else(|| kind.and_then(|r| r.cpus))
                .unwrap_or(node.threads)
                .max(1),
            gpus: stage
                .and_then(|r| r.gpus)
                .or_else(|| kind.and_then(|r| r.gpus))
                .unwrap_or(node.gpus),
            mem: pick(&|r| r.mem.clone()).or_else(|| self.mem.clone()),
            time: pick(&|r| r.time.clone()).or_else(|| self.time.clone()),
            partition: pick(&|r| r.partition.clone()).or_else(|| self.partition.clone()),
        }
    }
}
