//! The network's layers as single operations on burn's flex backend, each with its own backward
//! pass: [`conv`] (4 × 4 convolution, stride 2, padding 1), [`deconv`] (its transposed
//! convolution), both channels-last, and [`dense`] (a fully connected layer); each optionally
//! followed by a ReLU.
//!
//! Forward, a convolution gathers its input's windows into a matrix ([`Windows::unfold`]) and
//! multiplies it by the kernel, adding into rows that already hold the bias; a transposed
//! convolution multiplies its input by the kernel and scatters the products into output pixels
//! that already hold the bias ([`Windows::fold_add`]); both work block by block (`blocked`). The
//! ReLU is applied in place. Backward, the same passes run the other way round and the gradients
//! of the kernel and of the input are one matrix product each; the ReLU's mask is read from the
//! saved output, and the bias gradient is summed in the same pass. No step allocates a padded
//! copy, a shifted view or a zero-filled slice gradient, which is where burn's composed version
//! spent most of a training step (BENCHMARKS.md, "Training throughput").
//!
//! Weights keep PyTorch's layouts; each call rearranges them into the kernel matrix
//! (`kernel_matrix`).
//!
//! Other backends (CUDA) do not reach these functions: they return `None` and the caller uses
//! the composed tensor-op version.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::DType;
use rayon::prelude::*;

use super::blocked;
use super::flex::{shared, tensor, values};
use super::kernel_matrix::{conv_kernel, conv_weight, deconv_kernel, deconv_weight};
use super::matmul::{Matrix, matmul, product, product_transposed};
use super::window::Windows;

type Tracked = Autodiff<Flex, NoCheckpointing>;

/// The convolution of `x` (`[B, 2H, 2W, C]`) with `weight` (`[O, C, 4, 4]`) and `bias`
/// (`[O]`): `[B, H, W, O]`, through a ReLU if `relu`. `None` when the tensors are not all on
/// the flex backend (plain, or all under autodiff).
pub fn conv(x: &Tensor<4>, weight: &Tensor<4>, bias: &Tensor<1>, relu: bool) -> Option<Tensor<4>> {
    let [n, h, w, c] = x.dims();
    let [o, ..] = weight.dims();
    let geometry = Windows {
        images: n,
        height: h / 2,
        width: w / 2,
        channels: c,
    };
    run::<4, 4>(x, weight, bias, Layer::Conv { geometry, out: o }, relu)
}

/// The transposed convolution of `x` (`[B, H, W, C]`) with `weight` (`[C, O, 4, 4]`) and
/// `bias` (`[O]`): `[B, 2H, 2W, O]`, through a ReLU if `relu`. `None` as for [`conv`].
pub fn deconv(
    x: &Tensor<4>,
    weight: &Tensor<4>,
    bias: &Tensor<1>,
    relu: bool,
) -> Option<Tensor<4>> {
    let [n, h, w, c] = x.dims();
    let [_, o, ..] = weight.dims();
    let geometry = Windows {
        images: n,
        height: h,
        width: w,
        channels: o,
    };
    run::<4, 4>(x, weight, bias, Layer::Deconv { geometry, input: c }, relu)
}

/// The fully connected layer `x · weight + bias` of `x` (`[B, in]`) with `weight` (`[in, out]`,
/// burn's `Linear` layout) and `bias` (`[out]`): `[B, out]`, through a ReLU if `relu`. `None` as
/// for [`conv`]. Unlike burn's matrix product, which stays on one thread below 192³
/// multiply-adds, it splits the model's 256 × 1,024 products over the node's threads.
pub fn dense(x: &Tensor<2>, weight: &Tensor<2>, bias: &Tensor<1>, relu: bool) -> Option<Tensor<2>> {
    let [rows, inputs] = x.dims();
    let [_, outputs] = weight.dims();
    run::<2, 2>(
        x,
        weight,
        bias,
        Layer::Dense {
            rows,
            inputs,
            outputs,
        },
        relu,
    )
}

/// The fused kernel's output, or on other backends (`None`) the composed version's, followed by
/// the ReLU when asked (the fused kernels apply it themselves).
pub fn or_composed<const D: usize>(
    fused: Option<Tensor<D>>,
    then_relu: bool,
    composed: impl FnOnce() -> Tensor<D>,
) -> Tensor<D> {
    fused.unwrap_or_else(|| {
        let y = composed();
        if then_relu {
            burn::tensor::activation::relu(y)
        } else {
            y
        }
    })
}

/// Which layer, with its geometry (windows over the fine grid: the convolution's input, the
/// transposed convolution's output).
#[derive(Clone, Copy, Debug)]
enum Layer {
    Conv {
        geometry: Windows,
        out: usize,
    },
    Deconv {
        geometry: Windows,
        input: usize,
    },
    Dense {
        rows: usize,
        inputs: usize,
        outputs: usize,
    },
}

