//! The architecture of Higgins et al. 2021, Online methods, "Model details" (Fig. 7a): the
//! "standard architecture" of Higgins et al. 2017 / Burgess et al. 2018.
//!
//! - Encoder: four convolutions 32, 32, 64, 64 channels, 4 × 4 kernels, stride 2, padding 1
//!   (each halves the image: 64 → 32 → 16 → 8 → 4), a 256-unit fully connected layer, and a
//!   linear output layer: 2N units (means and log-variances) for the VAEs, N for the AE and the
//!   classifier's representation.
//! - Decoder ("the reverse of the encoder"): fully connected 256 and 64 · 4 · 4 units, then four
//!   transposed convolutions 64 → 64 → 32 → 32 → 1 channels (4 × 4, stride 2, padding 1), giving
//!   one logit per pixel.
//! - Classifier head: the N-unit representation → one logit per training identity.
//! - ReLU after every layer except the outputs (latent parameters, the classifier's N-unit
//!   representation, pixel logits, class logits), which are linear.
//!
//! Choices the paper leaves open: padding 1 (what makes 64 × 64 halve exactly); the decoder's
//! channel order (the usual 64, 32, 32, 1 of the Burgess et al. implementation); a linear N-unit
//! layer in the classifier; images of any size divisible by 16 (the tests use 16 × 16 and 32 × 32).
//!
//! The convolutions are [`Conv`] and [`Deconv`] on channels-last activations; on the CPU they,
//! the fully connected layers and the ReLUs after them run as fused kernels with their own
//! backward passes ([`crate::kernels`]; faster than burn's `Conv2d`/`ConvTranspose2d`/`Linear`
//! there, and tested equal to them in outputs and gradients); weights keep PyTorch's layouts.
//!
//! Initialisation follows PyTorch's defaults for these layers (so the PyTorch benchmark trains
//! the same model): weights and biases uniform in ±1/√fan_in, with fan_in = in_channels · k² for a
//! convolution, out_channels · k² for a transposed one (PyTorch computes it from the weight's
//! second dimension), and d_in for a linear layer. The draws come from [`crate::rng`], parameter
//! by parameter in declaration order.

use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;

use crate::conv::Conv;
use crate::deconv::Deconv;
use crate::kernels;
use crate::rng::Purpose;

/// Encoder channels; the decoder runs them backwards.
const CHANNELS: [usize; 4] = [32, 32, 64, 64];
/// The fully connected width.
const HIDDEN: usize = 256;

/// The shape of a network: what is needed to rebuild it before loading weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    pub height: usize,
    pub width: usize,
    /// N, the number of latent units (the representation's size).
    pub latents: usize,
    /// Encoder outputs per latent: 2 for the VAEs (mean, log-variance), 1 otherwise.
    pub outputs_per_latent: usize,
    /// Whether there is a decoder (VAEs, AE).
    pub decoder: bool,
    /// Classifier identities (0: no classifier head).
    pub classes: usize,
}

impl Shape {
    /// The spatial size after the four stride-2 convolutions.
    fn grid(&self) -> (usize, usize) {
        (self.height / 16, self.width / 16)
    }

    pub fn check(&self) -> Result<(), String> {
        if self.height == 0
            || self.width == 0
            || !self.height.is_multiple_of(16)
            || !self.width.is_multiple_of(16)
        {
            return Err(format!(
                "images are {} × {}; the architecture's four stride-2 convolutions need sides divisible by 16",
                self.height, self.width
            ));
        }
        if self.latents == 0 {
            return Err("the number of latents must be at least 1".into());
        }
        Ok(())
    }
}

/// The encoder: image → latent parameters (or representation).
#[derive(Module, Debug)]
pub struct Encoder {
    pub convs: Vec<Conv>,
    pub hidden: Linear,
    pub out: Linear,
}

/// The decoder: latents → pixel logits.
#[derive(Module, Debug)]
pub struct Decoder {
    pub hidden: Linear,
    pub expand: Linear,
    pub deconvs: Vec<Deconv>,
    #[module(skip)]
    pub grid: [usize; 2],
}

/// One network of the paper: encoder, and a decoder or a classifier head.
#[derive(Module, Debug)]
pub struct Network {
    pub encoder: Encoder,
    pub decoder: Option<Decoder>,
    pub head: Option<Linear>,
}

