//! A job: one plan node with its key and resolved inputs, ready to run anywhere that sees the
//! cache (this process, a worker thread, or a cluster task via `flow exec-node`). Running a job
//! takes the node's key lock, re-checks the cache (another process may have finished it while we
//! waited), loads the inputs, runs the stage, and publishes its outputs atomically.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use flow_cache::{Digest, Lookup, ManifestDraft, Object, Store};
use serde::{Deserialize, Serialize};

use crate::artifact::{Artifact, ArtifactType, InputArtifact, Inputs};
use crate::catalog::Catalog;
use crate::context::RunContext;
use crate::events::NodeProgress;
use crate::exec::error::JobError;
use crate::plan::PlanNode;
use crate::plan::key::CacheKey;
use crate::value::ParamValue;

/// One item of a resolved input: a published upstream object's port.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputItem {
    pub node: String,
    pub coords: Vec<(String, ParamValue)>,
    pub object: Digest,
    pub port: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobInput {
    pub port: String,
    pub ty: ArtifactType,
    pub items: Vec<InputItem>,
}

/// Everything needed to compute one node, serialisable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Job {
    /// The node's index in its plan.
    pub index: usize,
    pub node: PlanNode,
    pub key: CacheKey,
    pub digest: Digest,
    pub inputs: Vec<JobInput>,
    /// Recompute even if the key is in the cache, replacing the stored object.
    pub force: bool,
}

/// How a job ended well.
pub struct Completed {
    pub object: Object,
    /// True when another process computed it while this one waited for the key lock.
    pub reused: bool,
    pub seconds: f64,
}

/// Hooks the caller gives a job: progress and the line log.
pub struct JobEnv<'a> {
    pub store: &'a Store,
    pub catalog: &'a Catalog,
    pub cancel: Arc<AtomicBool>,
    pub progress: NodeProgress,
    pub log: &'a (dyn Fn(&str) + Sync),
}

