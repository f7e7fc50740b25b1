//! The stride-2 layers' passes over blocks of images: gather a block's windows, multiply, and
//! scatter (or apply the ReLU) while the block is still in the core's cache.
//!
//! A whole batch's window matrix is 4 × the size of the layer's input (8 MiB for the second
//! convolution at batch 16); writing it out and reading it back twice (the product, then the
//! kernel's gradient) made the window passes memory-bound. Here a block holds about 256 windows
//! (512 KiB at 32 channels), the blocks run in parallel on the node's threads, and the backward
//! pass gathers the windows again instead of keeping them. Each block's share of the kernel's
//! gradient is summed in block order, and blocks are cut by the layer's geometry alone, so the
//! bits do not depend on the thread count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::matmul::{Matrix, Threads, matmul_on, product_on};
use super::window::Windows;

/// Windows per block: enough rows for an efficient product, few enough to stay in cache.
const BLOCK_ROWS: usize = 256;

/// How a batch is cut into blocks of whole images (by the geometry alone).
struct Blocks {
    whole: Windows,
    /// Images per block (the last block may have fewer).
    per: usize,
    /// Whether a block's products split over threads themselves (fewer blocks than threads).
    threads: Threads,
}

impl Blocks {
    fn of(g: &Windows) -> Blocks {
        let per = (BLOCK_ROWS / (g.height * g.width).max(1)).clamp(1, g.images.max(1));
        let threads = if g.images.div_ceil(per) < rayon::current_num_threads() {
            Threads::Pool
        } else {
            Threads::One
        };
        Blocks {
            whole: *g,
            per,
            threads,
        }
    }

    fn count(&self) -> usize {
        self.whole.images.div_ceil(self.per)
    }

    /// Block `i`'s geometry.
    fn geometry(&self, i: usize) -> Windows {
        let images = (self.whole.images - i * self.per).min(self.per);
        Windows {
            images,
            ..self.whole
        }
    }

    /// Block `i`'s part of `data`, which holds `per_image` values per image.
    fn slice<'a>(&self, data: &'a [f32], i: usize, per_image: usize) -> &'a [f32] {
        &data[i * self.per * per_image..][..self.geometry(i).images * per_image]
    }
}

/// `rows` copies of `bias` written over `block`, which is then fully initialised.
fn bias_rows<'a>(block: &'a mut [MaybeUninit<f32>], bias: &[f32]) -> &'a mut [f32] {
    for row in block.chunks_exact_mut(bias.len()) {
        row.write_copy_of_slice(bias);
    }
    assert_eq!(block.len() % bias.len(), 0);
    // SAFETY: every element was written just above (the block is whole rows).
    unsafe { std::slice::from_raw_parts_mut(block.as_mut_ptr().cast(), block.len()) }
}

fn relu(values: &mut [f32]) {
    for v in values {
        *v = v.max(0.0);
    }
}

/// A buffer of `len` values built block by block: `fill` gets block `i` (uninitialised) and
/// must initialise all of it (through [`bias_rows`]).
fn build(
    len: usize,
    block: usize,
    fill: impl Fn(usize, &mut [MaybeUninit<f32>]) + Sync,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len]
        .par_chunks_mut(block.max(1))
        .enumerate()
        .for_each(|(i, b)| fill(i, b));
    // SAFETY: `fill` initialised every block (each starts with `bias_rows` over all of it).
    unsafe { out.set_len(len) };
    out
}

/// Sums per-block parts in block order.
fn sum_parts(parts: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    let mut sum = vec![0f32; len];
    for part in parts {
        for (s, v) in sum.iter_mut().zip(part) {
            *s += v;
        }
    }
    sum
}

/// The convolution: `x` (fine grids) → `[rows, o]` = bias + windows · `kernel` (`16C × o`).
pub fn conv_forward(
    g: &Windows,
    o: usize,
    x: &[f32],
    kernel: &[f32],
    bias: &[f32],
    then_relu: bool,
) -> Vec<f32> {
    let blocks = Blocks::of(g);
    let k = g.columns();
    build(
        g.rows() * o,
        blocks.per * g.height * g.width * o,
        |i, block| {
            let sub = blocks.geometry(i);
            let windows = sub.unfold(blocks.slice(x, i, g.fine_len()));
            let out = bias_rows(block, bias);
            matmul_on(
                blocks.threads,
                out,
                true,
                Matrix::row_major(&windows, sub.rows(), k),
                Matrix::row_major(kernel, k, o),
            );
            if then_relu {
                relu(out);
            }
        },
    )
}

