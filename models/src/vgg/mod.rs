//! VGG-16 with user-supplied weights: the network of VGG-Face (Parkhi, Vedaldi & Zisserman 2015),
//! the supervised baseline of Higgins et al. 2021 ("Baseline models": "16 convolutional layers,
//! followed by 3 fully connected layers"; its last hidden layer, fc7, has 4,096 units).
//!
//! The layer plan is VGG-16's and fixed: five blocks of 3 × 3, stride-1, padding-1 convolutions
//! (2, 2, 3, 3, 3 of them: `conv1_1` … `conv5_3`), each followed by ReLU, each block by a 2 × 2
//! max-pool of stride 2; then `fc6` and `fc7`, fully connected with ReLU. The *widths* are the
//! weight file's ([`VggLayout`]): the published network has 64-64-128-128-256×3-512×6 channels
//! and 4,096-unit fc6/fc7 at a 224 × 224 input; a test can write a tiny network of the same plan.
//! `fc8` (the identity logits) is never used and may be absent.
//!
//! Tensor names and layouts are those of the published PyTorch port (`vgg_face_dag.pth`):
//! `convX_Y.weight` `[out, in, 3, 3]`, `convX_Y.bias` `[out]`, `fc6.weight` `[out, in]`
//! (PyTorch's linear layout), `fc6.bias` `[out]`, likewise `fc7`; float32 throughout.
//! `scripts/vgg_face_weights.py` writes such a file from the published weights.
//!
//! Computation follows PyTorch's conventions (cross-correlation, NCHW, pool5 flattened in
//! channel-major order before fc6), so the same weights give the published activations up to
//! the order of floating-point sums.

mod layout;

use std::path::Path;

use burn::prelude::*;
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};

use crate::error::ModelError;
pub use layout::{CONV_LAYERS, VggLayout};

/// One layer's parameters: a weight and a bias.
struct Layer<const D: usize> {
    weight: Tensor<D>,
    bias: Tensor<1>,
}

/// VGG-16 up to fc7, with its weights on a device.
pub struct Vgg {
    layout: VggLayout,
    convs: Vec<Layer<4>>,
    /// `[in, out]` (transposed from the file's `[out, in]` once, at load).
    fc6: Layer<2>,
    fc7: Layer<2>,
}

impl Vgg {
    /// The weights of `path` for inputs of `input_size` × `input_size` pixels; every shape is
    /// checked first ([`VggLayout::read`]), so a wrong file fails naming its tensor.
    pub fn load(path: &Path, input_size: usize, device: &Device) -> Result<Vgg, ModelError> {
        let file = layout::WeightFile::open(path)?;
        let layout = VggLayout::from_file(&file, input_size)?;
        let mut convs = Vec::with_capacity(CONV_LAYERS.len());
        for name in CONV_LAYERS {
            let (w, shape) = file.tensor::<4>(&format!("{name}.weight"))?;
            let (b, _) = file.tensor::<1>(&format!("{name}.bias"))?;
            convs.push(Layer {
                weight: Tensor::from_data(TensorData::new(w, shape), device),
                bias: Tensor::from_data(TensorData::new(b, [shape[0]]), device),
            });
        }
        let linear = |name: &str| -> Result<Layer<2>, ModelError> {
            let (w, shape) = file.tensor::<2>(&format!("{name}.weight"))?;
            let (b, _) = file.tensor::<1>(&format!("{name}.bias"))?;
            let weight: Tensor<2> = Tensor::from_data(TensorData::new(w, shape), device);
            Ok(Layer {
                weight: weight.transpose(),
                bias: Tensor::from_data(TensorData::new(b, [shape[0]]), device),
            })
        };
        Ok(Vgg {
            layout,
            convs,
            fc6: linear("fc6")?,
            fc7: linear("fc7")?,
        })
    }

    pub fn layout(&self) -> &VggLayout {
        &self.layout
    }

    /// fc7's activations `[batch, fc7 width]` for images `[batch, 3, input_size, input_size]`
    /// (already mean-subtracted); after fc7's ReLU when `relu`, its pre-activations otherwise.
    pub fn fc7(&self, images: Tensor<4>, relu: bool) -> Tensor<2> {
        let [n, c, h, w] = images.dims();
        assert_eq!(
            [c, h, w],
            [3, self.layout.input_size, self.layout.input_size],
            "VGG input shape"
        );
        let conv = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        let pool = MaxPoolOptions::new([2, 2]);
        let mut x = images;
        for (i, layer) in self.convs.iter().enumerate() {
            x = conv2d(
                x,
                layer.weight.clone(),
                Some(layer.bias.clone()),
                conv.clone(),
            );
            x = burn::tensor::activation::relu(x);
            if layout::ends_block(i) {
                x = max_pool2d(x, pool.clone());
            }
        }
        let [_, c5, h5, w5] = x.dims();
        let flat: Tensor<2> = x.reshape([n, c5 * h5 * w5]);
        let fc6 = burn::tensor::activation::relu(
            flat.matmul(self.fc6.weight.clone()) + self.fc6.bias.clone().unsqueeze(),
        );
        let fc7 = fc6.matmul(self.fc7.weight.clone()) + self.fc7.bias.clone().unsqueeze();
        if relu {
            burn::tensor::activation::relu(fc7)
        } else {
            fc7
        }
    }
}
