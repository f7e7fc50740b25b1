//! The terminal side of a run's events: one indicatif bar for the whole DAG and one per running
//! node on a terminal; plain lines on stderr otherwise (CI, Slurm logs, pipes), at most one per
//! node every few seconds. The engine only emits [`RunEvent`]s; this is the one place they are
//! drawn.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use flow_engine::events::{RunEvent, RunObserver};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    Bars,
    Lines,
    Silent,
}

impl ProgressMode {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn detect() -> ProgressMode {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            ProgressMode::Bars
        } else {
            ProgressMode::Lines
        }
    }
}

#[derive(Default)]
struct Counts {
    done: u64,
    cached: u64,
    running: u64,
    failed: u64,
    skipped: u64,
}

/// A running node as drawn: its bar, or its line throttle.
enum NodeDisplay {
    Bar(ProgressBar),
    Lines {
        started: Instant,
        last: Option<Instant>,
    },
}

/// How often a running node prints a progress line in `Lines` mode.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Draws one run's events.
pub struct TerminalProgress {
    mode: ProgressMode,
    multi: MultiProgress,
    dag: ProgressBar,
    total: u64,
    state: Mutex<(Counts, HashMap<String, NodeDisplay>)>,
}

impl TerminalProgress {
    pub fn new(mode: ProgressMode, total: u64) -> TerminalProgress {
        let multi = MultiProgress::with_draw_target(match mode {
            ProgressMode::Bars => ProgressDrawTarget::stderr_with_hz(8),
            _ => ProgressDrawTarget::hidden(),
        });
        let dag = multi.add(ProgressBar::new(total));
        dag.set_style(
            ProgressStyle::with_template("{prefix:.bold} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        dag.set_prefix("flow");
        let p = TerminalProgress {
            mode,
            multi,
            dag,
            total,
            state: Mutex::new((Counts::default(), HashMap::new())),
        };
        p.refresh(&Counts::default());
        p
    }

    fn refresh(&self, c: &Counts) {
        self.dag
            .set_position(c.done + c.cached + c.failed + c.skipped);
        self.dag.set_message(format!(
            "done {} · cached {} · running {} · failed {} · skipped {}",
            c.done, c.cached, c.running, c.failed, c.skipped
        ));
    }

    fn position(&self, c: &Counts) -> String {
        format!(
            "[{}/{}]",
            c.done + c.cached + c.failed + c.skipped,
            self.total
        )
    }

    /// A line above the bars, or on stderr.
    fn line(&self, line: &str) {
        match self.mode {
            ProgressMode::Bars => self.multi.suspend(|| say!("{line}")),
            ProgressMode::Lines => say!("{line}"),
            ProgressMode::Silent => {}
        }
    }

    fn node_bar(&self, node: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template(
                "  {spinner} {prefix} [{bar:20}] {pos}/{len} {rate} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1}/s", s.per_sec());
                },
            )
            .progress_chars("=> "),
        );
        bar.set_prefix(node.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// Clears the bars at the end of a run.
    pub fn finish(&self) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh(&state.0);
        self.dag.finish_and_clear();
        let _ = self.multi.clear();
    }
}

impl RunObserver for TerminalProgress {
    fn event(&self, event: RunEvent) {
        if self.mode == ProgressMode::Silent {
            return;
        }
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (counts, nodes) = &mut *guard;
        match event {
            RunEvent::Log { line } => self.line(&line),
            RunEvent::Cached { .. } => counts.cached += 1,
            RunEvent::Skipped { .. } => counts.skipped += 1,
            RunEvent::Started { node } => {
                counts.running += 1;
                let display = match self.mode {
                    ProgressMode::Bars => NodeDisplay::Bar(self.node_bar(&node)),
                    _ => {
                        say!("{} start {node}", self.position(counts));
                        NodeDisplay::Lines {
                            started: Instant::now(),
                            last: None,
                        }
                    }
                };
                nodes.insert(node, display);
            }
            RunEvent::Progress {
                node,
                step,
                total,
                message,
            } => match nodes.get_mut(&node) {
                Some(NodeDisplay::Bar(bar)) => {
                    bar.set_length(total);
                    bar.set_position(step);
                    bar.set_message(message);
                }
                Some(NodeDisplay::Lines { started, last }) => {
                    let now = Instant::now();
                    if last.is_some_and(|t| now - t < LINE_EVERY) && step < total {
                        return;
                    }
                    *last = Some(now);
                    let secs = (now - *started).as_secs_f64().max(1e-9);
                    say!(
                        "  {node}: {step}/{total} ({:.1}/s) {message}",
                        step as f64 / secs
                    );
                }
                None => {}
            },
            RunEvent::Finished {
                node,
                seconds,
                reused,
            } => {
                if let Some(NodeDisplay::Bar(bar)) = nodes.remove(&node) {
                    bar.finish_and_clear();
                }
                counts.running = counts.running.saturating_sub(1);
                if reused {
                    counts.cached += 1;
                } else {
                    counts.done += 1;
                }
                if self.mode == ProgressMode::Lines {
                    let how = if reused {
                        "reused (its key was computed meanwhile)"
                    } else {
                        "done"
                    };
                    say!("{} {how} {node} in {seconds:.2}s", self.position(counts));
                }
            }
            RunEvent::Cancelled { node } => {
                if let Some(NodeDisplay::Bar(bar)) = nodes.remove(&node) {
                    bar.finish_and_clear();
                }
                counts.running = counts.running.saturating_sub(1);
                self.line(&format!("{} cancelled {node}", self.position(counts)));
            }
            RunEvent::Failed {
                node,
                started,
                reason,
            } => {
                if let Some(NodeDisplay::Bar(bar)) = nodes.remove(&node) {
                    bar.finish_and_clear();
                }
                if started {
                    counts.running = counts.running.saturating_sub(1);
                }
                counts.failed += 1;
                self.line(&format!(
                    "{} FAILED {node}: {reason}",
                    self.position(counts)
                ));
            }
        }
        self.refresh(counts);
    }
}