impl Layer {
    /// Rows per image of the output seen as a matrix with one column per output channel (an
    /// image is the unit of the parallel passes).
    fn rows_per_image(&self) -> usize {
        match *self {
            Layer::Conv { geometry: g, .. } => g.height * g.width,
            Layer::Deconv { geometry: g, .. } => 4 * g.height * g.width,
            Layer::Dense { .. } => 1,
        }
    }

    fn output_channels(&self) -> usize {
        match *self {
            Layer::Conv { out, .. } => out,
            Layer::Deconv { geometry: g, .. } => g.channels,
            Layer::Dense { outputs, .. } => outputs,
        }
    }
}

fn run<const D: usize, const W: usize>(
    x: &Tensor<D>,
    weight: &Tensor<W>,
    bias: &Tensor<1>,
    layer: Layer,
    relu: bool,
) -> Option<Tensor<D>> {
    if [x.dtype(), weight.dtype(), bias.dtype()] != [DType::F32; 3] {
        return None;
    }
    let tracked = (
        x.clone().try_into_primitive::<Tracked>(),
        weight.clone().try_into_primitive::<Tracked>(),
        bias.clone().try_into_primitive::<Tracked>(),
    );
    if let (Ok(x), Ok(w), Ok(b)) = tracked {
        return Some(Tensor::from_primitive::<Tracked>(tracked_forward(
            x, w, b, layer, relu,
        )));
    }
    let plain = (
        x.clone().try_into_primitive::<Flex>(),
        weight.clone().try_into_primitive::<Flex>(),
        bias.clone().try_into_primitive::<Flex>(),
    );
    if let (Ok(x), Ok(w), Ok(b)) = plain {
        let (output, _) = forward(&x, &w, &b, layer, relu);
        return Some(Tensor::from_primitive::<Flex>(output));
    }
    None
}

/// What the backward pass needs from the forward one.
#[derive(Clone, Debug)]
struct Saved {
    layer: Layer,
    /// The layer's input (shared, not copied).
    operand: FlexTensor,
    /// The kernel matrix (the dense layer's weight itself, shared).
    kernel: FlexTensor,
    /// The output, when a ReLU follows (its mask).
    output: Option<FlexTensor>,
}

/// The forward pass on flex tensors: the output, and what backward needs.
fn forward(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    layer: Layer,
    relu: bool,
) -> (FlexTensor, Saved) {
    let w = weight;
    let (xv, weight, bias) = (values(x), values(weight), values(bias));
    let (mut out, operand, kernel, shape) = match layer {
        Layer::Conv {
            geometry: g,
            out: o,
        } => {
            let c = g.channels;
            let kernel = conv_kernel(&weight, o, c);
            let out = blocked::conv_forward(&g, o, &xv, &kernel, &bias, relu);
            let input = shared(x, xv, [g.images * g.fine_len() / c, c]);
            let kernel = tensor(kernel, [16 * c, o]);
            (out, input, kernel, vec![g.images, g.height, g.width, o])
        }
        Layer::Deconv {
            geometry: g,
            input: c,
        } => {
            let o = g.channels;
            let kernel = deconv_kernel(&weight, c, o);
            let out = blocked::deconv_forward(&g, c, &xv, &kernel, &bias, relu);
            let input = shared(x, xv, [g.rows(), c]);
            let kernel = tensor(kernel, [c, 16 * o]);
            (
                out,
                input,
                kernel,
                vec![g.images, 2 * g.height, 2 * g.width, o],
            )
        }
        Layer::Dense {
            rows,
            inputs,
            outputs,
        } => {
            let mut out = repeat(&bias, rows);
            matmul(
                &mut out,
                true,
                Matrix::row_major(&xv, rows, inputs),
                Matrix::row_major(&weight, inputs, outputs),
            );
            let kernel = shared(w, weight, [inputs, outputs]);
            let input = shared(x, xv, [rows, inputs]);
            (out, input, kernel, vec![rows, outputs])
        }
    };
    if relu && matches!(layer, Layer::Dense { .. }) {
        // (The stride-2 layers apply it block by block.)
        let chunk = layer.rows_per_image() * layer.output_channels();
        out.par_chunks_mut(chunk.max(1)).for_each(|out| {
            for v in out {
                *v = v.max(0.0);
            }
        });
    }
    let output = tensor(out, shape);
    let saved = Saved {
        layer,
        operand,
        kernel,
        output: relu.then(|| output.clone()),
    };
    (output, saved)
}

/// `bias` repeated `rows` times, row-major.
fn repeat(bias: &[f32], rows: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * bias.len());
    for _ in 0..rows {
        out.extend_from_slice(bias);
    }
    out
}

