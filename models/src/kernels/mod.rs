//! Fused CPU kernels for the paper's network on burn's flex backend (issue 20).
//!
//! burn composes a layer from tensor ops and derives its backward pass op by op; on the CPU that
//! cost more in copies, padding, shifted views and zero-filled slice gradients than in arithmetic
//! (BENCHMARKS.md, "Training throughput"). Here each layer is one autodiff operation with a
//! hand-written backward pass, its data movement done once, in cache, around `gemm`'s matrix
//! products:
//!
//! - [`window`]: the 4 × 4, stride-2, padding-1 windows gathered into a matrix and scattered back;
//! - [`matmul`]: a matrix product on strided views (transposes without copies);
//! - `kernel_matrix`: the weights rearranged as the products' kernel matrices, and back;
//! - `flex`: between burn's flex tensors and the kernels' slices;
//! - `blocked`: the stride-2 layers' passes over blocks of ~256 windows, in parallel;
//! - [`layer`]: the convolution, transposed convolution and fully connected layer, each with an
//!   optional ReLU, as autodiff operations;
//! - [`bernoulli`]: the β-VAE's reconstruction term, one pass each way.
//!
//! Rules every kernel keeps:
//! - **Same bits on any thread count.** Work is cut by the data's shape (images, blocks), never by
//!   the number of threads; partial sums are added in a fixed order; `gemm` splits a product over
//!   threads only along its output. `models/tests/training.rs` trains on 1, 2 and 4 threads and
//!   compares the weights byte for byte.
//! - **Equal to burn.** Each kernel is tested against burn's own layer (or the composed tensor-op
//!   version) in outputs and in the gradient of every input (`models/tests/convolution.rs`,
//!   `models/tests/loss.rs`).
//! - **Other backends are untouched.** The kernels take flex tensors (plain, or under autodiff);
//!   for any other backend (CUDA) they return `None` and the model uses burn's ops.
//! - **Changing a kernel's sums changes the bytes of every trained model**: bump `train`'s stage
//!   version (and those of stages that run the network) with it.

pub mod bernoulli;
mod blocked;
mod flex;
mod kernel_matrix;
pub mod layer;
pub mod matmul;
pub mod window;
