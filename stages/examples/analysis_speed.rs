//! Compute-only timings of the analysis stages, for `bench/analysis_speed.py`: runs `lasso-ve`,
//! `udr` and `decode` in-process (through their `StageKind::run`, no cache, no file I/O in the
//! timing) on the files the script writes, and prints the median seconds of each as JSON.
//!
//! ```sh
//! cargo run --release -p flow-stages --example analysis_speed -- DIR [REPS]
//! ```
//! DIR holds X.npy, Y.npy, split.csv, shared.csv, lat0.npy … lat9.npy and kl.npy.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, Inputs, Params, RunContext, StageKind};

fn table(dir: &Path, name: &str) -> Artifact {
    Artifact::Table(
        flow_tableio::read_table(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

fn inputs(ports: Vec<(&str, Artifact)>) -> Inputs {
    let mut i = Inputs::default();
    for (port, artifact) in ports {
        i.ports
            .entry(port.to_string())
            .or_default()
            .push(InputArtifact {
                node: port.to_string(),
                coords: vec![],
                artifact,
            });
    }
    i
}

fn time(kind: &dyn StageKind, inputs: &Inputs, reps: usize, dir: &Path) -> f64 {
    let mut params = BTreeMap::new();
    for spec in kind.params() {
        if let Some(d) = spec.default {
            params.insert(spec.name.to_string(), d);
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ctx = RunContext::detached(kind.name(), Params(params), 0, threads, dir);
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            kind.run(inputs, &ctx)
                .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("usage: analysis_speed DIR [REPS]"));
    let reps: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let scratch = tempfile_dir();
    let lasso = inputs(vec![
        ("units", table(dir, "X.npy")),
        ("responses", table(dir, "Y.npy")),
        ("split", table(dir, "split.csv")),
    ]);
    let mut udr_ports: Vec<(&str, Artifact)> = (0..10)
        .map(|i| ("latents", table(dir, &format!("lat{i}.npy"))))
        .collect();
    udr_ports.push(("kl", table(dir, "kl.npy")));
    let udr = inputs(udr_ports);
    let decode = inputs(vec![
        ("units", table(dir, "X.npy")),
        ("responses", table(dir, "Y.npy")),
        ("split", table(dir, "shared.csv")),
    ]);
    let out = serde_json::json!({
        "lasso-ve": time(&flow_stages::analysis::lasso_ve::LassoVe, &lasso, reps, &scratch),
        "udr": time(&flow_stages::analysis::udr::Udr, &udr, reps, &scratch),
        "decode": time(&flow_stages::analysis::decode::Decode, &decode, reps, &scratch),
    });
    println!("{out}");
    let _ = std::fs::remove_dir_all(&scratch);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("flow-analysis-speed-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}
