//! The fused reconstruction term (`flow_models::kernels::bernoulli`) equals the composed one
//! (`objective::bernoulli_nll` summed) in value and in its gradient, for logits of either sign
//! and large magnitude, on the CPU backend with and without autodiff.

use burn::prelude::*;
use flow_models::kernels::bernoulli::bernoulli_nll_sum;
use flow_models::objective::bernoulli_nll;

/// Logits from −30 to 30 and targets in [0, 1], `[3, 1, 4, 5]`.
fn batch(device: &Device) -> (Tensor<4>, Tensor<4>) {
    let n = 60;
    let logits: Vec<f32> = (0..n)
        .map(|i| (i as f32 - 30.0) * if i % 2 == 0 { 1.0 } else { 0.13 })
        .collect();
    let targets: Vec<f32> = (0..n).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
    (
        Tensor::from_data(TensorData::new(logits, [3, 1, 4, 5]), device),
        Tensor::from_data(TensorData::new(targets, [3, 1, 4, 5]), device),
    )
}

#[test]
fn the_fused_term_equals_the_composed_sum() {
    for device in [Device::flex(), Device::flex().autodiff()] {
        let (l, x) = batch(&device);
        let fused: f32 = bernoulli_nll_sum(&l, &x)
            .expect("the flex path")
            .into_scalar();
        let composed: f32 = bernoulli_nll(l, x).sum().into_scalar();
        assert!(
            (fused - composed).abs() <= 1e-5 * composed.abs(),
            "{fused} vs {composed}"
        );
    }
}

#[test]
fn the_fused_terms_gradient_is_sigmoid_minus_target_times_the_upstream_gradient() {
    let device = Device::flex().autodiff();
    let (l, x) = batch(&device);
    let l = l.require_grad();
    let g = (bernoulli_nll_sum(&l, &x).unwrap() * 2.5).backward();
    let fused = l.grad(&g).unwrap();
    let (l2, x2) = batch(&device);
    let l2 = l2.require_grad();
    let g2 = (bernoulli_nll(l2.clone(), x2).sum() * 2.5).backward();
    let composed = l2.grad(&g2).unwrap();
    let difference: f32 = (fused - composed).abs().max().into_scalar();
    assert!(difference < 1e-6, "{difference}");
}
