//! Training and encoding throughput of the paper's β-VAE (64 × 64, batch 16, N latents) on
//! burn's flex CPU backend: the flow side of `bench/train_speed.py`, which runs the same model in
//! PyTorch in the same session and prints the ratio.
//!
//! `cargo run --release -p flow-models --example train_speed -- [--steps 300] [--warmup 20]
//! [--threads 2] [--latents 50] [--encode 2162]` prints one JSON object: steps/s (median over
//! blocks of 10 steps, after the warm-up), encode images/s (batches of 256), and the settings.
//! A step is forward + backward + Adam + reading the loss, exactly what `train` does.

use std::time::Instant;

// The allocator the `flow` binary uses (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use burn::tensor::Device;
use flow_models::{ImageArray, ModelKind, Monitor, TrainSpec, TrainingData, encode, train};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

/// Records the wall time of every step.
struct Times(Vec<Instant>);
impl Monitor for Times {
    fn step(&mut self, _: u64, _: u64, _: f64, _: f64) {
        self.0.push(Instant::now());
    }
}

fn main() {
    let steps = arg("--steps", 300) as u64;
    let warmup = arg("--warmup", 20) as u64;
    let threads = arg("--threads", 2);
    let latents = arg("--latents", 50);
    let n_encode = arg("--encode", 2162);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    // Random-looking but fixed images in [0, 1].
    let n = 512;
    let images: Vec<f32> = (0..n * 4096)
        .map(|i| ((i as u64).wrapping_mul(2654435761) % 1000) as f32 / 1000.0)
        .collect();
    let spec = TrainSpec {
        kind: ModelKind::BetaVae { beta: 4.0 },
        latents,
        height: 64,
        width: 64,
        classes: 0,
        steps: warmup + steps,
        batch: 16,
        lr: 1e-4,
        seed: 0,
        eval_every: 1,
        patience: 1,
    };
    let device = Device::flex();
    let samples = ImageArray {
        pixels: &images,
        area: 4096,
    };
    let data = TrainingData {
        train: &samples,
        validation: None,
    };
    let (trained, times) = pool.install(|| {
        let mut times = Times(vec![Instant::now()]);
        let t = train(&spec, &data, &device, &mut times, None).unwrap();
        (t, times.0)
    });
    // Median rate over blocks of 10 steps after the warm-up.
    let mut rates: Vec<f64> = times[warmup as usize..]
        .windows(11)
        .step_by(10)
        .map(|w| 10.0 / w[10].duration_since(w[0]).as_secs_f64())
        .collect();
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let steps_per_s = rates[rates.len() / 2];

    let encode_images: Vec<f32> = (0..n_encode * 4096)
        .map(|i| ((i as u64).wrapping_mul(40503) % 1000) as f32 / 1000.0)
        .collect();
    let enc = ImageArray {
        pixels: &encode_images,
        area: 4096,
    };
    let encode_rate = pool.install(|| {
        let _ = encode(&trained.network, &spec, &enc, &device); // warm-up
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let z = encode(&trained.network, &spec, &enc, &device);
            assert_eq!(z.len(), n_encode * latents);
            best = best.min(t.elapsed().as_secs_f64());
        }
        n_encode as f64 / best
    });
    println!(
        "{}",
        serde_json::json!({
            "backend": "burn-flex",
            "threads": threads,
            "latents": latents,
            "batch": 16,
            "steps_timed": steps,
            "steps_per_s": steps_per_s,
            "encode_images": n_encode,
            "encode_images_per_s": encode_rate,
        })
    );
}
