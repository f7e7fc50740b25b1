//! Trained weights as safetensors: the file every tool can read (PyTorch, JAX, numpy).
//!
//! Tensor names are the network's module paths (`encoder.convs.0.weight`, …); the layouts are
//! burn's: convolution weights `[out, in, 4, 4]`, transposed convolutions `[in, out, 4, 4]` (both
//! as in PyTorch), linear weights `[in, out]` (transposed relative to PyTorch's `[out, in]`).

use std::path::Path;

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};

use crate::architecture::{Network, Shape};
use crate::error::ModelError;

/// Writes `network`'s parameters to `path`.
pub fn save(network: &Network, path: &Path) -> Result<(), ModelError> {
    let mut store = SafetensorsStore::from_file(path).overwrite(true);
    network
        .save_into(&mut store)
        .map_err(|e| ModelError::io(path, format!("{e:?}")))
}

/// A network of `shape` with the parameters of `path`.
pub fn load(shape: &Shape, path: &Path, device: &Device) -> Result<Network, ModelError> {
    shape.check().map_err(ModelError::Invalid)?;
    let mut network = Network::new(shape, 0, device);
    let mut store = SafetensorsStore::from_file(path);
    let result = network
        .load_from(&mut store)
        .map_err(|e| ModelError::io(path, format!("{e:?}")))?;
    if !result.is_success() {
        return Err(ModelError::io(
            path,
            format!("weights do not fit the architecture: {result:?}"),
        ));
    }
    Ok(network)
}
