//! [`Conv`]: the encoder's 4 × 4, stride-2, padding-1 convolution on channels-last (NHWC)
//! activations.
//!
//! On the CPU (burn's flex backend) it runs as one fused operation with its own backward pass,
//! optionally with the ReLU that follows it ([`crate::kernels::layer::conv`]). On other backends
//! it is composed of tensor ops ([`Conv::forward_composed`]), described below; the tests hold the
//! two equal to each other and to burn's `Conv2d`.
//!
//! Why not burn's `Conv2d`: on the flex CPU backend its convolution spends more time in layout
//! glue (per-tile im2col, strided output scatter, NCHW ↔ NHWC transposes) than in arithmetic,
//! forward and backward (profile in BENCHMARKS.md, "Training throughput"). A 4 × 4 kernel with
//! stride 2 is a 2 × 2 kernel with stride 1 over the image folded into 2 × 2 pixel blocks
//! ("space to depth"), and a 2 × 2 kernel needs only four shifted views of the blocks side by
//! side: one copy, then a single large matrix product. Every step is an ordinary tensor op, so
//! autodiff gives the backward pass as matrix products and copies too.
//!
//! The weight keeps PyTorch's (and burn's `Conv2d`'s) layout `[out, in, 4, 4]` and the same
//! initialisation, so the model, its weight files and the PyTorch benchmark model are the same
//! network; only the order of floating-point sums differs.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::ops::PadMode;

use crate::kernels::layer;

/// A 4 × 4, stride-2, padding-1 convolution (channels-last in and out).
#[derive(Module, Debug)]
pub struct Conv {
    /// `[out, in, 4, 4]`.
    pub weight: Param<Tensor<4>>,
    /// `[out]`.
    pub bias: Param<Tensor<1>>,
}

impl Conv {
    /// `[B, H, W, C]` → `[B, H/2, W/2, out]` (H and W even).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.apply(x, false)
    }

    /// The convolution followed by a ReLU.
    pub fn forward_relu(&self, x: Tensor<4>) -> Tensor<4> {
        self.apply(x, true)
    }

    fn apply(&self, x: Tensor<4>, then_relu: bool) -> Tensor<4> {
        let (weight, bias) = (self.weight.val(), self.bias.val());
        let fused = layer::conv(&x, &weight, &bias, then_relu);
        layer::or_composed(fused, then_relu, || self.forward_composed(x))
    }

    /// The convolution composed of tensor ops (any backend; autodiff derives its backward).
    pub fn forward_composed(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, h, w, c] = x.dims();
        let [o, ..] = self.weight.dims();
        let (oh, ow) = (h / 2, w / 2);
        // Pad by one pixel and fold each 2 × 2 block into the channels: block (i, j) holds the
        // padded pixels (2i + dy, 2j + dx), channel order (dy, dx, c).
        let blocks = x
            .pad([(0, 0), (1, 1), (1, 1), (0, 0)], PadMode::Constant(0.0))
            .reshape([n, oh + 1, 2, ow + 1, 2, c])
            .permute([0, 1, 3, 2, 4, 5])
            .reshape([n, oh + 1, ow + 1, 4 * c]);
        // Output pixel (i, j) sees blocks (i + a, j + b), a, b ∈ {0, 1}: kernel row 2a + dy,
        // column 2b + dx. Columns in the order (a, b, dy, dx, c).
        let shifted =
            |a: usize, b: usize| blocks.clone().slice([0..n, a..a + oh, b..b + ow, 0..4 * c]);
        let columns = Tensor::cat(
            vec![shifted(0, 0), shifted(0, 1), shifted(1, 0), shifted(1, 1)],
            3,
        )
        .reshape([n * oh * ow, 16 * c]);
        // weight[o, c, 2a + dy, 2b + dx] → row (a, b, dy, dx, c), column o.
        let kernel: Tensor<2> = self
            .weight
            .val()
            .reshape([o, c, 2, 2, 2, 2])
            .permute([2, 4, 3, 5, 1, 0])
            .reshape([16 * c, o]);
        let y = columns.matmul(kernel) + self.bias.val().unsqueeze_dim(0);
        y.reshape([n, oh, ow, o])
    }
}
