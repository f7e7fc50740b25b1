//! `train`: one model of the paper — β-VAE, VAE, AE or identity classifier — trained with burn.
//!
//! Paper: Higgins et al. 2021, Online methods, "Model details" (architecture, Bernoulli
//! decoder, Adam 1e-4, batch 16, 1 M steps, eq. 1), "Baseline models" (AE eq. 2, VAE eq. 3, the
//! classifier "trained to differentiate between the 2,100 faces" with early stopping),
//! "Hyperparameter sweep" (β and seeds are swept by the pipeline). DESIGN.md §3 "train". The
//! architecture and objectives are documented in flow-models (`architecture.rs`,
//! `objective.rs`); this file is the stage: ports, params, data and outputs, with the tables it
//! reads and writes built in `train_tables.rs`.
//!
//! Inputs:
//! - `images`: the training images (an image table; `split.train_images`, the mirror-flipped
//!   model-training set, in the paper's pipeline; `flow stage train --in images=X.npy` reads an
//!   N × H × W array through `import`). Sides must be divisible by 16; pixels in [0, 1].
//! - `encode` (optional): the images whose latent means are reported (all 2,162 faces in the
//!   paper: the monkeys' images included); default: the training images.
//! - `classifier` (classifier only): `split.classifier`, one row per translated instance
//!   (`image_id`, `label`, `dx`, `dy`, `role` = train / validation / test); `image_id`s are
//!   looked up in `images`.
//!
//! Outputs:
//! - `weights` (files): `model.safetensors` and `model.json` (the full training spec);
//! - `latents`: `image_id` + `z00 … z{N−1}`, the latent means (VAEs), codes (AE) or N-unit
//!   representation (classifier) of every image of `encode`;
//! - `kl`: one row per latent: `kl`, its mean KL(q(z|x) ‖ p(z)) over the `encode` images (VAEs;
//!   null otherwise), and `variance`, the variance (ddof 0) of its means over them — the two
//!   "informative" rules of docs/METHODS.md (udr reads `kl`, lasso-ve the variance of `latents`);
//! - `curve`: `step`, `loss`, `reconstruction`, `kl`, `validation_accuracy`, means over windows
//!   of max(1, steps / 1000) steps;
//! - `result` (JSON): the model and its settings, steps trained, and on the training images the
//!   reconstruction error (Σ_pixels squared error of the posterior-mean reconstruction, mean over
//!   images), for VAEs the ELBO (one posterior sample per image, β = 1) and its negative
//!   log-likelihood, per-latent KL and the number of latents with KL > 0.01; for the classifier
//!   the test accuracy (best validation weights), the best validation accuracy and its step.
//!
//! Choices the paper leaves open (params with defaults): `beta` = 4 (swept in the paper);
//! `latents` = 50; `steps` = 1,000,000; the classifier evaluates validation accuracy every
//! `eval_every` = 1,000 steps and stops after `patience` = 10 evaluations without improvement,
//! keeping the best weights; batches are drawn without replacement, a fresh permutation each
//! epoch. Outputs carry no timings, so equal inputs give byte-identical outputs.
//!
//! Seeds and determinism: initialisation, batch order and noise come from the node's seed through
//! ChaCha streams (never burn's global generator). On the `flex` CPU backend, the same seed and
//! thread count give bit-identical weights (tests/training.rs pins it); on CUDA, burn does not
//! promise deterministic reductions, so results agree only to floating-point tolerance.
//!
//! Resumption: a checkpoint is written into the node's scratch space every
//! `FLOW_CHECKPOINT_SECONDS` seconds of wall time (default 300; an environment setting, not a
//! param, because how often a run saves does not change what it computes and so must not enter
//! the cache key). A killed, cancelled or preempted run of the same node resumes from its last
//! checkpoint and produces exactly the outputs of an uninterrupted run.
//!
//! Failure: a NaN or infinite loss fails the node with "diverged at step k" (its dependents are
//! skipped; the rest of the sweep goes on).

