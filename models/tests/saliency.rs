//! `latent_gradients` on a tiny model (16 × 16 images, 3 latents): the pixel gradient of a
//! linear readout of the latent means equals finite differences of the readout, and each image
//! of a batch gets the gradient of its own weights only.

use burn::prelude::*;
use flow_models::{ImageArray, ModelKind, Network, TrainSpec, encode, latent_gradients};

const SIDE: usize = 16;
const LATENTS: usize = 3;

fn spec() -> TrainSpec {
    TrainSpec {
        kind: ModelKind::BetaVae { beta: 4.0 },
        latents: LATENTS,
        height: SIDE,
        width: SIDE,
        classes: 0,
        steps: 0,
        batch: 8,
        lr: 1e-3,
        seed: 3,
        eval_every: 10,
        patience: 3,
    }
}

/// A smooth gray image with a dark blob: pixels away from 0 and 1, varied.
fn image(shift: f32) -> Vec<f32> {
    (0..SIDE * SIDE)
        .map(|k| {
            let (r, c) = ((k / SIDE) as f32, (k % SIDE) as f32);
            let d2 = (r - 6.0 - shift).powi(2) + (c - 9.0 + shift).powi(2);
            0.8 - 0.6 * (-d2 / 12.0).exp() + 0.05 * ((r * 0.7 + c * 1.3).sin())
        })
        .collect()
}

/// The readout Σ_d a_d · μ_d(x) computed in f64 from the f32 latent means.
fn readout(network: &Network, spec: &TrainSpec, x: &[f32], a: &[f32], device: &Device) -> f64 {
    let mu = encode(
        network,
        spec,
        &ImageArray {
            pixels: x,
            area: SIDE * SIDE,
        },
        device,
    );
    mu.iter().zip(a).map(|(&m, &w)| m as f64 * w as f64).sum()
}

fn tiny() -> (Network, TrainSpec, Device) {
    let spec = spec();
    let device = Device::flex().autodiff();
    (Network::new(&spec.shape(), 11, &device), spec, device)
}

#[test]
fn the_gradient_of_a_linear_readout_equals_finite_differences() {
    let (network, spec, device) = tiny();
    let x = image(0.0);
    let a = [0.7f32, -1.3, 0.4];
    let g = latent_gradients(&network, &spec, &x, &a, &device);
    assert_eq!(g.len(), x.len());
    let norm: f64 = g.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
    assert!(
        norm > 1e-4,
        "the readout must depend on the pixels (‖g‖ = {norm})"
    );

    // Directional derivatives along three fixed directions (central differences).
    let eps = 1e-2f32;
    for seed in 0..3u32 {
        let v: Vec<f32> = (0..x.len())
            .map(|k| {
                (((k as u32).wrapping_mul(2654435761) ^ (seed * 40503)) % 1000) as f32 / 500.0 - 1.0
            })
            .collect();
        let plus: Vec<f32> = x.iter().zip(&v).map(|(p, d)| p + eps * d).collect();
        let minus: Vec<f32> = x.iter().zip(&v).map(|(p, d)| p - eps * d).collect();
        let fd = (readout(&network, &spec, &plus, &a, &device)
            - readout(&network, &spec, &minus, &a, &device))
            / (2.0 * eps as f64);
        let analytic: f64 = g
            .iter()
            .zip(&v)
            .map(|(&gi, &vi)| gi as f64 * vi as f64)
            .sum();
        assert!(
            (fd - analytic).abs() <= 1e-3 + 1e-2 * analytic.abs(),
            "direction {seed}: finite differences {fd}, gradient {analytic}"
        );
    }

    // Single pixels: the four with the largest gradient.
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&i, &j| g[j].abs().total_cmp(&g[i].abs()));
    let eps = 2e-2f32;
    for &k in &order[..4] {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[k] += eps;
        minus[k] -= eps;
        let fd = (readout(&network, &spec, &plus, &a, &device)
            - readout(&network, &spec, &minus, &a, &device))
            / (2.0 * eps as f64);
        let analytic = g[k] as f64;
        assert!(
            (fd - analytic).abs() <= 1e-4 + 2e-2 * analytic.abs(),
            "pixel {k}: finite differences {fd}, gradient {analytic}"
        );
    }
}

#[test]
fn each_image_of_a_batch_gets_the_gradient_of_its_own_weights() {
    let (network, spec, device) = tiny();
    let (x0, x1) = (image(0.0), image(2.0));
    let (a0, a1) = ([1.0f32, 0.0, -0.5], [0.0f32, 2.0, 0.3]);
    let alone0 = latent_gradients(&network, &spec, &x0, &a0, &device);
    let alone1 = latent_gradients(&network, &spec, &x1, &a1, &device);
    let both = latent_gradients(
        &network,
        &spec,
        &[x0, x1].concat(),
        &[a0, a1].concat(),
        &device,
    );
    let area = SIDE * SIDE;
    for (k, (&b, &s)) in both.iter().zip(alone0.iter().chain(&alone1)).enumerate() {
        assert!(
            (b - s).abs() <= 1e-6 * (1.0 + s.abs()),
            "image {} pixel {}: batched {b}, alone {s}",
            k / area,
            k % area
        );
    }
}

#[test]
fn zero_weights_give_a_zero_map() {
    let (network, spec, device) = tiny();
    let g = latent_gradients(&network, &spec, &image(1.0), &[0.0; LATENTS], &device);
    assert!(g.iter().all(|&v| v == 0.0));
}
