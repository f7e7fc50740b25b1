//! Progress display: one bar for the whole DAG (done, cached, running, failed) and one per running
//! node with that node's own steps and rate, drawn with indicatif on a terminal; plain log lines
//! on stderr otherwise (CI, Slurm logs, pipes), at most one per node every few seconds.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// The progress of one run of a plan.
pub struct RunProgress {
    mode: ProgressMode,
    multi: MultiProgress,
    dag: ProgressBar,
    counts: Mutex<Counts>,
    total: u64,
}

impl RunProgress {
    pub fn new(mode: ProgressMode, total: u64) -> RunProgress {
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
        let p = RunProgress {
            mode,
            multi,
            dag,
            counts: Mutex::new(Counts::default()),
            total,
        };
        p.refresh();
        p
    }

    fn refresh(&self) {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        self.dag
            .set_position(c.done + c.cached + c.failed + c.skipped);
        self.dag.set_message(format!(
            "done {} · cached {} · running {} · failed {} · skipped {}",
            c.done, c.cached, c.running, c.failed, c.skipped
        ));
    }

    fn bump(&self, f: impl FnOnce(&mut Counts)) {
        f(&mut self.counts.lock().unwrap_or_else(|e| e.into_inner()));
        self.refresh();
    }

    /// A line for the log (printed above the bars, or on stderr).
    pub fn log(&self, line: &str) {
        match self.mode {
            ProgressMode::Bars => self.multi.suspend(|| eprintln!("{line}")),
            ProgressMode::Lines => eprintln!("{line}"),
            ProgressMode::Silent => {}
        }
    }

    fn position(&self) -> String {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        format!(
            "[{}/{}]",
            c.done + c.cached + c.failed + c.skipped,
            self.total
        )
    }

    pub fn cached(&self, _name: &str) {
        self.bump(|c| c.cached += 1);
    }

    /// A node starts running: returns its own progress handle.
    pub fn started(&self, name: &str) -> NodeProgress {
        self.bump(|c| c.running += 1);
        match self.mode {
            ProgressMode::Bars => {
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
                bar.set_prefix(name.to_string());
                bar.enable_steady_tick(Duration::from_millis(200));
                NodeProgress::bar(bar)
            }
            ProgressMode::Lines => {
                eprintln!("{} start {name}", self.position());
                NodeProgress::lines(name)
            }
            ProgressMode::Silent => NodeProgress::silent(),
        }
    }

    pub fn finished(&self, name: &str, node: &NodeProgress, seconds: f64, reused: bool) {
        node.finish();
        self.bump(|c| {
            c.running = c.running.saturating_sub(1);
            if reused { c.cached += 1 } else { c.done += 1 }
        });
        let how = if reused {
            "reused (its key was computed meanwhile)"
        } else {
            "done"
        };
        if self.mode == ProgressMode::Lines {
            eprintln!("{} {how} {name} in {seconds:.2}s", self.position());
        }
    }

    pub fn failed(&self, name: &str, node: Option<&NodeProgress>, reason: &str) {
        if let Some(n) = node {
            n.finish();
        }
        self.bump(|c| {
            if node.is_some() {
                c.running = c.running.saturating_sub(1);
            }
            c.failed += 1;
        });
        self.log(&format!("{} FAILED {name}: {reason}", self.position()));
    }

    pub fn skipped(&self, _name: &str) {
        self.bump(|c| c.skipped += 1);
    }

    pub fn finish(&self) {
        self.refresh();
        self.dag.finish_and_clear();
        let _ = self.multi.clear();
    }
}

enum Display {
    Silent,
    Bar(ProgressBar),
    Lines {
        name: String,
        started: Instant,
        last: Mutex<Option<Instant>>,
    },
}

/// One running node's progress handle, given to the stage through its context.
#[derive(Clone)]
pub struct NodeProgress(Arc<Display>);

const LINE_EVERY: Duration = Duration::from_secs(5);

impl NodeProgress {
    pub fn silent() -> NodeProgress {
        NodeProgress(Arc::new(Display::Silent))
    }

    fn bar(bar: ProgressBar) -> NodeProgress {
        NodeProgress(Arc::new(Display::Bar(bar)))
    }

    fn lines(name: &str) -> NodeProgress {
        NodeProgress(Arc::new(Display::Lines {
            name: name.to_string(),
            started: Instant::now(),
            last: Mutex::new(None),
        }))
    }

    pub fn update(&self, step: u64, total: u64, message: &str) {
        match &*self.0 {
            Display::Silent => {}
            Display::Bar(bar) => {
                bar.set_length(total);
                bar.set_position(step);
                bar.set_message(message.to_string());
            }
            Display::Lines {
                name,
                started,
                last,
            } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                if last.is_some_and(|t| now - t < LINE_EVERY) && step < total {
                    return;
                }
                *last = Some(now);
                let secs = (now - *started).as_secs_f64().max(1e-9);
                eprintln!(
                    "  {name}: {step}/{total} ({:.1}/s) {message}",
                    step as f64 / secs
                );
            }
        }
    }

    fn finish(&self) {
        if let Display::Bar(bar) = &*self.0 {
            bar.finish_and_clear();
        }
    }
}
