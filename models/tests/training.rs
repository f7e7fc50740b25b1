//! flow-models on tiny problems: 16 × 16 images, tens of steps, seconds.

use std::time::Duration;

use burn::tensor::Device;
use flow_models::checkpoint::Checkpointing;
use flow_models::trainer::Silent;
use flow_models::{
    ImageArray, ModelError, ModelKind, Monitor, Samples, TrainSpec, TrainingData, encode, evaluate,
    train, weights,
};

const SIDE: usize = 16;

/// `n` images of a dark square on white whose position and size vary: learnable in few steps.
fn squares(n: usize) -> Vec<f32> {
    let mut out = vec![1.0f32; n * SIDE * SIDE];
    for i in 0..n {
        let x0 = i % 9;
        let y0 = (i / 3) % 9;
        let s = 3 + i % 5;
        for r in y0..(y0 + s).min(SIDE) {
            for c in x0..(x0 + s).min(SIDE) {
                out[i * SIDE * SIDE + r * SIDE + c] = 0.0;
            }
        }
    }
    out
}

fn spec(kind: ModelKind, steps: u64) -> TrainSpec {
    TrainSpec {
        kind,
        latents: 4,
        height: SIDE,
        width: SIDE,
        classes: 0,
        steps,
        batch: 8,
        lr: 1e-3,
        seed: 7,
        eval_every: 10,
        patience: 3,
    }
}

fn array(images: &[f32]) -> ImageArray<'_> {
    ImageArray {
        pixels: images,
        area: SIDE * SIDE,
    }
}

fn plain<'a>(samples: &'a ImageArray<'a>) -> TrainingData<'a> {
    TrainingData {
        train: samples,
        validation: None,
    }
}

fn cpu() -> Device {
    Device::flex()
}

fn run(spec: &TrainSpec, images: &[f32]) -> flow_models::Trained {
    let samples = array(images);
    train(spec, &plain(&samples), &cpu(), &mut Silent, None).unwrap()
}

fn codes(trained: &flow_models::Trained, spec: &TrainSpec, images: &[f32]) -> Vec<f32> {
    encode(&trained.network, spec, &array(images), &cpu())
}

#[test]
fn beta_vae_loss_falls() {
    let images = squares(64);
    let s = spec(ModelKind::BetaVae { beta: 4.0 }, 60);
    let t = run(&s, &images);
    assert_eq!(t.curve.len(), 60);
    let first: f64 = t.curve[..5].iter().map(|p| p.loss).sum::<f64>() / 5.0;
    let last: f64 = t.curve[55..].iter().map(|p| p.loss).sum::<f64>() / 5.0;
    assert!(last < 0.8 * first, "loss {first} → {last}");
    assert!(t.curve.iter().all(|p| p.kl.is_some()));
}

#[test]
fn an_ae_and_a_vae_each_train_and_report_their_own_metrics() {
    // The classifier has its own tests below (it needs labels and a validation set).
    let images = squares(48);
    for kind in [ModelKind::Ae, ModelKind::BetaVae { beta: 1.0 }] {
        let s = spec(kind, 30);
        let t = run(&s, &images);
        let first = t.curve[0].loss;
        let last = t.curve.last().unwrap().loss;
        assert!(last < first, "{kind:?}: loss {first} → {last}");
        let z = codes(&t, &s, &images);
        assert_eq!(z.len(), 48 * 4);
        let e = evaluate(&t.network, &s, &array(&images), &cpu());
        assert!(e.reconstruction_error.unwrap() > 0.0);
        assert_eq!(e.elbo.is_some(), kind.is_vae());
        assert_eq!(e.kl_per_latent.map(|k| k.len()), kind.is_vae().then_some(4));
    }
}

/// Labelled images: the label is the square's size class.
struct Labelled(Vec<f32>);
impl Samples for Labelled {
    fn len(&self) -> usize {
        self.0.len() / (SIDE * SIDE)
    }
    fn write(&self, i: usize, out: &mut [f32]) {
        out.copy_from_slice(&self.0[i * SIDE * SIDE..(i + 1) * SIDE * SIDE]);
    }
    fn label(&self, i: usize) -> Option<usize> {
        Some(if 3 + i % 5 >= 5 { 1 } else { 0 })
    }
}

#[test]
fn classifier_learns_and_early_stopping_keeps_the_best() {
    let train_set = Labelled(squares(60));
    let validation = Labelled(squares(60));
    let mut s = spec(ModelKind::Classifier, 200);
    s.classes = 2;
    let data = TrainingData {
        train: &train_set,
        validation: Some(&validation),
    };
    let t = train(&s, &data, &cpu(), &mut Silent, None).unwrap();
    let best = t.best_accuracy.unwrap();
    assert!(best > 0.75, "best validation accuracy {best}");
    let acc = flow_models::evaluate::accuracy(&t.network, &s, &validation, &cpu());
    assert_eq!(acc, best, "the returned network is the best one");
    let evaluated: Vec<f64> = t
        .curve
        .iter()
        .filter_map(|p| p.validation_accuracy)
        .collect();
    assert!(!evaluated.is_empty());
    assert_eq!(
        evaluated.iter().cloned().fold(f64::MIN, f64::max),
        best,
        "the best is the best of the evaluations"
    );
}

