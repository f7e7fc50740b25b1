//! The run loop, and the same reasoning without running (`flow plan`).
//!
//! A node's key can be computed once the content of every input is known. Walking the plan in
//! dependency order: a node whose key is in the cache is *cached* (its outputs are known at
//! once); otherwise it becomes a [`Job`] for the executor, and its dependents wait for its
//! outputs' content digests. When a re-run upstream produces the same bytes, the dependents'
//! keys come out unchanged and they are cached (early cutoff). A failed node's dependents are
//! skipped; everything else goes on. Cancellation stops new jobs from starting and lets running
//! ones end (stages check the flag); nothing half-written is ever published.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flow_cache::{CacheError, Digest, Lookup, Object, Store};
use petgraph::graph::NodeIndex;

use crate::events::RunEvents;
use crate::exec::executor::{Executor, Outcome};
use crate::exec::job::{InputItem, Job, JobInput};
use crate::plan::Plan;
use crate::plan::key::{CacheKey, KeyInput};
use crate::run_index::RunIndex;

/// The content of a node's outputs, once known.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub object: Digest,
    pub ports: BTreeMap<String, Digest>,
}

impl Resolved {
    pub fn of(object: &Object) -> Resolved {
        Resolved {
            object: object.key,
            ports: object
                .manifest
                .ports
                .iter()
                .map(|(k, v)| (k.clone(), v.content))
                .collect(),
        }
    }
}

/// Why a node's key cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The upstream result lacks a port the plan reads (a result of another build of a kind).
    #[error("upstream {upstream} has no output `{port}`")]
    NoSuchOutput { upstream: String, port: String },
    /// A `path` parameter's file or folder could not be hashed.
    #[error("parameter `{param}`: {source}")]
    Path { param: String, source: CacheError },
}

/// Computes a node's key from its inputs' content, or `Ok(None)` if some input is not known yet.
pub fn node_key(
    plan: &Plan,
    index: NodeIndex,
    resolved: &[Option<Resolved>],
    store: &Store,
) -> Result<Option<(CacheKey, Vec<JobInput>)>, KeyError> {
    let node = plan.node(index);
    let mut key_inputs = Vec::with_capacity(node.inputs.len());
    let mut job_inputs = Vec::with_capacity(node.inputs.len());
    for input in &node.inputs {
        let mut content = Vec::with_capacity(input.sources.len());
        let mut items = Vec::with_capacity(input.sources.len());
        for s in &input.sources {
            let Some(r) = &resolved[s.node] else {
                return Ok(None);
            };
            let Some(digest) = r.ports.get(&s.port) else {
                return Err(KeyError::NoSuchOutput {
                    upstream: plan.graph[NodeIndex::new(s.node)].name.clone(),
                    port: s.port.clone(),
                });
            };
            content.push(*digest);
            let up = &plan.graph[NodeIndex::new(s.node)];
            items.push(InputItem {
                node: up.name.clone(),
                coords: up.coords.clone(),
                object: r.object,
                port: s.port.clone(),
            });
        }
        key_inputs.push(KeyInput {
            port: input.port.clone(),
            content,
        });
        job_inputs.push(JobInput {
            port: input.port.clone(),
            ty: input.ty,
            items,
        });
    }
    let mut params: BTreeMap<String, serde_json::Value> = node
        .params
        .0
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    for name in &node.path_params {
        if let Some(path) = node.params.get(name).and_then(|v| v.as_str()) {
            let digest = content_digest(store, std::path::Path::new(path)).map_err(|source| {
                KeyError::Path {
                    param: name.clone(),
                    source,
                }
            })?;
            params.insert(
                name.clone(),
                serde_json::json!({ "file-content": digest.to_string() }),
            );
        }
    }
    let key = CacheKey {
        kind: node.kind.clone(),
        version: node.version,
        params,
        seed: node.seed,
        inputs: key_inputs,
    };
    Ok(Some((key, job_inputs)))
}

/// The content digest of an imported file, or of a directory ([`Store::hash_dir`]).
pub fn content_digest(store: &Store, path: &std::path::Path) -> Result<Digest, CacheError> {
    if path.is_dir() {
        store.hash_dir(path)
    } else {
        store.hash_file(path)
    }
}

