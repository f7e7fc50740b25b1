//! The matrix-product convolutions ([`Conv`], [`Deconv`]) compute what burn's `Conv2d` and
//! `ConvTranspose2d` compute for the paper's 4 × 4, stride-2, padding-1 layers: the same outputs
//! and the same gradients, up to the order of floating-point sums.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use flow_models::conv::Conv;
use flow_models::deconv::Deconv;
use flow_models::rng::Purpose;

const TOLERANCE: f32 = 1e-5;

/// A tensor of uniform values in [−1, 1] from stream `index`.
fn random<const D: usize>(shape: [usize; D], index: u64, device: &Device) -> Tensor<D> {
    let mut s = Purpose::Init.rng(11, index);
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|_| (2.0 * s.uniform() - 1.0) as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn max_abs_difference<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    (a - b).abs().max().into_scalar()
}

/// A layer's forward pass on NCHW tensors, and its weight and bias.
struct Layer {
    forward: Box<dyn Fn(Tensor<4>) -> Tensor<4>>,
    weight: Tensor<4>,
    bias: Tensor<1>,
}

/// burn's `Conv2d` and our `Conv` (3 → 5 channels) with the same random weights.
fn convolutions(device: &Device, tracked: bool) -> (Layer, Layer) {
    let (weight, bias) = params([5, 3, 4, 4], device, tracked);
    let mut reference: Conv2d = Conv2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_initializer(Initializer::Zeros)
        .init(device);
    reference.weight = Param::from_tensor(weight.clone());
    reference.bias = Some(Param::from_tensor(bias.clone()));
    let ours = Conv {
        weight: Param::from_tensor(weight.clone()),
        bias: Param::from_tensor(bias.clone()),
    };
    pair(
        move |x| reference.forward(x),
        move |x| ours.forward(x.permute([0, 2, 3, 1])).permute([0, 3, 1, 2]),
        weight,
        bias,
    )
}

/// burn's `ConvTranspose2d` and our `Deconv` (3 → 5 channels) with the same random weights.
fn transposed_convolutions(device: &Device, tracked: bool) -> (Layer, Layer) {
    let (weight, bias) = params([3, 5, 4, 4], device, tracked);
    let mut reference: ConvTranspose2d = ConvTranspose2dConfig::new([3, 5], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_initializer(Initializer::Zeros)
        .init(device);
    reference.weight = Param::from_tensor(weight.clone());
    reference.bias = Some(Param::from_tensor(bias.clone()));
    let ours = Deconv {
        weight: Param::from_tensor(weight.clone()),
        bias: Param::from_tensor(bias.clone()),
    };
    pair(
        move |x| reference.forward(x),
        move |x| ours.forward(x.permute([0, 2, 3, 1])).permute([0, 3, 1, 2]),
        weight,
        bias,
    )
}

/// Random weight and bias; with `tracked`, each layer gets its own gradient-tracked copy (so
/// the two backward passes cannot share anything).
fn params(shape: [usize; 4], device: &Device, tracked: bool) -> (Tensor<4>, Tensor<1>) {
    let (w, b) = (random(shape, 0, device), random([5], 1, device));
    if tracked {
        (w.require_grad(), b.require_grad())
    } else {
        (w, b)
    }
}

fn pair(
    reference: impl Fn(Tensor<4>) -> Tensor<4> + 'static,
    ours: impl Fn(Tensor<4>) -> Tensor<4> + 'static,
    weight: Tensor<4>,
    bias: Tensor<1>,
) -> (Layer, Layer) {
    let layer = |f: Box<dyn Fn(Tensor<4>) -> Tensor<4>>| Layer {
        forward: f,
        weight: weight.clone(),
        bias: bias.clone(),
    };
    (layer(Box::new(reference)), layer(Box::new(ours)))
}

/// Both layers give the same output of `out_shape` for a random input of `in_shape`.
fn same_outputs((reference, ours): (Layer, Layer), in_shape: [usize; 4], out_shape: [usize; 4]) {
    let x = random(in_shape, 2, &Device::flex());
    let expected = (reference.forward)(x.clone());
    let got = (ours.forward)(x);
    assert_eq!(expected.dims(), out_shape);
    assert_eq!(got.dims(), out_shape);
    assert!(max_abs_difference(got, expected) < TOLERANCE);
}

/// The gradients of Σ probe · layer(x) with respect to x, the weight and the bias agree.
fn same_gradients(build: fn(&Device, bool) -> (Layer, Layer), in_shape: [usize; 4]) {
    let device = Device::flex().autodiff();
    let gradients = |layer: &Layer| {
        let x = random(in_shape, 2, &device).require_grad();
        let y = (layer.forward)(x.clone());
        let probe = random(y.dims(), 3, &device);
        let g = (y * probe).sum().backward();
        (
            x.grad(&g).unwrap(),
            layer.weight.grad(&g).unwrap(),
            layer.bias.grad(&g).unwrap(),
        )
    };
    // Separate weight copies per layer: build twice, keep one side of each.
    let (reference, _) = build(&device, true);
    let (_, ours) = build(&device, true);
    let (x_ref, w_ref, b_ref) = gradients(&reference);
    let (x_ours, w_ours, b_ours) = gradients(&ours);
    assert!(max_abs_difference(x_ours, x_ref) < TOLERANCE);
    assert!(max_abs_difference(w_ours, w_ref) < TOLERANCE);
    assert!(max_abs_difference(b_ours, b_ref) < TOLERANCE);
}

#[test]
fn the_convolution_equals_burns_conv2d_with_stride_2_and_padding_1() {
    same_outputs(
        convolutions(&Device::flex(), false),
        [2, 3, 8, 12],
        [2, 5, 4, 6],
    );
}

#[test]
fn the_transposed_convolution_equals_burns_conv_transpose2d_with_stride_2_and_padding_1() {
    same_outputs(
        transposed_convolutions(&Device::flex(), false),
        [2, 3, 4, 6],
        [2, 5, 8, 12],
    );
}

#[test]
fn the_convolution_gives_burns_gradients_for_weight_bias_and_input() {
    same_gradients(convolutions, [2, 3, 8, 8]);
}

#[test]
fn the_transposed_convolution_gives_burns_gradients_for_weight_bias_and_input() {
    same_gradients(transposed_convolutions, [2, 3, 4, 4]);
}
