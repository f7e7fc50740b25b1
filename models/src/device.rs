//! The compute backend: burn's `flex` on the CPU (always built), CUDA with the `cuda` feature.
//!
//! burn 0.22 has no backend type parameter: the same model code runs on whichever [`Device`]
//! it is given, so the choice is made here and nowhere else.

use burn::tensor::Device;

use crate::error::ModelError;

/// Which backend to train on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// CUDA when this build has it, the CPU otherwise.
    Auto,
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn's CUDA backend (GPU 0); needs a build with `--features cuda`.
    Cuda,
}

impl Backend {
    pub fn from_name(name: &str) -> Result<Backend, String> {
        match name {
            "auto" => Ok(Backend::Auto),
            "cpu" => Ok(Backend::Cpu),
            "cuda" => Ok(Backend::Cuda),
            other => Err(format!(
                "unknown device `{other}` (expected auto, cpu or cuda)"
            )),
        }
    }

    /// Whether this build can run on CUDA.
    pub fn cuda_built() -> bool {
        cfg!(feature = "cuda")
    }

    /// The backend `Auto` resolves to in this build.
    pub fn resolve(self) -> Backend {
        match self {
            Backend::Auto if Self::cuda_built() => Backend::Cuda,
            Backend::Auto => Backend::Cpu,
            other => other,
        }
    }

    /// Its name after resolution, as recorded in results.
    pub fn name(self) -> &'static str {
        match self.resolve() {
            Backend::Cuda => "cuda",
            _ => "cpu-flex",
        }
    }

    /// The (non-autodiff) device.
    pub fn device(self) -> Result<Device, ModelError> {
        match self.resolve() {
            Backend::Cuda => cuda_device(),
            _ => Ok(Device::flex()),
        }
    }
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device, ModelError> {
    Ok(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device, ModelError> {
    Err(ModelError::Backend(
        "device = \"cuda\" needs flow built with `--features cuda` (see the README: Training on a GPU)"
            .into(),
    ))
}
