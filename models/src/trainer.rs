//! The training loop: Adam on batches drawn without replacement (an epoch is a fresh
//! permutation of the training samples), a reparameterised sample per image and step, the loss
//! read every step (so a NaN is caught at the step it appears), checkpoints on a wall-clock
//! interval, and, for the classifier, early stopping on validation accuracy.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::store::ModuleRecord;

use crate::architecture::Network;
use crate::checkpoint::{Checkpointing, Clock, LoopState};
use crate::error::ModelError;
use crate::evaluate;
use crate::objective::{self, ModelKind};
use crate::rng::Purpose;
use crate::samples::Samples;
use crate::spec::TrainSpec;

/// Told about every step; asked whether to stop.
pub trait Monitor {
    /// After step `step` of `steps`: the batch loss and the throughput since the run (or
    /// resumption) began.
    fn step(&mut self, step: u64, steps: u64, loss: f64, images_per_s: f64);
    /// The run continues from a checkpoint after `step` steps.
    fn resumed(&mut self, _step: u64) {}
    /// Whether the run should stop now (it checkpoints first).
    fn cancelled(&self) -> bool {
        false
    }
}

/// A monitor that ignores everything.
pub struct Silent;
impl Monitor for Silent {
    fn step(&mut self, _: u64, _: u64, _: f64, _: f64) {}
}

/// The data of a run.
pub struct TrainingData<'a> {
    pub train: &'a dyn Samples,
    /// Classifier: the validation set for early stopping.
    pub validation: Option<&'a dyn Samples>,
}

/// One point of the loss curve: means over the `curve_window` steps ending at `step`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePoint {
    pub step: u64,
    pub loss: f64,
    pub reconstruction: f64,
    /// VAEs.
    pub kl: Option<f64>,
    /// Classifier, at evaluation steps.
    pub validation_accuracy: Option<f64>,
}

/// A trained network and its history.
pub struct Trained {
    /// The final network (the classifier's best by validation accuracy), on the plain device.
    pub network: Network,
    pub curve: Vec<CurvePoint>,
    /// Steps trained in all (across resumptions).
    pub steps: u64,
    /// The step this process resumed from, if it found a checkpoint.
    pub resumed_from: Option<u64>,
    /// Classifier: best validation accuracy and its step; whether early stopping ended the run.
    pub best_accuracy: Option<f64>,
    pub best_step: Option<u64>,
    pub stopped_early: bool,
}

/// Draws batches: sample position p = step · batch + j lies in epoch p / n at offset p mod n of
/// that epoch's permutation.
struct Batches {
    seed: u64,
    n: usize,
    epoch: u64,
    order: Vec<usize>,
}

impl Batches {
    fn new(seed: u64, n: usize) -> Batches {
        Batches {
            seed,
            n,
            epoch: 0,
            order: Purpose::Order.rng(seed, 0).permutation(n),
        }
    }

    fn indices(&mut self, step: u64, batch: usize) -> Vec<usize> {
        (0..batch as u64)
            .map(|j| {
                let p = step * batch as u64 + j;
                let epoch = p / self.n as u64;
                if epoch != self.epoch {
                    self.epoch = epoch;
                    self.order = Purpose::Order.rng(self.seed, epoch).permutation(self.n);
                }
                self.order[(p % self.n as u64) as usize]
            })
            .collect()
    }
}

