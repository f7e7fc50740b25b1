//! What a run tells the world: the engine emits [`RunEvent`]s to a [`RunObserver`] and draws
//! nothing itself. The binary's observer renders them (indicatif bars on a terminal, plain lines
//! in logs); tests record them and read what happened instead of parsing text.

use std::sync::Arc;

/// One thing that happened during a run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// A node's result was found in the cache.
    Cached { node: String },
    /// A node started computing (here, or as a cluster task).
    Started { node: String },
    /// A running node reports `step` of `total` units, with a short message (e.g. the loss).
    Progress {
        node: String,
        step: u64,
        total: u64,
        message: String,
    },
    /// A node's result was published; `reused` when another process computed the same key
    /// while this one waited for it.
    Finished {
        node: String,
        seconds: f64,
        reused: bool,
    },
    /// A node failed; `started` says whether it had been reported as started.
    Failed {
        node: String,
        started: bool,
        reason: String,
    },
    /// A running node stopped because the run is being cancelled (not a failure of the node).
    Cancelled { node: String },
    /// A node was not run because its input `cause` failed or was skipped.
    Skipped { node: String, cause: String },
    /// A line for the user (a wait, a resubmission, a corrupt result being recomputed).
    Log { line: String },
}

/// Receives a run's events, from any thread.
pub trait RunObserver: Send + Sync {
    fn event(&self, event: RunEvent);
}

/// An observer that drops everything (tests, detached stage runs).
pub struct Silent;

impl RunObserver for Silent {
    fn event(&self, _event: RunEvent) {}
}

/// The engine's handle on the observer of a run, with one method per event.
#[derive(Clone)]
pub struct RunEvents(Arc<dyn RunObserver>);

impl RunEvents {
    pub fn new(observer: Arc<dyn RunObserver>) -> RunEvents {
        RunEvents(observer)
    }

    pub fn silent() -> RunEvents {
        RunEvents(Arc::new(Silent))
    }

    pub fn log(&self, line: &str) {
        self.0.event(RunEvent::Log {
            line: line.to_string(),
        });
    }

    pub fn cached(&self, node: &str) {
        self.0.event(RunEvent::Cached {
            node: node.to_string(),
        });
    }

    /// A node starts: returns the handle its stage reports progress through.
    pub fn started(&self, node: &str) -> NodeProgress {
        self.0.event(RunEvent::Started {
            node: node.to_string(),
        });
        NodeProgress {
            events: self.clone(),
            node: node.to_string(),
        }
    }

    pub fn finished(&self, node: &str, seconds: f64, reused: bool) {
        self.0.event(RunEvent::Finished {
            node: node.to_string(),
            seconds,
            reused,
        });
    }

    pub fn failed(&self, node: &str, started: bool, reason: &str) {
        self.0.event(RunEvent::Failed {
            node: node.to_string(),
            started,
            reason: reason.to_string(),
        });
    }

    pub fn cancelled(&self, node: &str) {
        self.0.event(RunEvent::Cancelled {
            node: node.to_string(),
        });
    }

    pub fn skipped(&self, node: &str, cause: &str) {
        self.0.event(RunEvent::Skipped {
            node: node.to_string(),
            cause: cause.to_string(),
        });
    }
}

/// One running node's progress handle, given to its stage through the [`RunContext`](crate::RunContext).
#[derive(Clone)]
pub struct NodeProgress {
    events: RunEvents,
    node: String,
}

impl NodeProgress {
    pub fn silent() -> NodeProgress {
        NodeProgress {
            events: RunEvents::silent(),
            node: String::new(),
        }
    }

    pub fn update(&self, step: u64, total: u64, message: &str) {
        self.events.0.event(RunEvent::Progress {
            node: self.node.clone(),
            step,
            total,
            message: message.to_string(),
        });
    }
}
