//! Fused CPU kernels for the paper's stride-2 convolutions on burn's flex backend: the window
//! gather and scatter ([`window`]), a strided matrix product ([`matmul`]), and the two layers as
//! single autodiff operations with their own backward passes ([`layer`]), and the β-VAE's
//! reconstruction term likewise ([`bernoulli`]).

pub mod bernoulli;
mod blocked;
pub mod layer;
pub mod matmul;
pub mod window;
