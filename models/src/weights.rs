//! Trained weights as safetensors: the file every tool can read (PyTorch, JAX, numpy).
//!
//! Tensor names are the network's module paths (`encoder.convs.0.weight`, …); the layouts are
//! burn's: convolution weights `[out, in, 4, 4]`, transposed convolutions `[in, out, 4, 4]` (both
//! as in PyTorch), linear weights `[in, out]` (transposed relative to PyTorch's `[out, in]`).
//! The file's bytes depend only on the weights (equal weights, equal files).

use std::path::Path;

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};

use crate::architecture::{Network, Shape};
use crate::error::ModelError;

/// Writes `network`'s parameters to `path`.
pub fn save(network: &Network, path: &Path) -> Result<(), ModelError> {
    // One metadata entry only: burn's default metadata is a HashMap, whose order (and so the
    // file's bytes) changes from run to run; the cache needs equal bytes for equal weights.
    let mut store = SafetensorsStore::from_file(path)
        .overwrite(true)
        .clear_metadata()
        .metadata("producer", "flow (burn)");
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