#[test]
fn early_stopping_stops_patience_evaluations_after_the_best() {
    let train_set = Labelled(squares(60));
    let validation = Labelled(squares(60));
    let mut s = spec(ModelKind::Classifier, 5000);
    s.classes = 2;
    let data = TrainingData {
        train: &train_set,
        validation: Some(&validation),
    };
    let t = train(&s, &data, &cpu(), &mut Silent, None).unwrap();
    assert!(t.stopped_early, "trained all {} steps", t.steps);
    let best_step = t.best_step.expect("a classifier records its best step");
    assert_eq!(t.steps, best_step + s.patience * s.eval_every);
    let after_best: Vec<f64> = t
        .curve
        .iter()
        .filter(|p| p.step > best_step)
        .filter_map(|p| p.validation_accuracy)
        .collect();
    assert_eq!(after_best.len() as u64, s.patience);
    assert!(after_best.iter().all(|&a| a <= t.best_accuracy.unwrap()));
}

#[test]
fn the_same_seed_gives_the_same_weights() {
    let images = squares(32);
    let s = spec(ModelKind::BetaVae { beta: 2.0 }, 12);
    let a = codes(&run(&s, &images), &s, &images);
    let b = codes(&run(&s, &images), &s, &images);
    assert_eq!(a, b);
    let mut other = s.clone();
    other.seed = 8;
    assert_ne!(a, codes(&run(&other, &images), &other, &images));
}

/// Stops the run after `at` steps, as a kill would (the loop checkpoints first).
struct StopAt(u64, u64);
impl Monitor for StopAt {
    fn step(&mut self, step: u64, _: u64, _: f64, _: f64) {
        self.1 = step;
    }
    fn cancelled(&self) -> bool {
        self.1 >= self.0
    }
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let images = squares(40);
    let s = spec(ModelKind::BetaVae { beta: 4.0 }, 30);
    let whole = run(&s, &images);
    let dir = tempfile::tempdir().unwrap();
    let ck = Checkpointing {
        dir: dir.path().to_path_buf(),
        every: Duration::from_secs(3600),
    };
    let samples = array(&images);
    let data = plain(&samples);
    let stopped = train(&s, &data, &cpu(), &mut StopAt(13, 0), Some(&ck));
    assert!(matches!(stopped, Err(ModelError::Cancelled { step: 13 })));
    let resumed = train(&s, &data, &cpu(), &mut Silent, Some(&ck)).unwrap();
    assert_eq!(resumed.resumed_from, Some(13));
    assert_eq!(resumed.curve, whole.curve);
    assert_eq!(codes(&resumed, &s, &images), codes(&whole, &s, &images));
}

#[test]
fn a_checkpoint_of_another_spec_is_ignored() {
    let images = squares(40);
    let s = spec(ModelKind::Ae, 10);
    let dir = tempfile::tempdir().unwrap();
    let ck = Checkpointing {
        dir: dir.path().to_path_buf(),
        every: Duration::ZERO,
    };
    let samples = array(&images);
    let data = plain(&samples);
    let _ = train(&s, &data, &cpu(), &mut StopAt(5, 0), Some(&ck));
    let mut other = s.clone();
    other.lr = 5e-4;
    let t = train(&other, &data, &cpu(), &mut Silent, Some(&ck)).unwrap();
    assert_eq!(t.resumed_from, None);
}

#[test]
fn a_nan_loss_is_reported_with_its_step() {
    let mut images = squares(16);
    images[3] = f32::NAN;
    let s = spec(ModelKind::BetaVae { beta: 1.0 }, 10);
    let samples = array(&images);
    let data = plain(&samples);
    let err = train(&s, &data, &cpu(), &mut Silent, None).err().unwrap();
    let text = err.to_string();
    let ModelError::Diverged { step, loss } = err else {
        panic!("expected divergence, got {err}");
    };
    // Image 0 (holding the NaN) is in the first epoch's batch 1 or 2.
    assert!(step == 1 || step == 2, "diverged at step {step}");
    assert!(loss.is_nan(), "{loss}");
    assert!(
        text.starts_with(&format!("diverged at step {step}")),
        "{text}"
    );
}

#[test]
fn a_huge_learning_rate_diverges() {
    let images = squares(32);
    let mut s = spec(ModelKind::BetaVae { beta: 1.0 }, 20);
    s.lr = 1e12;
    let samples = array(&images);
    let data = plain(&samples);
    let err = train(&s, &data, &cpu(), &mut Silent, None).err().unwrap();
    assert!(matches!(err, ModelError::Diverged { .. }), "{err}");
}

#[test]
fn weights_round_trip_through_safetensors() {
    let images = squares(24);
    let s = spec(ModelKind::BetaVae { beta: 4.0 }, 5);
    let t = run(&s, &images);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    weights::save(&t.network, &path).unwrap();
    let loaded = weights::load(&s.shape(), &path, &cpu()).unwrap();
    assert_eq!(
        encode(&loaded, &s, &array(&images), &cpu()),
        codes(&t, &s, &images)
    );
}

/// The saved weights of `spec` trained on `images` in a rayon pool of `threads` threads.
fn weight_bytes_on(threads: usize, spec: &TrainSpec, images: &[f32]) -> Vec<u8> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let t = pool.install(|| run(spec, images));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    weights::save(&t.network, &path).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn training_gives_the_same_bytes_on_1_2_and_4_threads() {
    // The batch and image size put every fused layer's matrix products above the size at which
    // they split over threads, and the window passes split by image.
    let images = squares(32);
    let s = spec(ModelKind::BetaVae { beta: 4.0 }, 6);
    let one = weight_bytes_on(1, &s, &images);
    assert_eq!(one, weight_bytes_on(2, &s, &images));
    assert_eq!(one, weight_bytes_on(4, &s, &images));
}