use std::time::{Duration, Instant};

use burn::tensor::Device;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_models::checkpoint::Checkpointing;
use flow_models::{ModelError, ModelKind, Monitor, TrainSpec, TrainingData};
use serde_json::json;

use crate::images::ImageSet;
use crate::training::device;
use crate::training::model_files::{self, Plain};
use crate::training::train_tables::{classifier_sets, curve_table, kl_table, latents_table};

pub struct Train;

const MODELS: &[&str] = &["beta-vae", "vae", "ae", "classifier"];

/// Mean KL above which a latent counts as informative (docs/METHODS.md; udr's default).
const KL_INFORMATIVE: f64 = 0.01;

/// The wall time between checkpoints: `FLOW_CHECKPOINT_SECONDS`, default 300.
pub fn checkpoint_interval() -> Duration {
    std::env::var("FLOW_CHECKPOINT_SECONDS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(300))
}

/// The params of `train`, as written (types checked by the engine; `check` judges the values).
#[derive(Debug, Clone, serde::Deserialize)]
struct TrainParams {
    model: String,
    beta: f64,
    latents: i64,
    steps: i64,
    batch: i64,
    lr: f64,
    eval_every: i64,
    patience: i64,
}

impl TrainParams {
    /// The counts `check` requires to be at least 1, by name.
    fn counts(&self) -> [(&'static str, i64); 5] {
        [
            ("latents", self.latents),
            ("steps", self.steps),
            ("batch", self.batch),
            ("eval_every", self.eval_every),
            ("patience", self.patience),
        ]
    }
}

fn spec_from(
    p: &TrainParams,
    seed: u64,
    height: usize,
    width: usize,
    classes: usize,
) -> Result<TrainSpec, StageError> {
    let kind = ModelKind::from_name(&p.model, p.beta).map_err(|e| StageError::param("model", e))?;
    // `check` made every count ≥ 1.
    let count = |v: i64| v.max(1) as usize;
    Ok(TrainSpec {
        kind,
        latents: count(p.latents),
        height,
        width,
        classes,
        steps: count(p.steps) as u64,
        batch: count(p.batch),
        lr: p.lr,
        seed,
        eval_every: count(p.eval_every) as u64,
        patience: count(p.patience) as u64,
    })
}

/// Reports steps to the node's progress bar, at most every 100 ms.
struct Progress<'a> {
    ctx: &'a RunContext,
    steps: u64,
    last: Option<Instant>,
}

impl Monitor for Progress<'_> {
    fn step(&mut self, step: u64, steps: u64, loss: f64, images_per_s: f64) {
        if step == steps
            || self
                .last
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(100))
        {
            self.ctx.progress(
                step,
                steps,
                &format!("loss {loss:.2} · {images_per_s:.0} img/s"),
            );
            self.last = Some(Instant::now());
        }
    }

    fn resumed(&mut self, step: u64) {
        self.ctx.progress(
            step,
            self.steps,
            &format!("resumed from its checkpoint at step {step}"),
        );
        self.last = Some(Instant::now());
    }

    fn cancelled(&self) -> bool {
        self.ctx.is_cancelled()
    }
}