/// Why a node with a known key must run.
pub fn reason(key: &CacheKey, last: Option<&CacheKey>, forced: bool) -> String {
    if forced {
        return "forced".into();
    }
    match last {
        None => "new".into(),
        Some(old) => {
            let changes = key.changes_since(old);
            if changes.is_empty() {
                "not in the cache (removed, or corrupt)".into()
            } else {
                changes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
    }
}

/// A node's status as `flow plan` reports it.
#[derive(Clone, Debug)]
pub struct NodeStatus {
    pub index: NodeIndex,
    pub key: Option<CacheKey>,
    pub digest: Option<Digest>,
    pub cached: bool,
    pub reason: String,
}

/// What a run would do, without running: each node cached or to run, and why.
pub fn plan_status(plan: &Plan, store: &Store, forced: &[bool]) -> Vec<NodeStatus> {
    let index = RunIndex::open(store, &plan.scope);
    let mut resolved: Vec<Option<Resolved>> = vec![None; plan.len()];
    let mut out = Vec::with_capacity(plan.len());
    for &i in &plan.order {
        let node = plan.node(i);
        let status = match node_key(plan, i, &resolved, store) {
            Err(e) => NodeStatus {
                index: i,
                key: None,
                digest: None,
                cached: false,
                reason: format!("error: {e}"),
            },
            Ok(None) => {
                let waiting = node
                    .inputs
                    .iter()
                    .flat_map(|inp| &inp.sources)
                    .find(|s| resolved[s.node].is_none())
                    .map(|s| plan.graph[NodeIndex::new(s.node)].name.clone())
                    .unwrap_or_default();
                NodeStatus {
                    index: i,
                    key: None,
                    digest: None,
                    cached: false,
                    reason: format!("upstream {waiting} runs first"),
                }
            }
            Ok(Some((key, _))) => {
                let digest = key.digest();
                let force = forced[i.index()];
                let lookup = if force {
                    Ok(Lookup::Missing)
                } else {
                    store.peek(&digest)
                };
                match lookup {
                    Ok(Lookup::Present(object)) => {
                        resolved[i.index()] = Some(Resolved::of(&object));
                        NodeStatus {
                            index: i,
                            key: Some(key),
                            digest: Some(digest),
                            cached: true,
                            reason: "cached".into(),
                        }
                    }
                    Ok(Lookup::Corrupt { reason: r }) => NodeStatus {
                        index: i,
                        key: Some(key),
                        digest: Some(digest),
                        cached: false,
                        reason: format!("cached result is corrupt ({r})"),
                    },
                    Ok(Lookup::Missing) => {
                        let why = reason(&key, index.last(&node.name), force);
                        NodeStatus {
                            index: i,
                            key: Some(key),
                            digest: Some(digest),
                            cached: false,
                            reason: why,
                        }
                    }
                    Err(e) => NodeStatus {
                        index: i,
                        key: Some(key),
                        digest: Some(digest),
                        cached: false,
                        reason: format!("cache error: {e}"),
                    },
                }
            }
        };
        out.push(status);
    }
    out
}

/// What to run.
pub struct RunOptions {
    /// Per node: recompute even if cached.
    pub forced: Vec<bool>,
    /// Per node: whether it is wanted (`--until` keeps only the targets and their ancestors).
    pub wanted: Vec<bool>,
    pub cancel: Arc<AtomicBool>,
}

/// How a run ended.
#[derive(Debug, Default)]
pub struct RunReport {
    pub computed: Vec<String>,
    pub cached: usize,
    /// Computed meanwhile by another process sharing the cache.
    pub reused: usize,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
    pub cancelled: bool,
    /// Wanted nodes that never started (cancelled before they could).
    pub not_started: usize,
}

impl RunReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.cancelled
    }
}

#[derive(Clone, Debug)]
enum State {
    Waiting,
    Queued,
    Running,
    Resolved,
    Failed,
    Skipped,
}