/// Zeroes the output gradient `g` where the ReLU was off (if one follows the layer) and returns
/// its column sums, the bias gradient. One pass, split by image; each image's sums are added in
/// image order, so the bits do not depend on the thread count.
fn mask_and_sum(g: &mut [f32], saved: &Saved) -> Vec<f32> {
    let channels = saved.layer.output_channels();
    let chunk = (saved.layer.rows_per_image() * channels).max(1);
    let output = saved.output.as_ref().map(values);
    let partial: Vec<Vec<f32>> = g
        .par_chunks_mut(chunk)
        .enumerate()
        .map(|(i, g)| {
            if let Some(y) = &output {
                for (g, y) in g.iter_mut().zip(&y[i * chunk..]) {
                    if *y <= 0.0 {
                        *g = 0.0;
                    }
                }
            }
            let mut sums = vec![0f32; channels];
            for row in g.chunks_exact(channels) {
                for (s, v) in sums.iter_mut().zip(row) {
                    *s += v;
                }
            }
            sums
        })
        .collect();
    let mut sums = vec![0f32; channels];
    for p in partial {
        for (s, v) in sums.iter_mut().zip(p) {
            *s += v;
        }
    }
    sums
}

/// The gradients of one layer: of the input (when asked for), the weight and the bias.
struct LayerGradients {
    input: Option<Vec<f32>>,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// The backward pass: `grad` is the gradient of the output.
fn backward(saved: &Saved, grad: FlexTensor, want_input: bool) -> LayerGradients {
    // In place when the gradient is uniquely owned and dense (the usual case), else a copy.
    let mut g: Vec<f32> = grad.into_data().try_into_vec().expect("an f32 gradient");
    let bias = mask_and_sum(&mut g, saved);
    let kernel_values = values(&saved.kernel);
    match saved.layer {
        Layer::Conv {
            geometry: gm,
            out: o,
        } => {
            let input_values = values(&saved.operand);
            let (kernel, input) =
                blocked::conv_backward(&gm, o, &input_values, &kernel_values, &g, want_input);
            LayerGradients {
                input,
                weight: conv_weight(&kernel, o, gm.channels),
                bias,
            }
        }
        Layer::Deconv {
            geometry: gm,
            input: c,
        } => {
            let input_values = values(&saved.operand);
            let (kernel, input) =
                blocked::deconv_backward(&gm, c, &input_values, &kernel_values, &g, want_input);
            LayerGradients {
                input,
                weight: deconv_weight(&kernel, c, gm.channels),
                bias,
            }
        }
        Layer::Dense {
            rows,
            inputs,
            outputs,
        } => {
            let input_values = values(&saved.operand);
            let grad_out = Matrix::row_major(&g, rows, outputs);
            let weight = product(Matrix::row_major(&input_values, rows, inputs).t(), grad_out);
            let input = want_input.then(|| {
                // Column by column, then transposed back (see `product_transposed`).
                let weight_t = Matrix::row_major(&kernel_values, inputs, outputs).t();
                let columns = product_transposed(grad_out, weight_t);
                let mut dx = vec![0f32; rows * inputs];
                for (i, column) in columns.chunks_exact(rows).enumerate() {
                    for (r, v) in column.iter().enumerate() {
                        dx[r * inputs + i] = *v;
                    }
                }
                dx
            });
            LayerGradients {
                input,
                weight,
                bias,
            }
        }
    }
}

/// The autodiff step of every layer (what it is, is in its saved state).
#[derive(Debug)]
struct LayerStep;

impl Backward<Flex, 3> for LayerStep {
    type State = Saved;
    fn backward(self, ops: Ops<Saved, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        layer_backward(ops, grads);
    }
}

fn layer_backward(ops: Ops<Saved, 3>, grads: &mut Gradients) {
    let [node_x, node_w, node_b] = ops.parents;
    let grad = grads.consume::<Flex>(&ops.node);
    let saved = ops.state;
    let gradients = backward(&saved, grad, node_x.is_some());
    let (x_shape, w_shape, o) = match saved.layer {
        Layer::Conv { geometry: g, out } => (
            vec![g.images, 2 * g.height, 2 * g.width, g.channels],
            vec![out, g.channels, 4, 4],
            out,
        ),
        Layer::Deconv { geometry: g, input } => (
            vec![g.images, g.height, g.width, input],
            vec![input, g.channels, 4, 4],
            g.channels,
        ),
        Layer::Dense {
            rows,
            inputs,
            outputs,
        } => (vec![rows, inputs], vec![inputs, outputs], outputs),
    };
    if let (Some(node), Some(dx)) = (node_x, gradients.input) {
        grads.register::<Flex>(node.id, tensor(dx, x_shape));
    }
    if let Some(node) = node_w {
        grads.register::<Flex>(node.id, tensor(gradients.weight, w_shape));
    }
    if let Some(node) = node_b {
        grads.register::<Flex>(node.id, tensor(gradients.bias, [o]));
    }
}

fn tracked_forward(
    x: FloatTensor<Tracked>,
    weight: FloatTensor<Tracked>,
    bias: FloatTensor<Tracked>,
    layer: Layer,
    relu: bool,
) -> FloatTensor<Tracked> {
    let prep = LayerStep
        .prepare::<NoCheckpointing>([x.node(), weight.node(), bias.node()])
        .compute_bound()
        .stateful();
    let (output, saved) = forward(
        x.primitive(),
        weight.primitive(),
        bias.primitive(),
        layer,
        relu,
    );
    match prep {
        OpsKind::Tracked(prep) => prep.finish(saved, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}
