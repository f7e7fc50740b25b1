//! The paper's convolutions ([`Conv`], [`Deconv`]) compute what burn's `Conv2d` and
//! `ConvTranspose2d` compute for its 4 × 4, stride-2, padding-1 layers: the same outputs and the
//! same gradients, up to the order of floating-point sums. On the CPU they run as fused kernels
//! with their own backward pass (`flow_models::kernels::layer`); elsewhere as composed tensor ops
//! (`forward_composed`), which must agree with the fused ones too, with and without the ReLU,
//! and at the shapes of the first layer (one input channel) and the last (one output channel).

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use flow_models::conv::Conv;
use flow_models::deconv::Deconv;
use flow_models::kernels::layer;
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

/// Which of the two layers, with its channels.
#[derive(Clone, Copy)]
enum Kind {
    Conv,
    Deconv,
}

/// A layer of `kind` from `inputs` to `outputs` channels with random weights on `device`.
fn layer_params(
    kind: Kind,
    inputs: usize,
    outputs: usize,
    device: &Device,
) -> (Tensor<4>, Tensor<1>) {
    let shape = match kind {
        Kind::Conv => [outputs, inputs, 4, 4],
        Kind::Deconv => [inputs, outputs, 4, 4],
    };
    (random(shape, 5, device), random([outputs], 6, device))
}

/// The fused kernel's and the composed version's outputs, and every gradient, for a layer of
/// `kind` on an NHWC input of `in_shape` with `outputs` channels, with or without the ReLU.
fn fused_equals_composed(kind: Kind, in_shape: [usize; 4], outputs: usize, then_relu: bool) {
    let device = Device::flex().autodiff();
    let run = |fused: bool| {
        let (w, b) = layer_params(kind, in_shape[3], outputs, &device);
        let (w, b) = (w.require_grad(), b.require_grad());
        let x = random(in_shape, 7, &device).require_grad();
        let y = match (kind, fused) {
            (Kind::Conv, true) => layer::conv(&x, &w, &b, then_relu).expect("the flex path"),
            (Kind::Deconv, true) => layer::deconv(&x, &w, &b, then_relu).expect("the flex path"),
            (Kind::Conv, false) => Conv {
                weight: Param::from_tensor(w.clone()),
                bias: Param::from_tensor(b.clone()),
            }
            .forward_composed(x.clone()),
            (Kind::Deconv, false) => Deconv {
                weight: Param::from_tensor(w.clone()),
                bias: Param::from_tensor(b.clone()),
            }
            .forward_composed(x.clone()),
        };
        let y = if then_relu && !fused { relu(y) } else { y };
        let probe = random(y.dims(), 8, &device);
        let g = (y.clone() * probe).sum().backward();
        (
            y,
            x.grad(&g).unwrap(),
            w.grad(&g).unwrap(),
            b.grad(&g).unwrap(),
        )
    };
    let (y, dx, dw, db) = run(true);
    let (y_ref, dx_ref, dw_ref, db_ref) = run(false);
    assert_eq!(y.dims(), y_ref.dims());
    assert!(max_abs_difference(y, y_ref) < TOLERANCE);
    assert!(max_abs_difference(dx, dx_ref) < TOLERANCE);
    assert!(max_abs_difference(dw, dw_ref) < TOLERANCE);
    assert!(max_abs_difference(db, db_ref) < TOLERANCE);
}

#[test]
fn the_fused_convolution_equals_the_composed_one_with_and_without_relu() {
    for then_relu in [false, true] {
        fused_equals_composed(Kind::Conv, [2, 8, 6, 3], 5, then_relu);
    }
}

#[test]
fn the_fused_convolution_handles_the_first_layers_single_input_channel() {
    fused_equals_composed(Kind::Conv, [3, 16, 16, 1], 4, true);
}

#[test]
fn the_fused_transposed_convolution_equals_the_composed_one_with_and_without_relu() {
    for then_relu in [false, true] {
        fused_equals_composed(Kind::Deconv, [2, 4, 3, 3], 5, then_relu);
    }
}

#[test]
fn the_fused_transposed_convolution_handles_the_last_layers_single_output_channel() {
    fused_equals_composed(Kind::Deconv, [3, 8, 8, 4], 1, false);
}

#[test]
fn the_fused_kernels_run_on_the_cpu_backend_with_and_without_autodiff() {
    for device in [Device::flex(), Device::flex().autodiff()] {
        let x = random([1, 4, 4, 2], 9, &device);
        let (w, b) = layer_params(Kind::Conv, 2, 3, &device);
        assert!(layer::conv(&x, &w, &b, false).is_some());
        let (w, b) = layer_params(Kind::Deconv, 2, 3, &device);
        assert!(layer::deconv(&x, &w, &b, true).is_some());
    }
}

#[test]
fn a_frozen_input_gets_no_gradient_but_the_weights_do() {
    // The first layer's input (the images) needs no gradient; the kernel skips computing it.
    let device = Device::flex().autodiff();
    let (w, b) = layer_params(Kind::Conv, 1, 2, &device);
    let (w, b) = (w.require_grad(), b.require_grad());
    let x = random([1, 4, 4, 1], 10, &device);
    let g = layer::conv(&x, &w, &b, true).unwrap().sum().backward();
    assert!(x.grad(&g).is_none());
    assert!(w.grad(&g).is_some() && b.grad(&g).is_some());
}

#[test]
fn the_fused_dense_layer_equals_burns_linear_with_and_without_relu() {
    use burn::nn::{Linear, LinearConfig};
    let device = Device::flex().autodiff();
    for then_relu in [false, true] {
        let run = |fused: bool| {
            let w = random([6, 4], 11, &device).require_grad();
            let b = random([4], 12, &device).require_grad();
            let x = random([3, 6], 13, &device).require_grad();
            let y = if fused {
                layer::dense(&x, &w, &b, then_relu).expect("the flex path")
            } else {
                let mut linear: Linear = LinearConfig::new(6, 4).init(&device);
                linear.weight = Param::from_tensor(w.clone());
                linear.bias = Some(Param::from_tensor(b.clone()));
                let y = linear.forward(x.clone());
                if then_relu { relu(y) } else { y }
            };
            let probe = random(y.dims(), 14, &device);
            let g = (y.clone() * probe).sum().backward();
            (
                y,
                x.grad(&g).unwrap(),
                w.grad(&g).unwrap(),
                b.grad(&g).unwrap(),
            )
        };
        let (y, dx, dw, db) = run(true);
        let (y_ref, dx_ref, dw_ref, db_ref) = run(false);
        assert!(max_abs_difference(y, y_ref) < TOLERANCE);
        assert!(max_abs_difference(dx, dx_ref) < TOLERANCE);
        assert!(max_abs_difference(dw, dw_ref) < TOLERANCE);
        assert!(max_abs_difference(db, db_ref) < TOLERANCE);
    }
}