/// Runs a plan to completion with an executor.
pub fn run(
    plan: &Plan,
    store: &Store,
    executor: &mut dyn Executor,
    progress: &RunEvents,
    opts: &RunOptions,
) -> RunReport {
    let mut index = RunIndex::open(store, &plan.scope);
    let n = plan.len();
    let mut state = vec![State::Waiting; n];
    let mut resolved: Vec<Option<Resolved>> = vec![None; n];
    let mut report = RunReport::default();
    let mut queue: Vec<Job> = Vec::new();
    let mut last_save = std::time::Instant::now();
    let mut in_flight: std::collections::HashSet<Digest> = std::collections::HashSet::new();
    let mut digests: Vec<Option<Digest>> = vec![None; n];

    // Nodes are examined in plan order (upstream first) after every outcome: one pass resolves
    // whole chains of cached nodes.
    loop {
        if !opts.cancel.load(Ordering::Relaxed) {
            for &i in &plan.order {
                let ix = i.index();
                if !opts.wanted[ix] || !matches!(state[ix], State::Waiting) {
                    continue;
                }
                let node = plan.node(i);
                // A failed or skipped input skips this node.
                let blocked = node
                    .inputs
                    .iter()
                    .flat_map(|inp| &inp.sources)
                    .find(|s| matches!(state[s.node], State::Failed | State::Skipped));
                if let Some(s) = blocked {
                    let cause = plan.graph[NodeIndex::new(s.node)].name.clone();
                    state[ix] = State::Skipped;
                    progress.skipped(&node.name, &cause);
                    report.skipped.push((node.name.clone(), cause));
                    continue;
                }
                match node_key(plan, i, &resolved, store) {
                    Ok(None) => {}
                    Err(e) => {
                        state[ix] = State::Failed;
                        let reason = e.to_string();
                        progress.failed(&node.name, false, &reason);
                        report.failed.push((node.name.clone(), reason));
                    }
                    Ok(Some((key, inputs))) => {
                        let digest = key.digest();
                        let force = opts.forced[ix];
                        if !force && let Ok(Lookup::Present(object)) = store.get(&digest) {
                            resolved[ix] = Some(Resolved::of(&object));
                            state[ix] = State::Resolved;
                            index.record(&node.name, &key);
                            progress.cached(&node.name);
                            report.cached += 1;
                            continue;
                        }
                        state[ix] = State::Queued;
                        queue.push(Job {
                            index: ix,
                            node: node.clone(),
                            key,
                            digest,
                            inputs,
                            force,
                        });
                    }
                }
            }
        }
        // Start what fits, in plan order. A job whose key is already being computed (two nodes
        // with identical key parts) waits for that one and then finds its result in the cache.
        if !opts.cancel.load(Ordering::Relaxed) {
            let mut k = 0;
            while k < queue.len() {
                if !in_flight.contains(&queue[k].digest) && executor.has_room(queue[k].node.threads)
                {
                    let job = queue.remove(k);
                    state[job.index] = State::Running;
                    in_flight.insert(job.digest);
                    digests[job.index] = Some(job.digest);
                    executor.start(job);
                } else {
                    k += 1;
                }
            }
        }
        let Some(outcome) = executor.next() else {
            break;
        };
        let finished = match &outcome {
            Outcome::Done { index, .. }
            | Outcome::Failed { index, .. }
            | Outcome::Cancelled { index } => *index,
        };
        if let Some(d) = digests[finished].take() {
            in_flight.remove(&d);
        }
        match outcome {
            Outcome::Done {
                index: ix,
                object,
                reused,
                ..
            } => {
                let node = plan.node(NodeIndex::new(ix));
                if let Ok(key) = serde_json::from_str::<CacheKey>(object.manifest.key_parts.get()) {
                    index.record(&node.name, &key);
                }
                resolved[ix] = Some(Resolved::of(&object));
                state[ix] = State::Resolved;
                if reused {
                    report.reused += 1
                } else {
                    report.computed.push(node.name.clone())
                }
                // Queued nodes with the same key (identical inputs and params) are done too.
                let (same, rest): (Vec<Job>, Vec<Job>) = std::mem::take(&mut queue)
                    .into_iter()
                    .partition(|j| j.digest == object.key);
                queue = rest;
                for job in same {
                    index.record(&job.node.name, &job.key);
                    resolved[job.index] = Some(Resolved::of(&object));
                    state[job.index] = State::Resolved;
                    progress.cached(&job.node.name);
                    report.reused += 1;
                }
            }
            Outcome::Failed { index: ix, reason } => {
                let node = plan.node(NodeIndex::new(ix));
                state[ix] = State::Failed;
                report.failed.push((node.name.clone(), reason));
            }
            Outcome::Cancelled { index: ix } => {
                state[ix] = State::Failed;
                report.cancelled = true;
            }
        }
        if last_save.elapsed().as_secs() >= 5 {
            let _ = index.save();
            last_save = std::time::Instant::now();
        }
    }
    if opts.cancel.load(Ordering::Relaxed) {
        report.cancelled = true;
        report.not_started = (0..n)
            .filter(|&i| opts.wanted[i] && matches!(state[i], State::Waiting | State::Queued))
            .count();
    }
    let _ = index.save();
    report
}
