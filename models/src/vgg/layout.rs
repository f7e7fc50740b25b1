//! A VGG-16 weight file and the widths it implies, checked tensor by tensor from the header
//! alone (the file is memory-mapped; reading a 553 MB file's layout touches only its header),
//! so that `flow plan` rejects a wrong file before anything runs, naming the tensor.

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use crate::error::ModelError;

/// The 13 convolutions in order; blocks end after `conv1_2`, `conv2_2`, `conv3_3`, `conv4_3`
/// and `conv5_3`.
pub const CONV_LAYERS: [&str; 13] = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1",
    "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3",
];

/// Whether convolution `i` (an index into [`CONV_LAYERS`]) is the last of its block, so a
/// max-pool follows it.
pub fn ends_block(i: usize) -> bool {
    matches!(i, 1 | 3 | 6 | 9 | 12)
}

/// The five max-pools halve the input five times.
const DOWNSAMPLING: usize = 32;

/// The widths of a VGG-16 weight file, for one input size.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VggLayout {
    /// Output channels of each convolution (the published network: 64, 64, 128, 128, 256 × 3,
    /// 512 × 6).
    pub conv_widths: Vec<usize>,
    /// Units of fc6 and fc7 (the published network: 4,096 each).
    pub fc6: usize,
    pub fc7: usize,
    /// Input height and width in pixels (the published network: 224).
    pub input_size: usize,
}

impl VggLayout {
    /// The layout of the weight file at `path` for `input_size` × `input_size` inputs.
    pub fn read(path: &Path, input_size: usize) -> Result<VggLayout, ModelError> {
        VggLayout::from_file(&WeightFile::open(path)?, input_size)
    }

    pub(super) fn from_file(file: &WeightFile, input_size: usize) -> Result<VggLayout, ModelError> {
        if input_size == 0 || !input_size.is_multiple_of(DOWNSAMPLING) {
            return Err(ModelError::Invalid(format!(
                "the input size must be a positive multiple of {DOWNSAMPLING} (five 2 × 2 \
                 max-pools), got {input_size}"
            )));
        }
        let mut conv_widths = Vec::with_capacity(CONV_LAYERS.len());
        let mut channels = 3;
        for name in CONV_LAYERS {
            let weight = format!("{name}.weight");
            let shape = file.shape(&weight)?;
            let [out, inp, kh, kw] = file.rank::<4>(&weight, &shape)?;
            if [kh, kw] != [3, 3] {
                return Err(file.wrong(&weight, format!("a 3 × 3 kernel, got {kh} × {kw}")));
            }
            if inp != channels {
                let from = match conv_widths.len() {
                    0 => "the RGB image".to_string(),
                    k => format!("`{}`", CONV_LAYERS[k - 1]),
                };
                return Err(file.wrong(
                    &weight,
                    format!("{channels} input channels (from {from}), got shape {shape:?}"),
                ));
            }
            file.bias(name, out)?;
            conv_widths.push(out);
            channels = out;
        }
        let side = input_size / DOWNSAMPLING;
        let flat = channels * side * side;
        let fc6 = file.linear(
            "fc6",
            flat,
            &format!(
                "`conv5_3`'s {channels} channels × {side} × {side} at input size {input_size}"
            ),
        )?;
        let fc7 = file.linear("fc7", fc6, "fc6's units")?;
        Ok(VggLayout {
            conv_widths,
            fc6,
            fc7,
            input_size,
        })
    }
}

/// A memory-mapped safetensors file.
pub(super) struct WeightFile {
    path: PathBuf,
    map: memmap2::Mmap,
}

impl WeightFile {
    pub(super) fn open(path: &Path) -> Result<WeightFile, ModelError> {
        let file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
        // SAFETY: the map is read-only and lives only while the weights are read; a file
        // truncated underneath would fault, as any reader of a changing file would misread.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| ModelError::io(path, e))?;
        let file = WeightFile {
            path: path.to_path_buf(),
            map,
        };
        file.tensors()?;
        Ok(file)
    }

    fn tensors(&self) -> Result<SafeTensors<'_>, ModelError> {
        SafeTensors::deserialize(&self.map).map_err(|e| {
            ModelError::io(
                &self.path,
                format!("not a safetensors file ({e}); scripts/vgg_face_weights.py writes one"),
            )
        })
    }

    fn wrong(&self, tensor: &str, message: String) -> ModelError {
        ModelError::Weights {
            path: self.path.clone(),
            tensor: tensor.to_string(),
            message,
        }
    }

    /// The shape of a float32 tensor `name`.
    fn shape(&self, name: &str) -> Result<Vec<usize>, ModelError> {
        let tensors = self.tensors()?;
        let view = tensors.tensor(name).map_err(|_| {
            let mut names = tensors.names();
            names.sort();
            let shown: Vec<&str> = names.iter().take(8).copied().collect();
            let more = names.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            self.wrong(
                name,
                format!("missing (the file has {}{tail})", shown.join(", ")),
            )
        })?;
        if view.dtype() != Dtype::F32 {
            return Err(self.wrong(name, format!("expected float32, got {:?}", view.dtype())));
        }
        Ok(view.shape().to_vec())
    }

    fn rank<const R: usize>(&self, name: &str, shape: &[usize]) -> Result<[usize; R], ModelError> {
        <[usize; R]>::try_from(shape).map_err(|_| {
            self.wrong(
                name,
                format!("expected {R} dimensions, got shape {shape:?}"),
            )
        })
    }

    /// Checks `{layer}.bias` is `[out]`.
    fn bias(&self, layer: &str, out: usize) -> Result<(), ModelError> {
        let name = format!("{layer}.bias");
        let shape = self.shape(&name)?;
        if shape != [out] {
            return Err(self.wrong(
                &name,
                format!("expected shape [{out}] (`{layer}.weight`'s outputs), got {shape:?}"),
            ));
        }
        Ok(())
    }

    /// Checks a fully connected layer `[out, inputs]` and its bias; returns `out`.
    fn linear(&self, layer: &str, inputs: usize, from: &str) -> Result<usize, ModelError> {
        let name = format!("{layer}.weight");
        let shape = self.shape(&name)?;
        let [out, inp] = self.rank::<2>(&name, &shape)?;
        if inp != inputs {
            return Err(self.wrong(
                &name,
                format!("expected shape [_, {inputs}] ({from}), got {shape:?}"),
            ));
        }
        self.bias(layer, out)?;
        Ok(out)
    }

    /// The values and shape of tensor `name` (checked by [`VggLayout::from_file`] first).
    pub(super) fn tensor<const R: usize>(
        &self,
        name: &str,
    ) -> Result<(Vec<f32>, [usize; R]), ModelError> {
        let tensors = self.tensors()?;
        let view = tensors
            .tensor(name)
            .map_err(|e| self.wrong(name, e.to_string()))?;
        let shape = self.rank::<R>(name, view.shape())?;
        let values = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok((values, shape))
    }
}
