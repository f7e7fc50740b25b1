//! Using a trained network: latent means for a set of images, reconstructions and decodings,
//! and the final scores the paper selects models by (Online methods, "Model selection based on
//! training performance": the AE's reconstruction error, the VAE's lower bound, the classifier's
//! accuracy).
//!
//! Everything here runs in inference mode on the plain (non-autodiff) device, in batches of
//! [`BATCH`] images.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::architecture::Network;
use crate::objective::{self, ModelKind};
use crate::rng::Purpose;
use crate::samples::Samples;
use crate::spec::TrainSpec;

/// Images per inference batch.
pub const BATCH: usize = 256;

/// The final scores of a trained network on a set of images.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Mean over images of Σ_pixels (x̂ − x)², with x̂ = sigmoid(decoder(μ)) (VAEs, AE).
    pub reconstruction_error: Option<f64>,
    /// Mean over images of −log p(x | z), one posterior sample z per image (VAEs).
    pub reconstruction_nll: Option<f64>,
    /// Mean over images of KL(q(z|x) ‖ p(z)), per latent (VAEs).
    pub kl_per_latent: Option<Vec<f64>>,
    /// The evidence lower bound, mean over images: −nll − Σ KL, one sample per image (VAEs; the
    /// true bound, β = 1, whatever β the model trained with).
    pub elbo: Option<f64>,
    /// Classifier accuracy (labelled samples).
    pub accuracy: Option<f64>,
}

fn batch_tensor(
    samples: &dyn Samples,
    range: std::ops::Range<usize>,
    spec_hw: (usize, usize),
    device: &Device,
) -> Tensor<4> {
    let (h, w) = spec_hw;
    let area = h * w;
    let mut pixels = vec![0f32; range.len() * area];
    for (j, i) in range.clone().enumerate() {
        samples.write(i, &mut pixels[j * area..(j + 1) * area]);
    }
    Tensor::from_data(TensorData::new(pixels, [range.len(), 1, h, w]), device)
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .expect("float tensors convert to f32")
}

/// The representation of every sample: latent means (VAEs), codes (AE) or the N-unit layer
/// (classifier); `len × latents`, row-major.
pub fn encode(
    network: &Network,
    spec: &TrainSpec,
    samples: &dyn Samples,
    device: &Device,
) -> Vec<f32> {
    let n = samples.len();
    let mut out = Vec::with_capacity(n * spec.latents);
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let x = batch_tensor(samples, start..end, (spec.height, spec.width), device);
        let encoded = network.encoder.forward(x);
        let rep = if spec.kind.is_vae() {
            objective::posterior(encoded, spec.latents).0
        } else {
            encoded
        };
        out.extend(to_vec(rep));
        start = end;
    }
    out
}

/// Pixel intensities sigmoid(decoder(z)) for latents `z` (`len × latents`), `len × H × W`.
pub fn decode(network: &Network, spec: &TrainSpec, z: &[f32], device: &Device) -> Vec<f32> {
    let decoder = network
        .decoder
        .as_ref()
        .expect("decode needs a model with a decoder");
    let n = z.len() / spec.latents;
    let mut out = Vec::with_capacity(n * spec.height * spec.width);
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let zt = Tensor::<2>::from_data(
            TensorData::new(
                z[start * spec.latents..end * spec.latents].to_vec(),
                [end - start, spec.latents],
            ),
            device,
        );
        out.extend(to_vec(sigmoid(decoder.forward(zt))));
        start = end;
    }
    out
}

/// The fraction of labelled samples the classifier gets right.
pub fn accuracy(
    network: &Network,
    spec: &TrainSpec,
    samples: &dyn Samples,
    device: &Device,
) -> f64 {
    let head = network.head.as_ref().expect("accuracy needs a classifier");
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut correct = 0usize;
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let x = batch_tensor(samples, start..end, (spec.height, spec.width), device);
        let logits = head.forward(network.encoder.forward(x));
        let predicted: Vec<i64> = logits.argmax(1).into_data().iter::<i64>().collect();
        for (j, i) in (start..end).enumerate() {
            if samples.label(i) == predicted.get(j).map(|&p| p as usize) {
                correct += 1;
            }
        }
        start = end;
    }
    correct as f64 / n as f64
}

/// The final scores of `network` on `samples` (see [`Evaluation`]).
pub fn evaluate(
    network: &Network,
    spec: &TrainSpec,
    samples: &dyn Samples,
    device: &Device,
) -> Evaluation {
    let n = samples.len();
    match spec.kind {
        ModelKind::Classifier => Evaluation {
            reconstruction_error: None,
            reconstruction_nll: None,
            kl_per_latent: None,
            elbo: None,
            accuracy: Some(accuracy(network, spec, samples, device)),
        },
        kind => {
            let decoder = network.decoder.as_ref().expect("a decoder");
            let mut se = 0.0;
            let mut nll = 0.0;
            let mut kl = vec![0.0; spec.latents];
            let mut start = 0;
            let mut batch_index = 0;
            while start < n {
                let end = (start + BATCH).min(n);
                let b = end - start;
                let x = batch_tensor(samples, start..end, (spec.height, spec.width), device);
                let encoded = network.encoder.forward(x.clone());
                if kind.is_vae() {
                    let (mu, logvar) = objective::posterior(encoded, spec.latents);
                    let mean_image = sigmoid(decoder.forward(mu.clone()));
                    se += to_vec((mean_image - x.clone()).square().sum())[0] as f64;
                    let eps = Purpose::Evaluation
                        .rng(spec.seed, batch_index)
                        .normals_f32(b * spec.latents);
                    let eps =
                        Tensor::<2>::from_data(TensorData::new(eps, [b, spec.latents]), device);
                    let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps;
                    nll += to_vec(objective::bernoulli_nll(decoder.forward(z), x).sum())[0] as f64;
                    let terms = to_vec(objective::kl_terms(mu, logvar).sum_dim(0));
                    for (k, t) in kl.iter_mut().zip(terms) {
                        *k += t as f64;
                    }
                } else {
                    let f = sigmoid(decoder.forward(encoded));
                    se += to_vec((f - x).square().sum())[0] as f64;
                }
                start = end;
                batch_index += 1;
            }
            let nf = n.max(1) as f64;
            if kind.is_vae() {
                let kl: Vec<f64> = kl.iter().map(|k| k / nf).collect();
                let total_kl: f64 = kl.iter().sum();
                Evaluation {
                    reconstruction_error: Some(se / nf),
                    reconstruction_nll: Some(nll / nf),
                    elbo: Some(-(nll / nf) - total_kl),
                    kl_per_latent: Some(kl),
                    accuracy: None,
                }
            } else {
                Evaluation {
                    reconstruction_error: Some(se / nf),
                    reconstruction_nll: None,
                    kl_per_latent: None,
                    elbo: None,
                    accuracy: None,
                }
            }
        }
    }
}