/// Deals out initial values, parameter by parameter.
struct Init<'a> {
    seed: u64,
    next: u64,
    device: &'a Device,
}

impl Init<'_> {
    fn uniform<const D: usize>(&mut self, shape: [usize; D], fan_in: usize) -> Param<Tensor<D>> {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let n: usize = shape.iter().product();
        let mut s = Purpose::Init.rng(self.seed, self.next);
        self.next += 1;
        let values: Vec<f32> = (0..n)
            .map(|_| ((2.0 * s.uniform() - 1.0) * bound) as f32)
            .collect();
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            self.device,
        ))
    }

    fn conv(&mut self, i: usize, o: usize) -> Conv {
        Conv {
            weight: self.uniform([o, i, 4, 4], i * 16),
            bias: self.uniform([o], i * 16),
        }
    }

    fn deconv(&mut self, i: usize, o: usize) -> Deconv {
        Deconv {
            weight: self.uniform([i, o, 4, 4], o * 16),
            bias: self.uniform([o], o * 16),
        }
    }

    fn linear(&mut self, i: usize, o: usize) -> Linear {
        let mut l = LinearConfig::new(i, o)
            .with_initializer(Initializer::Zeros)
            .init(self.device);
        l.weight = self.uniform([i, o], i);
        l.bias = Some(self.uniform([o], i));
        l
    }
}

impl Network {
    /// A freshly initialised network of `shape` from `seed`, on `device`.
    pub fn new(shape: &Shape, seed: u64, device: &Device) -> Network {
        let mut init = Init {
            seed,
            next: 0,
            device,
        };
        let (gh, gw) = shape.grid();
        let flat = CHANNELS[3] * gh * gw;
        let mut convs = Vec::new();
        let mut c_in = 1;
        for &c in &CHANNELS {
            convs.push(init.conv(c_in, c));
            c_in = c;
        }
        let encoder = Encoder {
            convs,
            hidden: init.linear(flat, HIDDEN),
            out: init.linear(HIDDEN, shape.latents * shape.outputs_per_latent),
        };
        let decoder = shape.decoder.then(|| {
            let hidden = init.linear(shape.latents, HIDDEN);
            let expand = init.linear(HIDDEN, flat);
            let mut deconvs = Vec::new();
            for (i, o) in [(64, 64), (64, 32), (32, 32), (32, 1)] {
                deconvs.push(init.deconv(i, o));
            }
            Decoder {
                hidden,
                expand,
                deconvs,
                grid: [gh, gw],
            }
        });
        let head = (shape.classes > 0).then(|| init.linear(shape.latents, shape.classes));
        Network {
            encoder,
            decoder,
            head,
        }
    }
}

impl Encoder {
    /// `[B, 1, H, W]` images → `[B, N · outputs_per_latent]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        // The convolutions run channels-last; flattening goes back to PyTorch's (C, H, W) order.
        let mut x = x.permute([0, 2, 3, 1]);
        for conv in &self.convs {
            x = conv.forward_relu(x);
        }
        let x: Tensor<2> = x.permute([0, 3, 1, 2]).flatten(1, 3);
        dense(&self.out, dense(&self.hidden, x, true), false)
    }
}

impl Decoder {
    /// `[B, N]` latents → `[B, 1, H, W]` pixel logits.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<4> {
        let b = z.dims()[0];
        let x = dense(&self.hidden, z, true);
        let x = dense(&self.expand, x, true);
        let mut x: Tensor<4> = x
            .reshape([b, CHANNELS[3], self.grid[0], self.grid[1]])
            .permute([0, 2, 3, 1]);
        let last = self.deconvs.len() - 1;
        for (i, deconv) in self.deconvs.iter().enumerate() {
            x = if i < last {
                deconv.forward_relu(x)
            } else {
                deconv.forward(x)
            };
        }
        x.permute([0, 3, 1, 2])
    }
}

/// A fully connected layer, followed by a ReLU if `then_relu`: one fused operation on the CPU
/// ([`crate::kernels::layer::dense`]), burn's `Linear` elsewhere.
fn dense(layer: &Linear, x: Tensor<2>, then_relu: bool) -> Tensor<2> {
    let bias = layer.bias.as_ref().expect("every layer has a bias").val();
    let fused = kernels::layer::dense(&x, &layer.weight.val(), &bias, then_relu);
    kernels::layer::or_composed(fused, then_relu, || layer.forward(x))
}
