//! The local executor: worker threads in this process, within a budget of `--jobs` threads.
//! A node with a thread budget of t takes t of the slots (at most all of them), and its rayon
//! work is confined to t threads; nodes that fit start in plan order.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender, channel};

use flow_cache::Store;

use crate::catalog::Catalog;
use crate::events::RunEvents;
use crate::exec::error::JobError;
use crate::exec::executor::{Executor, Outcome};
use crate::exec::job::{Job, JobEnv, execute};

pub struct LocalExecutor {
    slots: usize,
    used: usize,
    running: Vec<(usize, usize)>,
    store: Store,
    catalog: Catalog,
    cancel: Arc<AtomicBool>,
    progress: RunEvents,
    tx: Sender<(usize, Outcome)>,
    rx: Receiver<(usize, Outcome)>,
}

impl LocalExecutor {
    pub fn new(
        slots: usize,
        store: Store,
        catalog: Catalog,
        cancel: Arc<AtomicBool>,
        progress: RunEvents,
    ) -> Self {
        let (tx, rx) = channel();
        LocalExecutor {
            slots: slots.max(1),
            used: 0,
            running: Vec::new(),
            store,
            catalog,
            cancel,
            progress,
            tx,
            rx,
        }
    }

    fn cost(&self, threads: usize) -> usize {
        threads.clamp(1, self.slots)
    }
}

impl Executor for LocalExecutor {
    fn has_room(&self, threads: usize) -> bool {
        self.used + self.cost(threads) <= self.slots
    }

    fn start(&mut self, job: Job) {
        let cost = self.cost(job.node.threads);
        self.used += cost;
        self.running.push((job.index, cost));
        let (store, catalog, cancel, progress, tx) = (
            self.store.clone(),
            self.catalog.clone(),
            self.cancel.clone(),
            self.progress.clone(),
            self.tx.clone(),
        );
        std::thread::spawn(move || {
            let node_progress = progress.started(&job.node.name);
            let log = |line: &str| progress.log(line);
            let env = JobEnv {
                store: &store,
                catalog: &catalog,
                cancel,
                progress: node_progress.clone(),
                log: &log,
            };
            let outcome = match execute(&job, &env) {
                Ok(done) => {
                    progress.finished(&job.node.name, done.seconds, done.reused);
                    Outcome::Done {
                        index: job.index,
                        object: done.object,
                        reused: done.reused,
                        seconds: done.seconds,
                    }
                }
                Err(JobError::Cancelled) => {
                    progress.cancelled(&job.node.name);
                    Outcome::Cancelled { index: job.index }
                }
                Err(e) => {
                    let reason = e.to_string();
                    progress.failed(&job.node.name, true, &reason);
                    Outcome::Failed {
                        index: job.index,
                        reason,
                    }
                }
            };
            let _ = tx.send((job.index, outcome));
        });
    }

    fn running(&self) -> usize {
        self.running.len()
    }

    fn next(&mut self) -> Option<Outcome> {
        if self.running.is_empty() {
            return None;
        }
        let (index, outcome) = self.rx.recv().ok()?;
        if let Some(pos) = self.running.iter().position(|(i, _)| *i == index) {
            let (_, cost) = self.running.remove(pos);
            self.used -= cost;
        }
        Some(outcome)
    }
}