impl StageKind for Train {
    fn name(&self) -> &'static str {
        "train"
    }

    fn version(&self) -> u32 {
        // 2: convolutions as matrix products (flow-models `conv`/`deconv`): the same network,
        // floating-point sums in another order, so other bytes.
        // 3: the fused CPU kernels (flow-models `kernels`): sums in another order again.
        3
    }

    fn summary(&self) -> &'static str {
        "Train a beta-VAE, VAE, AE or identity classifier on the paper's architecture (burn; resumable)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "model",
                ParamType::Choice(MODELS),
                ParamValue::Str("beta-vae".into()),
                "the model class (vae = beta-vae with beta 1)",
            ),
            ParamSpec::with_default(
                "beta",
                ParamType::Float,
                ParamValue::Float(4.0),
                "the KL weight of beta-vae (the paper sweeps 40 values in [0.5, 20])",
            ),
            ParamSpec::with_default(
                "latents",
                ParamType::Int,
                ParamValue::Int(50),
                "N, latent units (the classifier's representation size)",
            ),
            ParamSpec::with_default(
                "steps",
                ParamType::Int,
                ParamValue::Int(1_000_000),
                "optimiser steps (the classifier's maximum)",
            ),
            ParamSpec::with_default(
                "batch",
                ParamType::Int,
                ParamValue::Int(16),
                "images per step",
            ),
            ParamSpec::with_default(
                "lr",
                ParamType::Float,
                ParamValue::Float(1e-4),
                "Adam's learning rate",
            ),
            ParamSpec::with_default(
                "eval_every",
                ParamType::Int,
                ParamValue::Int(1000),
                "classifier: steps between validation-accuracy evaluations",
            ),
            ParamSpec::with_default(
                "patience",
                ParamType::Int,
                ParamValue::Int(10),
                "classifier: evaluations without improvement before early stopping",
            ),
            device::spec(),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "the training images (image table)",
            ),
            PortSpec::one(
                "encode",
                ArtifactType::Table,
                "images whose latent means are reported (default: the training images)",
            )
            .optional(),
            PortSpec::one(
                "classifier",
                ArtifactType::Table,
                "classifier only: image_id, label, dx, dy, role per translated instance",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "weights",
                ArtifactType::Files,
                "model.safetensors + model.json",
            ),
            PortSpec::one(
                "latents",
                ArtifactType::Table,
                "image_id + z00… latent means of the `encode` images",
            ),
            PortSpec::one(
                "kl",
                ArtifactType::Table,
                "per latent: mean kl (VAEs) and variance of the means",
            ),
            PortSpec::one("curve", ArtifactType::Table, "the loss curve"),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "final reconstruction error, ELBO or accuracy, settings",
            ),
        ]
    }

    fn threads(&self, _params: &Params) -> usize {
        2
    }

    fn resolve(&self, params: &mut Params) {
        device::resolve(params);
    }

    fn gpus(&self, params: &Params) -> u32 {
        device::gpus(params)
    }

    fn check(
        &self,
        params: &Params,
        connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: TrainParams = params.parse()?;
        let is_classifier = p.model == "classifier";
        if is_classifier != connected.is_connected("classifier") {
            return Err(StageError::input(
                "classifier",
                if is_classifier {
                    "model = \"classifier\" needs the `classifier` input (split.classifier)"
                } else {
                    "is only used by model = \"classifier\""
                },
            ));
        }
        for (name, value) in p.counts() {
            if value < 1 {
                return Err(StageError::param(name, "must be at least 1"));
            }
        }
        let lr = p.lr;
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(StageError::param(
                "lr",
                format!("must be positive, got {lr}"),
            ));
        }
        let beta = p.beta;
        if !(beta >= 0.0 && beta.is_finite()) {
            return Err(StageError::param(
                "beta",
                format!("must be ≥ 0, got {beta}"),
            ));
        }
        device::check(params)?;
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: TrainParams = ctx.params().parse()?;
        let images = ImageSet::from_table(inputs.table("images")?, "images")?;
        if images.is_empty() {
            return Err(StageError::input("images", "has no images"));
        }
        model_files::check_pixels(&images, "images")?;
        let encode_set = if inputs.is_connected("encode") {
            let e = ImageSet::from_table(inputs.table("encode")?, "encode")?;
            if (e.height, e.width) != (images.height, images.width) {
                return Err(StageError::input(
                    "encode",
                    format!(
                        "images are {} × {}, the training images {} × {}",
                        e.height, e.width, images.height, images.width
                    ),
                ));
            }
            model_files::check_pixels(&e, "encode")?;
            Some(e)
        } else {
            None
        };
        let encode_set = encode_set.as_ref().unwrap_or(&images);

        let is_classifier = p.model == "classifier";
        let plain = Plain(&images);
        let sets = if is_classifier {
            Some(classifier_sets(inputs.table("classifier")?, &images)?)
        } else {
            None
        };
        let classes = sets.as_ref().map_or(0, |s| s.3);
        let spec = spec_from(&p, ctx.seed(), images.height, images.width, classes)?;
        spec.check().map_err(|e| StageError::input("images", e))?;

        let backend = device::backend(ctx.params())?;
        let device: Device = device::device(ctx.params())?;
        let data = match &sets {
            Some((train, validation, _, _)) => TrainingData {
                train,
                validation: Some(validation),
            },
            None => TrainingData {
                train: &plain,
                validation: None,
            },
        };
        let checkpoints = Checkpointing {
            dir: ctx.scratch_dir()?.to_path_buf(),
            every: checkpoint_interval(),
        };
        let mut monitor = Progress {
            ctx,
            steps: spec.steps,
            last: None,
        };
        let trained = flow_models::train(&spec, &data, &device, &mut monitor, Some(&checkpoints))
            .map_err(|e| match e {
            ModelError::Diverged { step, loss } => StageError::Diverged {
                step,
                message: format!("the loss is {loss}"),
            },
            ModelError::Cancelled { .. } => StageError::Cancelled,
            other => StageError::failed(other.to_string()),
        })?;

        // Outputs.
        let weights_dir = ctx.output_dir("weights")?;
        model_files::save(&weights_dir, &trained.network, &spec)?;
        let n = spec.latents;
        let z = flow_models::encode(&trained.network, &spec, &Plain(encode_set), &device);
        let latents = latents_table(&encode_set.ids, &z, n)?;

        let train_eval = flow_models::evaluate(&trained.network, &spec, &plain, &device);
        let encode_eval = if spec.kind.is_vae() {
            flow_models::evaluate(&trained.network, &spec, &Plain(encode_set), &device)
                .kl_per_latent
        } else {
            None
        };
        let kl_table = kl_table(encode_eval.as_deref(), &z, n)?;

        let c = &trained.curve;
        let curve = curve_table(c)?;

        let test_accuracy = match &sets {
            Some((_, _, test, _)) if !test.rows.is_empty() => Some(
                flow_models::evaluate::accuracy(&trained.network, &spec, test, &device),
            ),
            _ => None,
        };
        let informative = train_eval
            .kl_per_latent
            .as_ref()
            .map(|k| k.iter().filter(|&&v| v > KL_INFORMATIVE).count());
        let beta = match spec.kind {
            ModelKind::BetaVae { beta } => Some(beta),
            _ => None,
        };
        let result = json!({
            "model": p.model,
            "beta": beta,
            "latents": n,
            "steps": spec.steps,
            "steps_trained": trained.steps,
            "batch": spec.batch,
            "lr": spec.lr,
            "seed": spec.seed,
            "backend": backend.name(),
            "training_images": images.len(),
            "encoded_images": encode_set.len(),
            "final_loss": c.last().map(|p| p.loss),
            "reconstruction_error": train_eval.reconstruction_error,
            "reconstruction_nll": train_eval.reconstruction_nll,
            "elbo": train_eval.elbo,
            "kl_per_latent": train_eval.kl_per_latent,
            "informative_latents": informative,
            "accuracy": test_accuracy,
            "validation_accuracy": trained.best_accuracy,
            "best_step": trained.best_step,
            "stopped_early": trained.stopped_early,
            "classes": (classes > 0).then_some(classes),
        });
        Ok(Outputs::new()
            .table("latents", latents)
            .table("kl", kl_table)
            .table("curve", curve)
            .json("result", result))
    }
}
