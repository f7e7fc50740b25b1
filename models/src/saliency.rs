//! Pixel gradients of a weighted sum of a network's latent units: the backward pass that
//! shared-feature visualisation (Lappe et al. 2024, "parallel backpropagation") and plain
//! gradient saliency maps are made of.
//!
//! For images x_r and one weight vector a_r per image, [`latent_gradients`] returns
//! ∂(Σ_d a_rd · u_d(x_r)) / ∂x_r for every image, where u is the network's representation: the
//! posterior means for the VAEs, the codes for the AE, the N-unit layer for a classifier (what
//! [`crate::encode`] returns). The images of a batch do not interact (the encoder has no batch
//! statistics), so one backward pass of Σ_r Σ_d a_rd · u_d(x_r) gives every image its own
//! gradient. Sums run in f32 through burn's autodiff (on the CPU through the fused kernels'
//! backward passes, `crate::kernels`); a test checks the result against finite differences.

use burn::prelude::*;

use crate::architecture::Network;
use crate::evaluate::BATCH;
use crate::objective;
use crate::spec::TrainSpec;

/// ∂(Σ_d weights[r, d] · u_d(x_r)) / ∂x_r for each image x_r of `images` (`n × H × W`,
/// row-major) and each row of `weights` (`n × latents`); `n × H × W` values.
///
/// `network` must live on `device`, and `device` must be an autodiff device
/// (`Device::flex().autodiff()`): the gradient is taken by burn's autodiff.
pub fn latent_gradients(
    network: &Network,
    spec: &TrainSpec,
    images: &[f32],
    weights: &[f32],
    device: &Device,
) -> Vec<f32> {
    let (h, w, l) = (spec.height, spec.width, spec.latents);
    let area = h * w;
    let n = images.len() / area;
    assert_eq!(images.len(), n * area, "images must be whole H × W images");
    assert_eq!(weights.len(), n * l, "one weight per image and latent");
    let mut out = Vec::with_capacity(images.len());
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let b = end - start;
        let x = Tensor::<4>::from_data(
            TensorData::new(images[start * area..end * area].to_vec(), [b, 1, h, w]),
            device,
        )
        .require_grad();
        let encoded = network.encoder.forward(x.clone());
        let units = if spec.kind.is_vae() {
            objective::posterior(encoded, l).0
        } else {
            encoded
        };
        let a = Tensor::<2>::from_data(
            TensorData::new(weights[start * l..end * l].to_vec(), [b, l]),
            device,
        );
        let grads = (units * a).sum().backward();
        let g = x
            .grad(&grads)
            .expect("the images are tracked: `device` must be an autodiff device");
        out.extend(
            g.into_data()
                .try_into_vec_as::<f32>()
                .expect("float tensors convert to f32"),
        );
        start = end;
    }
    out
}
