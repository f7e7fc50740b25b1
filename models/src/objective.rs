//! The training objectives of the model classes: Higgins et al. 2021, Online methods, "Model
//! details" (eq. 1, the β-VAE), "Baseline models" (eq. 2, the AE; eq. 3, the VAE = β-VAE with
//! β = 1; the identity classifier).
//!
//! Per batch, each loss is the mean over images of a per-image sum over pixels (and latents):
//! - β-VAE: Bernoulli decoder, so −log p(x|z) is the binary cross-entropy of the pixel logits
//!   against the grayscale targets (x ∈ [0, 1] used as probabilities, as is usual), computed
//!   stably as softplus(ℓ) − ℓ·x; plus β · KL(N(μ, σ²) ‖ N(0, I)) = β · ½ Σ (μ² + σ² − 1 − log σ²);
//!   one reparameterised sample z = μ + σ ε per image and step.
//! - AE (eq. 2): ‖f(x) − x‖², the squared error summed over pixels, with f(x) = sigmoid of the
//!   decoder's logits (the same decoder as the VAEs, its output read as intensities).
//! - Classifier: softmax cross-entropy over the training identities.

use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, sigmoid};
use burn::tensor::loss::cross_entropy_with_logits;

use crate::architecture::{Network, Shape};
use crate::kernels::bernoulli::bernoulli_nll_sum;

/// The model classes.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum ModelKind {
    /// β-VAE; β = 1 is the VAE.
    BetaVae { beta: f64 },
    /// The deterministic autoencoder.
    Ae,
    /// The identity classifier.
    Classifier,
}

impl ModelKind {
    /// The names a pipeline uses: `beta-vae` (with β), `vae`, `ae`, `classifier`.
    pub fn from_name(name: &str, beta: f64) -> Result<ModelKind, String> {
        match name {
            "beta-vae" => Ok(ModelKind::BetaVae { beta }),
            "vae" => Ok(ModelKind::BetaVae { beta: 1.0 }),
            "ae" => Ok(ModelKind::Ae),
            "classifier" => Ok(ModelKind::Classifier),
            other => Err(format!(
                "unknown model `{other}` (expected beta-vae, vae, ae or classifier)"
            )),
        }
    }

    pub fn is_vae(&self) -> bool {
        matches!(self, ModelKind::BetaVae { .. })
    }

    /// The network shape of this class for images of `height × width`, `latents` units and
    /// `classes` identities (classifier only).
    pub fn shape(&self, height: usize, width: usize, latents: usize, classes: usize) -> Shape {
        Shape {
            height,
            width,
            latents,
            outputs_per_latent: if self.is_vae() { 2 } else { 1 },
            decoder: !matches!(self, ModelKind::Classifier),
            classes: if matches!(self, ModelKind::Classifier) {
                classes
            } else {
                0
            },
        }
    }
}

/// One batch's loss and its parts (each a one-element tensor, mean over the batch).
pub struct Loss {
    pub total: Tensor<1>,
    /// −log p(x|z) (VAEs), the squared error (AE) or the cross-entropy (classifier).
    pub reconstruction: Tensor<1>,
    /// KL(q(z|x) ‖ p(z)), VAEs only.
    pub kl: Option<Tensor<1>>,
}

/// Splits the encoder's VAE output into means and log-variances.
pub fn posterior(encoded: Tensor<2>, latents: usize) -> (Tensor<2>, Tensor<2>) {
    let mu = encoded.clone().narrow(1, 0, latents);
    let logvar = encoded.narrow(1, latents, latents);
    (mu, logvar)
}

/// Per-image, per-latent KL(N(μ, σ²) ‖ N(0, 1)).
pub fn kl_terms(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<2> {
    (mu.square() + logvar.clone().exp() - logvar - 1.0) * 0.5
}

/// Per-pixel Bernoulli negative log-likelihood of `x` under pixel `logits`.
pub fn bernoulli_nll(logits: Tensor<4>, x: Tensor<4>) -> Tensor<4> {
    // softplus(ℓ) − ℓx, with softplus(ℓ) = −log σ(−ℓ) (stable for either sign).
    -log_sigmoid(-logits.clone()) - logits * x
}

/// The loss of `network` as a `kind` model on a batch `x` (`[B, 1, H, W]`), with the
/// reparameterisation noise `noise` (`[B, N]`, VAEs) or the one-hot `targets` (`[B, classes]`,
/// classifier).
pub fn loss(
    network: &Network,
    kind: ModelKind,
    latents: usize,
    x: Tensor<4>,
    noise: Option<Tensor<2>>,
    targets: Option<Tensor<2>>,
) -> Loss {
    let b = x.dims()[0] as f64;
    let encoded = network.encoder.forward(x.clone());
    match kind {
        ModelKind::BetaVae { beta } => {
            let (mu, logvar) = posterior(encoded, latents);
            let eps = noise.expect("a VAE step needs noise");
            let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps;
            let decoder = network.decoder.as_ref().expect("a VAE has a decoder");
            let logits = decoder.forward(z);
            let reconstruction = bernoulli_nll_sum(&logits, &x)
                .unwrap_or_else(|| bernoulli_nll(logits, x).sum())
                / b;
            let kl = kl_terms(mu, logvar).sum() / b;
            let total = reconstruction.clone() + kl.clone() * beta;
            Loss {
                total,
                reconstruction,
                kl: Some(kl),
            }
        }
        ModelKind::Ae => {
            let decoder = network.decoder.as_ref().expect("an AE has a decoder");
            let f = sigmoid(decoder.forward(encoded));
            let reconstruction = (f - x).square().sum() / b;
            Loss {
                total: reconstruction.clone(),
                reconstruction,
                kl: None,
            }
        }
        ModelKind::Classifier => {
            let head = network.head.as_ref().expect("a classifier has a head");
            let logits = head.forward(encoded);
            let ce = cross_entropy_with_logits(logits, targets.expect("a classifier needs labels"));
            Loss {
                total: ce.clone(),
                reconstruction: ce,
                kl: None,
            }
        }
    }
}
