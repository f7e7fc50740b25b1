//! The matrix-product convolutions ([`Conv`], [`Deconv`]) compute what burn's `Conv2d` and
//! `ConvTranspose2d` compute for the paper's 4 × 4, stride-2, padding-1 layers: the same outputs
//! and the same gradients, up to the order of floating-point sums.

use burn::module::Param;
use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use flow_models::conv::Conv;
use flow_models::deconv::Deconv;
use flow_models::rng::{Purpose, Stream};

/// A tensor of uniform values in [−1, 1] from stream `index`.
fn random<const D: usize>(shape: [usize; D], index: u64, device: &Device) -> Tensor<D> {
    let mut s = Stream::new(11, Purpose::Init, index);
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|_| (2.0 * s.uniform() - 1.0) as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn max_abs_difference<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    (a - b).abs().max().into_scalar()
}

fn nchw(x: Tensor<4>) -> Tensor<4> {
    x.permute([0, 3, 1, 2])
}

fn nhwc(x: Tensor<4>) -> Tensor<4> {
    x.permute([0, 2, 3, 1])
}

#[test]
fn the_convolution_equals_burns_conv2d_with_stride_2_and_padding_1() {
    let device = Device::flex();
    let (weight, bias) = (random([5, 3, 4, 4], 0, &device), random([5], 1, &device));
    let x = random([2, 3, 8, 12], 2, &device);
    let mut reference = Conv2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_initializer(Initializer::Zeros)
        .init(&device);
    reference.weight = Param::from_tensor(weight.clone());
    reference.bias = Some(Param::from_tensor(bias.clone()));
    let ours = Conv {
        weight: Param::from_tensor(weight),
        bias: Param::from_tensor(bias),
    };
    let expected = reference.forward(x.clone());
    assert_eq!(expected.dims(), [2, 5, 4, 6]);
    let got = nchw(ours.forward(nhwc(x)));
    assert_eq!(got.dims(), [2, 5, 4, 6]);
    assert!(max_abs_difference(got, expected) < 1e-5);
}

#[test]
fn the_transposed_convolution_equals_burns_conv_transpose2d_with_stride_2_and_padding_1() {
    let device = Device::flex();
    let (weight, bias) = (random([3, 5, 4, 4], 3, &device), random([5], 4, &device));
    let x = random([2, 3, 4, 6], 5, &device);
    let mut reference = ConvTranspose2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_initializer(Initializer::Zeros)
        .init(&device);
    reference.weight = Param::from_tensor(weight.clone());
    reference.bias = Some(Param::from_tensor(bias.clone()));
    let ours = Deconv {
        weight: Param::from_tensor(weight),
        bias: Param::from_tensor(bias),
    };
    let expected = reference.forward(x.clone());
    assert_eq!(expected.dims(), [2, 5, 8, 12]);
    let got = nchw(ours.forward(nhwc(x)));
    assert_eq!(got.dims(), [2, 5, 8, 12]);
    assert!(max_abs_difference(got, expected) < 1e-5);
}

#[test]
fn the_convolution_gives_burns_gradients_for_weight_bias_and_input() {
    let device = Device::flex().autodiff();
    let x = random([2, 3, 8, 8], 6, &device).require_grad();
    let probe = random([2, 5, 4, 4], 7, &device);
    let (weight, bias) = (random([5, 3, 4, 4], 8, &device), random([5], 9, &device));
    let mut reference = Conv2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_initializer(Initializer::Zeros)
        .init(&device);
    reference.weight = Param::from_tensor(weight.clone().require_grad());
    reference.bias = Some(Param::from_tensor(bias.clone().require_grad()));
    let ours = Conv {
        weight: Param::from_tensor(weight.require_grad()),
        bias: Param::from_tensor(bias.require_grad()),
    };
    let g_ref = (reference.forward(x.clone()) * probe.clone())
        .sum()
        .backward();
    let g_ours = (nchw(ours.forward(nhwc(x.clone()))) * probe)
        .sum()
        .backward();
    let grad = |t: &Tensor<4>, g| t.grad(g).unwrap();
    assert!(max_abs_difference(grad(&x, &g_ours), grad(&x, &g_ref)) < 1e-5);
    let (w_ref, w_ours) = (reference.weight.val(), ours.weight.val());
    assert!(max_abs_difference(grad(&w_ours, &g_ours), grad(&w_ref, &g_ref)) < 1e-5);
    let b_ref = reference.bias.as_ref().unwrap().val().grad(&g_ref).unwrap();
    let b_ours = ours.bias.val().grad(&g_ours).unwrap();
    assert!(max_abs_difference(b_ours, b_ref) < 1e-5);
}

#[test]
fn the_transposed_convolution_gives_burns_gradients_for_weight_bias_and_input() {
    let device = Device::flex().autodiff();
    let grad = |t: &Tensor<4>, g| t.grad(g).unwrap();
    let x = random([2, 3, 4, 4], 10, &device).require_grad();
    let probe = random([2, 5, 8, 8], 11, &device);
    let (weight, bias) = (random([3, 5, 4, 4], 12, &device), random([5], 13, &device));
    let mut reference = ConvTranspose2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_initializer(Initializer::Zeros)
        .init(&device);
    reference.weight = Param::from_tensor(weight.clone().require_grad());
    reference.bias = Some(Param::from_tensor(bias.clone().require_grad()));
    let ours = Deconv {
        weight: Param::from_tensor(weight.require_grad()),
        bias: Param::from_tensor(bias.require_grad()),
    };
    let g_ref = (reference.forward(x.clone()) * probe.clone())
        .sum()
        .backward();
    let g_ours = (nchw(ours.forward(nhwc(x.clone()))) * probe)
        .sum()
        .backward();
    assert!(max_abs_difference(grad(&x, &g_ours), grad(&x, &g_ref)) < 1e-5);
    let (w_ref, w_ours) = (reference.weight.val(), ours.weight.val());
    assert!(max_abs_difference(grad(&w_ours, &g_ours), grad(&w_ref, &g_ref)) < 1e-5);
    let b_ref = reference.bias.as_ref().unwrap().val().grad(&g_ref).unwrap();
    let b_ours = ours.bias.val().grad(&g_ours).unwrap();
    assert!(max_abs_difference(b_ours, b_ref) < 1e-5);
}