/// Runs a job to completion: `Ok` with the published object, or `Err` with a reason.
pub fn execute(job: &Job, env: &JobEnv<'_>) -> Result<Completed, JobError> {
    let started = Instant::now();
    let store = env.store;
    let lock = match store.try_lock(&job.digest)? {
        Some(lock) => lock,
        None => {
            (env.log)(&format!(
                "waiting for {}: another flow process is computing its key",
                job.node.name
            ));
            store.lock(&job.digest)?
        }
    };
    if !job.force {
        match store.get(&job.digest)? {
            Lookup::Present(object) => {
                return Ok(Completed {
                    object,
                    reused: true,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            Lookup::Corrupt { reason } => {
                (env.log)(&format!(
                    "{}: cached result is corrupt ({reason}); recomputing",
                    job.node.name
                ));
                store.remove(&job.digest)?;
            }
            Lookup::Missing => {}
        }
    }
    let kind = env
        .catalog
        .get(&job.node.kind)
        .ok_or_else(|| JobError::UnknownKind(job.node.kind.clone()))?;
    let inputs = load_inputs(job, store)?;
    let staging = store.begin(&job.digest)?;
    let scratch = store.scratch(&job.digest);
    let ctx = RunContext {
        node: job.node.name.clone(),
        params: job.node.params.clone(),
        seed: job.node.seed,
        threads: job.node.threads,
        scratch: scratch.clone(),
        outputs: staging.dir().join("ports"),
        cancel: env.cancel.clone(),
        progress: env.progress.clone(),
    };
    let outputs = run_confined(job.node.threads, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kind.run(&inputs, &ctx)))
    });
    let outputs = match outputs {
        Ok(Ok(outputs)) => outputs,
        Ok(Err(e)) => return Err(e.into()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(JobError::Panicked(message));
        }
    };
    if let Some(extra) = outputs
        .ports
        .keys()
        .find(|p| !job.node.outputs.iter().any(|(declared, _)| declared == *p))
    {
        return Err(JobError::StageBug(format!(
            "it returned an output `{extra}` that kind `{}` does not declare",
            job.node.kind
        )));
    }
    for (port, ty) in &job.node.outputs {
        let dir = staging.port_dir(port)?;
        match (outputs.ports.get(port), ty) {
            (Some(artifact), _) if artifact.ty() == *ty => {
                artifact.save(&dir).map_err(|source| JobError::Output {
                    port: port.clone(),
                    source,
                })?
            }
            (Some(artifact), _) => {
                return Err(JobError::StageBug(format!(
                    "output `{port}` is declared {ty} but the stage returned {}",
                    artifact.ty()
                )));
            }
            (None, ArtifactType::Files) => {}
            (None, _) => {
                return Err(JobError::StageBug(format!(
                    "it produced no output `{port}`"
                )));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let draft = ManifestDraft {
        // A key and job inputs are strings, numbers and maps: they always serialise.
        key_parts: serde_json::to_value(&job.key).unwrap_or_default(),
        kind: job.node.kind.clone(),
        node: job.node.name.clone(),
        params: job.node.params.to_json(),
        inputs: serde_json::to_value(&job.inputs).unwrap_or_default(),
        flow_version: env!("CARGO_PKG_VERSION").to_string(),
        host: hostname(),
        threads: u32::try_from(job.node.threads).ok(),
        seconds,
    };
    if job.force {
        store.remove(&job.digest)?;
    }
    let object = store.publish(staging, draft)?;
    drop(lock);
    let _ = store.remove_scratch(&job.digest);
    Ok(Completed {
        object,
        reused: false,
        seconds,
    })
}

fn load_inputs(job: &Job, store: &Store) -> Result<Inputs, JobError> {
    let mut inputs = Inputs::default();
    for input in &job.inputs {
        let mut items = Vec::with_capacity(input.items.len());
        for item in &input.items {
            let object = match store.get(&item.object)? {
                Lookup::Present(o) => o,
                Lookup::Missing => {
                    return Err(JobError::Input {
                        port: input.port.clone(),
                        message: format!("result of {} is no longer in the cache", item.node),
                    });
                }
                Lookup::Corrupt { reason } => {
                    let _ = store.remove(&item.object);
                    return Err(JobError::Input {
                        port: input.port.clone(),
                        message: format!(
                            "the cached result of {} is corrupt ({reason}); it was removed, run again to recompute it",
                            item.node
                        ),
                    });
                }
            };
            if let Err(reason) = object.check_port(&item.port) {
                let _ = store.remove(&item.object);
                return Err(JobError::Input {
                    port: input.port.clone(),
                    message: format!(
                        "the cached result of {} is corrupt ({reason}); it was removed, run again to recompute it",
                        item.node
                    ),
                });
            }
            let artifact = Artifact::load(&object.port_dir(&item.port), input.ty).map_err(|e| {
                let _ = store.remove(&item.object);
                JobError::Input {
                    port: input.port.clone(),
                    message: format!(
                        "the cached result of {} is unreadable ({e}); it was removed, run again to recompute it",
                        item.node
                    ),
                }
            })?;
            items.push(InputArtifact {
                node: item.node.clone(),
                coords: item.coords.clone(),
                artifact,
            });
        }
        inputs.ports.insert(input.port.clone(), items);
    }
    Ok(inputs)
}

/// Idle rayon pools by size: a job borrows one of its thread budget and gives it back, so
/// thousands of small nodes do not each pay for creating threads.
static POOLS: std::sync::Mutex<Vec<(usize, rayon::ThreadPool)>> = std::sync::Mutex::new(Vec::new());

/// Runs `f` with rayon work confined to `threads` threads (a pool used by this job alone).
fn run_confined<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    let threads = threads.max(1);
    let borrowed = {
        let mut idle = POOLS.lock().unwrap_or_else(|e| e.into_inner());
        idle.iter()
            .position(|(n, _)| *n == threads)
            .map(|i| idle.swap_remove(i).1)
    };
    let pool = match borrowed {
        Some(pool) => pool,
        None => match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool,
            Err(_) => return f(),
        },
    };
    let out = pool.install(f);
    POOLS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((threads, pool));
    out
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}
