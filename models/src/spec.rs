//! What to train: the model class, its size, the optimisation settings and the seed.

use crate::architecture::Shape;
use crate::objective::ModelKind;

/// A training run's full specification. Checkpoints store it, and resume only into an equal spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainSpec {
    pub kind: ModelKind,
    /// N, latent units (the classifier's representation size).
    pub latents: usize,
    pub height: usize,
    pub width: usize,
    /// Classifier identities (0 for the other classes).
    pub classes: usize,
    /// Optimiser steps (the maximum, for the early-stopped classifier).
    pub steps: u64,
    pub batch: usize,
    /// Adam's learning rate (β₁ = 0.9, β₂ = 0.999, ε = 1e-8: PyTorch's and TensorFlow's
    /// defaults; burn's own ε default is 1e-5).
    pub lr: f64,
    pub seed: u64,
    /// Classifier: validation accuracy every `eval_every` steps …
    pub eval_every: u64,
    /// … and stop after `patience` evaluations without improvement, keeping the best weights.
    pub patience: u64,
}

impl TrainSpec {
    pub fn shape(&self) -> Shape {
        self.kind
            .shape(self.height, self.width, self.latents, self.classes)
    }

    pub fn check(&self) -> Result<(), String> {
        self.shape().check()?;
        if self.batch == 0 {
            return Err("batch must be at least 1".into());
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(format!("lr must be positive, got {}", self.lr));
        }
        if let ModelKind::BetaVae { beta } = self.kind
            && !(beta >= 0.0 && beta.is_finite())
        {
            return Err(format!("beta must be ≥ 0, got {beta}"));
        }
        if matches!(self.kind, ModelKind::Classifier) {
            if self.classes < 2 {
                return Err(format!(
                    "a classifier needs at least 2 identities, got {}",
                    self.classes
                ));
            }
            if self.eval_every == 0 {
                return Err("eval_every must be at least 1".into());
            }
        }
        Ok(())
    }

    /// The steps a curve point averages over: at most ~1,000 points per run.
    pub fn curve_window(&self) -> u64 {
        (self.steps / 1000).max(1)
    }
}