/// Trains `spec` on `data` on `device`, resuming from `checkpoints` when they hold a run of
/// the same spec.
pub fn train(
    spec: &TrainSpec,
    data: &TrainingData,
    device: &Device,
    monitor: &mut dyn Monitor,
    checkpoints: Option<&Checkpointing>,
) -> Result<Trained, ModelError> {
    spec.check().map_err(ModelError::Invalid)?;
    let shape = spec.shape();
    let area = spec.height * spec.width;
    let n = data.train.len();
    if n == 0 {
        return Err(ModelError::Invalid("no training images".into()));
    }
    if matches!(spec.kind, ModelKind::Classifier) {
        for i in 0..n {
            match data.train.label(i) {
                Some(l) if l < spec.classes => {}
                other => {
                    return Err(ModelError::Invalid(format!(
                        "training sample {i} has label {other:?}, outside 0..{}",
                        spec.classes
                    )));
                }
            }
        }
    }
    let train_device = device.clone().autodiff();
    let mut network = Network::new(&shape, spec.seed, &train_device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let mut state = LoopState::default();
    let mut best: Option<Network> = None;
    let mut resumed_from = None;

    if let Some(ck) = checkpoints
        && let Some(saved) = ck.latest(spec)?
    {
        let record = ModuleRecord::load(&saved.network)
            .map_err(|e| ModelError::io(&saved.network, format!("{e:?}")))?;
        network = network.load_record(record);
        optimizer = optimizer
            .load(&saved.optimizer)
            .map_err(|e| ModelError::io(&saved.optimizer, format!("{e:?}")))?;
        if let Some(path) = &saved.best {
            let record =
                ModuleRecord::load(path).map_err(|e| ModelError::io(path, format!("{e:?}")))?;
            best = Some(Network::new(&shape, spec.seed, device).load_record(record));
        }
        resumed_from = Some(saved.state.step);
        monitor.resumed(saved.state.step);
        state = saved.state;
    }

    let mut batches = Batches::new(spec.seed, n);
    let mut clock = checkpoints.map(|c| Clock::new(c.every));
    let window = spec.curve_window();
    let started = Instant::now();
    let start_step = state.step;
    let mut pixels = vec![0f32; spec.batch * area];

    let save = |state: &LoopState,
                network: &Network,
                optimizer: &burn::optim::ModuleOptimizer,
                best: &Option<Network>|
     -> Result<(), ModelError> {
        let Some(ck) = checkpoints else {
            return Ok(());
        };
        ck.save(spec, state, |dir| {
            let p = dir.join("network.bpk");
            network
                .clone()
                .into_record()
                .save(&p)
                .map_err(|e| ModelError::io(&p, format!("{e:?}")))?;
            let p = dir.join("optimizer.bpk");
            optimizer
                .save(&p)
                .map_err(|e| ModelError::io(&p, format!("{e:?}")))?;
            if let Some(b) = best {
                let p = dir.join("best.bpk");
                b.clone()
                    .into_record()
                    .save(&p)
                    .map_err(|e| ModelError::io(&p, format!("{e:?}")))?;
            }
            Ok(())
        })
    };

    while state.step < spec.steps && !state.stopped_early {
        if monitor.cancelled() {
            save(&state, &network, &optimizer, &best)?;
            return Err(ModelError::Cancelled { step: state.step });
        }
        let step = state.step;
        let indices = batches.indices(step, spec.batch);
        for (j, &i) in indices.iter().enumerate() {
            data.train.write(i, &mut pixels[j * area..(j + 1) * area]);
        }
        let x = Tensor::<4>::from_data(
            TensorData::new(pixels.clone(), [spec.batch, 1, spec.height, spec.width]),
            &train_device,
        );
        let noise = spec.kind.is_vae().then(|| {
            let eps = Purpose::Noise
                .rng(spec.seed, step)
                .normals_f32(spec.batch * spec.latents);
            Tensor::<2>::from_data(
                TensorData::new(eps, [spec.batch, spec.latents]),
                &train_device,
            )
        });
        let targets = matches!(spec.kind, ModelKind::Classifier).then(|| {
            let mut onehot = vec![0f32; spec.batch * spec.classes];
            for (j, &i) in indices.iter().enumerate() {
                onehot[j * spec.classes + data.train.label(i).unwrap_or(0)] = 1.0;
            }
            Tensor::<2>::from_data(
                TensorData::new(onehot, [spec.batch, spec.classes]),
                &train_device,
            )
        });
        let loss = objective::loss(&network, spec.kind, spec.latents, x, noise, targets);
        let total: f64 = loss.total.clone().into_scalar::<f32>() as f64;
        if !total.is_finite() {
            return Err(ModelError::Diverged {
                step: step + 1,
                loss: total,
            });
        }
        let reconstruction = loss.reconstruction.into_scalar::<f32>() as f64;
        let kl = loss.kl.map(|k| k.into_scalar::<f32>() as f64);
        let grads = GradientsParams::from_grads(loss.total.backward(), &network);
        network = optimizer.step(spec.lr, network, grads);
        state.step += 1;

        let w = &mut state.window;
        w.0 += 1;
        w.1 += total;
        w.2 += reconstruction;
        w.3 += kl.unwrap_or(0.0);
        let mut point_due = w.0 == window || state.step == spec.steps;
        let mut validation_accuracy = None;
        if matches!(spec.kind, ModelKind::Classifier)
            && (state.step % spec.eval_every == 0 || state.step == spec.steps)
            && let Some(val) = data.validation
        {
            let current = network.valid();
            let acc = evaluate::accuracy(&current, spec, val, device);
            validation_accuracy = Some(acc);
            point_due = true;
            if state.best_accuracy.is_none_or(|b| acc > b) {
                state.best_accuracy = Some(acc);
                state.best_step = state.step;
                state.evals_since_best = 0;
                best = Some(current);
            } else {
                state.evals_since_best += 1;
                if state.evals_since_best >= spec.patience {
                    state.stopped_early = true;
                }
            }
        }
        if point_due {
            let w = std::mem::take(&mut state.window);
            let k = w.0.max(1) as f64;
            state.curve.push(CurvePoint {
                step: state.step,
                loss: w.1 / k,
                reconstruction: w.2 / k,
                kl: spec.kind.is_vae().then_some(w.3 / k),
                validation_accuracy,
            });
        }
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        let rate = (state.step - start_step) as f64 * spec.batch as f64 / elapsed;
        monitor.step(state.step, spec.steps, total, rate);
        if let Some(clock) = clock.as_mut()
            && clock.due()
            && state.step < spec.steps
        {
            save(&state, &network, &optimizer, &best)?;
            clock.reset();
        }
    }

    let final_network = match (spec.kind, best) {
        (ModelKind::Classifier, Some(b)) => b,
        _ => network.valid(),
    };
    Ok(Trained {
        network: final_network,
        curve: state.curve,
        steps: state.step,
        resumed_from,
        best_accuracy: state.best_accuracy,
        best_step: state.best_accuracy.map(|_| state.best_step),
        stopped_early: state.stopped_early,
    })
}
