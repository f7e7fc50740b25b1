//! [`bernoulli_nll_sum`]: the β-VAE's reconstruction term, Σ softplus(ℓ) − ℓ·x over every pixel
//! of a batch (Higgins et al. 2021, eq. 1; docs/METHODS.md §1), as one operation with its own
//! backward pass, ∂/∂ℓ = σ(ℓ) − x.
//!
//! Composed of tensor ops the term takes about ten passes over the batch's pixels forward and as
//! many backward, each with a fresh buffer; here it is one pass each way. Per-pixel terms are
//! summed per image in f64, and the images' sums in order, so the result does not depend on the
//! thread count. softplus(ℓ) = max(ℓ, 0) + ln(1 + e^(−|ℓ|)) is exact for either sign.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::DType;
use rayon::prelude::*;

use super::flex::{tensor, values};

type Tracked = Autodiff<Flex, NoCheckpointing>;

/// Σ over all elements of softplus(`logits`) − `logits` · `targets` (one value), or `None` when
/// the tensors are not on the flex backend. Gradients flow to `logits` only.
pub fn bernoulli_nll_sum<const D: usize>(
    logits: &Tensor<D>,
    targets: &Tensor<D>,
) -> Option<Tensor<1>> {
    assert_eq!(
        logits.dims(),
        targets.dims(),
        "logits and targets differ in shape"
    );
    let images = logits.dims()[0].max(1);
    if [logits.dtype(), targets.dtype()] != [DType::F32; 2] {
        return None;
    }
    if let (Ok(l), Ok(t)) = (
        logits.clone().try_into_primitive::<Tracked>(),
        targets.clone().try_into_primitive::<Tracked>(),
    ) {
        let prep = BernoulliBackward
            .prepare::<NoCheckpointing>([l.node(), t.node()])
            .compute_bound()
            .stateful();
        let sum = forward(l.primitive(), t.primitive(), images);
        let out = match prep {
            OpsKind::Tracked(prep) => prep.finish(
                Saved {
                    logits: l.primitive().clone(),
                    targets: t.primitive().clone(),
                    images,
                },
                sum,
            ),
            OpsKind::UnTracked(prep) => prep.finish(sum),
        };
        return Some(Tensor::from_primitive::<Tracked>(out));
    }
    if let (Ok(l), Ok(t)) = (
        logits.clone().try_into_primitive::<Flex>(),
        targets.clone().try_into_primitive::<Flex>(),
    ) {
        return Some(Tensor::from_primitive::<Flex>(forward(&l, &t, images)));
    }
    None
}

fn softplus(l: f32) -> f32 {
    l.max(0.0) + (-l.abs()).exp().ln_1p()
}

fn sigmoid(l: f32) -> f32 {
    1.0 / (1.0 + (-l).exp())
}

/// The sum as a one-element tensor.
fn forward(logits: &FlexTensor, targets: &FlexTensor, images: usize) -> FlexTensor {
    let (l, t) = (values(logits), values(targets));
    let chunk = l.len().div_ceil(images).max(1);
    let partial: Vec<f64> = l
        .par_chunks(chunk)
        .zip(t.par_chunks(chunk))
        .map(|(l, t)| {
            l.iter()
                .zip(t)
                .map(|(&l, &x)| f64::from(softplus(l) - l * x))
                .sum()
        })
        .collect();
    tensor(vec![partial.iter().sum::<f64>() as f32], [1])
}

#[derive(Clone, Debug)]
struct Saved {
    logits: FlexTensor,
    targets: FlexTensor,
    images: usize,
}

#[derive(Debug)]
struct BernoulliBackward;

impl Backward<Flex, 2> for BernoulliBackward {
    type State = Saved;

    fn backward(self, ops: Ops<Saved, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_logits, _] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let Some(node) = node_logits else {
            return;
        };
        let g = values(&grad)[0];
        let saved = ops.state;
        let (l, t) = (values(&saved.logits), values(&saved.targets));
        let chunk = l.len().div_ceil(saved.images).max(1);
        let mut out = vec![0f32; l.len()];
        out.par_chunks_mut(chunk)
            .zip(l.par_chunks(chunk).zip(t.par_chunks(chunk)))
            .for_each(|(out, (l, t))| {
                for ((o, &l), &x) in out.iter_mut().zip(l).zip(t) {
                    *o = g * (sigmoid(l) - x);
                }
            });
        let shape = saved.logits.layout().shape().clone();
        grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(out, shape)));
    }
}