/// The convolution's backward pass from the output gradient `grad` (`[rows, o]`, ReLU mask
/// applied): the kernel matrix's gradient, and the input's when `want_input`.
pub fn conv_backward(
    g: &Windows,
    o: usize,
    x: &[f32],
    kernel: &[f32],
    grad: &[f32],
    want_input: bool,
) -> (Vec<f32>, Option<Vec<f32>>) {
    let blocks = Blocks::of(g);
    let (k, threads) = (g.columns(), blocks.threads);
    let part = |i: usize, dx: Option<&mut [f32]>| {
        let sub = blocks.geometry(i);
        let windows = sub.unfold(blocks.slice(x, i, g.fine_len()));
        let rows = sub.rows();
        let grad = Matrix::row_major(blocks.slice(grad, i, g.height * g.width * o), rows, o);
        let dk = product_on(threads, Matrix::row_major(&windows, rows, k).t(), grad);
        if let Some(dx) = dx {
            let grad_windows = product_on(threads, grad, Matrix::row_major(kernel, k, o).t());
            sub.fold_add(&grad_windows, dx);
        }
        dk
    };
    let input = want_input.then_some((g.images * g.fine_len(), g.fine_len()));
    backward_blocks(&blocks, input, k * o, part)
}

/// Runs a backward pass's blocks in parallel: `part(i, dx)` returns block `i`'s share of the
/// kernel gradient (`kernel_len` values) and writes its slice of the input gradient when one is
/// wanted (`input`: its length, and its values per image).
fn backward_blocks(
    blocks: &Blocks,
    input: Option<(usize, usize)>,
    kernel_len: usize,
    part: impl Fn(usize, Option<&mut [f32]>) -> Vec<f32> + Sync,
) -> (Vec<f32>, Option<Vec<f32>>) {
    match input {
        Some((len, per_image)) => {
            let mut dx = vec![0f32; len];
            let parts: Vec<Vec<f32>> = dx
                .par_chunks_mut((blocks.per * per_image).max(1))
                .enumerate()
                .map(|(i, dx)| part(i, Some(dx)))
                .collect();
            (sum_parts(parts, kernel_len), Some(dx))
        }
        None => {
            let parts: Vec<Vec<f32>> = (0..blocks.count())
                .into_par_iter()
                .map(|i| part(i, None))
                .collect();
            (sum_parts(parts, kernel_len), None)
        }
    }
}

/// The transposed convolution: `x` (`[rows, c]`, coarse grids) → fine grids = bias + the
/// scatter of x · `kernel` (`c × 16o`).
pub fn deconv_forward(
    g: &Windows,
    c: usize,
    x: &[f32],
    kernel: &[f32],
    bias: &[f32],
    then_relu: bool,
) -> Vec<f32> {
    let blocks = Blocks::of(g);
    let o = g.channels;
    let coarse = g.height * g.width;
    build(
        g.images * g.fine_len(),
        blocks.per * g.fine_len(),
        |i, block| {
            let sub = blocks.geometry(i);
            let products = product_on(
                blocks.threads,
                Matrix::row_major(blocks.slice(x, i, coarse * c), sub.rows(), c),
                Matrix::row_major(kernel, c, 16 * o),
            );
            let out = bias_rows(block, bias);
            sub.fold_add(&products, out);
            if then_relu {
                relu(out);
            }
        },
    )
}

/// The transposed convolution's backward pass from the output gradient `grad` (fine grids,
/// ReLU mask applied): the kernel matrix's gradient, and the input's when `want_input`.
pub fn deconv_backward(
    g: &Windows,
    c: usize,
    x: &[f32],
    kernel: &[f32],
    grad: &[f32],
    want_input: bool,
) -> (Vec<f32>, Option<Vec<f32>>) {
    let blocks = Blocks::of(g);
    let (o, threads) = (g.channels, blocks.threads);
    let coarse = g.height * g.width;
    let part = |i: usize, dx: Option<&mut [f32]>| {
        let sub = blocks.geometry(i);
        let rows = sub.rows();
        let grad_windows = sub.unfold(blocks.slice(grad, i, g.fine_len()));
        let grad_windows = Matrix::row_major(&grad_windows, rows, 16 * o);
        let input = Matrix::row_major(blocks.slice(x, i, coarse * c), rows, c);
        let dk = product_on(threads, input.t(), grad_windows);
        if let Some(dx) = dx {
            matmul_on(
                threads,
                dx,
                false,
                grad_windows,
                Matrix::row_major(kernel, c, 16 * o).t(),
            );
        }
        dk
    };
    let input = want_input.then_some((g.rows() * c, coarse * c));
    backward_blocks(&blocks, input, c * 16 * o, part)
}
