//! [`Deconv`]: the decoder's 4 × 4, stride-2, padding-1 transposed convolution on channels-last
//! (NHWC) activations.
//!
//! As for [`crate::conv::Conv`]: on the CPU one fused operation with its own backward pass
//! ([`crate::kernels::layer::deconv`]), elsewhere composed of tensor ops
//! ([`Deconv::forward_composed`]) as follows (burn's `ConvTranspose2d` on the flex backend is
//! dominated by direct loops and layout glue). In one dimension, output pixel p of a stride-2,
//! 4-tap transposed convolution with padding 1 is, with p + 1 = 2q + r (r ∈ {0, 1}) and x padded
//! by one zero on each side (x̂[j] = x[j − 1]):
//!
//! ```text
//! y[p] = x̂[q] · w[2 + r] + x̂[q + 1] · w[r]
//! ```
//!
//! so every 2 × 2 output block q is a 2 × 2 stride-1 convolution of x̂ whose output channels are
//! (r_y, r_x, out): four shifted views of x̂ side by side, one matrix product, the blocks unfolded
//! back into pixels ("depth to space"), and the outermost ring (p = −1 and p = 2H) cropped.
//!
//! The weight keeps PyTorch's (and burn's `ConvTranspose2d`'s) layout `[in, out, 4, 4]` and the
//! same initialisation: the same network as before, with sums in another order.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::ops::PadMode;

use crate::kernels::layer;

/// A 4 × 4, stride-2, padding-1 transposed convolution (channels-last in and out).
#[derive(Module, Debug)]
pub struct Deconv {
    /// `[in, out, 4, 4]`.
    pub weight: Param<Tensor<4>>,
    /// `[out]`.
    pub bias: Param<Tensor<1>>,
}

impl Deconv {
    /// `[B, H, W, C]` → `[B, 2H, 2W, out]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.apply(x, false)
    }

    /// The transposed convolution followed by a ReLU.
    pub fn forward_relu(&self, x: Tensor<4>) -> Tensor<4> {
        self.apply(x, true)
    }

    fn apply(&self, x: Tensor<4>, then_relu: bool) -> Tensor<4> {
        let (weight, bias) = (self.weight.val(), self.bias.val());
        let fused = layer::deconv(&x, &weight, &bias, then_relu);
        layer::or_composed(fused, then_relu, || self.forward_composed(x))
    }

    /// The transposed convolution composed of tensor ops (any backend; autodiff derives its
    /// backward).
    pub fn forward_composed(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, h, w, c] = x.dims();
        let [_, o, ..] = self.weight.dims();
        let padded = x.pad([(0, 0), (1, 1), (1, 1), (0, 0)], PadMode::Constant(0.0));
        // Block q sees x̂[q + a] for a ∈ {0, 1}, through kernel tap 2(1 − a) + r. Columns in the
        // order (1 − a, 1 − b, c), so that the kernel needs no flip.
        let shifted = |a: usize, b: usize| {
            padded
                .clone()
                .slice([0..n, a..a + h + 1, b..b + w + 1, 0..c])
        };
        let columns = Tensor::cat(
            vec![shifted(1, 1), shifted(1, 0), shifted(0, 1), shifted(0, 0)],
            3,
        )
        .reshape([n * (h + 1) * (w + 1), 4 * c]);
        // weight[c, o, 2ā + r_y, 2b̄ + r_x] → row (ā, b̄, c), column (r_y, r_x, o).
        let kernel: Tensor<2> = self
            .weight
            .val()
            .reshape([c, o, 2, 2, 2, 2])
            .permute([2, 4, 0, 3, 5, 1])
            .reshape([4 * c, 4 * o]);
        let blocks = columns
            .matmul(kernel)
            .reshape([n, h + 1, w + 1, 2, 2, o])
            .permute([0, 1, 3, 2, 4, 5])
            .reshape([n, 2 * h + 2, 2 * w + 2, o]);
        blocks.slice([0..n, 1..2 * h + 1, 1..2 * w + 1, 0..o])
            + self.bias.val().reshape([1, 1, 1, o])
    }
}
