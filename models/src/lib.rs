//! flow-models: the neural networks of Higgins et al. 2021 ("Model details", "Baseline
//! models") on burn, and their training.
//!
//! One architecture serves every model class ([`Network`]): an encoder of four 4 × 4, stride-2
//! convolutions (32-32-64-64 channels) and a 256-unit fully connected layer, and its mirror image
//! as the decoder, ReLU throughout. The model classes differ only in their objective
//! ([`ModelKind`]): the β-VAE (β = 1 is the VAE), the deterministic autoencoder and the
//! identity classifier.
//!
//! This crate knows nothing of flow's engine or cache: [`train`] takes a [`TrainSpec`], the images
//! as [`Samples`], a burn [`Device`](burn::tensor::Device), a [`Monitor`] for progress and
//! cancellation, and an optional checkpoint directory; it returns the trained network and its
//! loss curve. The `train` and `traversals` stage kinds in flow-stages wrap it.
//!
//! # Determinism
//! Every random draw (parameter initialisation, batch order, the reparameterisation noise, the
//! evaluation noise) comes from ChaCha8 streams of the spec's seed ([`rng`]), never from burn's
//! process-global generator, so that two models training at once in one process cannot disturb
//! each other's draws. A draw depends only on (seed, purpose, step), so a run resumed from a
//! checkpoint at step k continues exactly as the uninterrupted run would have. On the `flex`
//! backend the result is bit-identical for the same seed and thread count (tests pin it); on
//! CUDA, burn does not promise bit-identical reductions, so only the draws are identical.

pub mod architecture;
pub mod checkpoint;
pub mod conv;
pub mod deconv;
pub mod device;
pub mod error;
pub mod evaluate;
pub mod kernels;
pub mod objective;
pub mod rng;
pub mod saliency;
pub mod samples;
pub mod spec;
pub mod trainer;
pub mod vgg;
pub mod weights;

pub use architecture::Network;
pub use device::Backend;
pub use error::ModelError;
pub use evaluate::{Evaluation, decode, encode, evaluate};
pub use objective::ModelKind;
pub use saliency::latent_gradients;
pub use samples::{ImageArray, Samples};
pub use spec::TrainSpec;
pub use trainer::{CurvePoint, Monitor, Trained, TrainingData, train};
