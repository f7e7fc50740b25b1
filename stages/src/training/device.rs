//! The `device` parameter of the kinds that run networks (`train`, `vgg-face`): `cpu` (burn's
//! flex backend), `cuda` (a build with `--features cuda`) or `auto`. `auto` is resolved when the
//! plan is made ([`resolve`]), so the cache key holds the backend that decides the bytes.

use flow_engine::{ParamSpec, ParamType, ParamValue, Params, StageError};
use flow_models::Backend;

const DEVICES: &[&str] = &["auto", "cpu", "cuda"];

/// The declaration, default `auto`.
pub fn spec() -> ParamSpec {
    ParamSpec::with_default(
        "device",
        ParamType::Choice(DEVICES),
        ParamValue::Str("auto".into()),
        "cpu (burn flex), cuda (needs a build with --features cuda), or auto (cuda when built with it)",
    )
}

/// The backend `params` ask for.
pub fn backend(params: &Params) -> Result<Backend, StageError> {
    match params.get("device") {
        Some(ParamValue::Str(name)) => {
            Backend::from_name(name).map_err(|e| StageError::param("device", e))
        }
        _ => Err(StageError::param("device", "missing")),
    }
}

/// Replaces `auto` by what it means in this build.
pub fn resolve(params: &mut Params) {
    if let Ok(backend) = backend(params) {
        let resolved = match backend.resolve() {
            Backend::Cuda => "cuda",
            _ => "cpu",
        };
        params
            .0
            .insert("device".into(), ParamValue::Str(resolved.into()));
    }
}

/// GPUs wanted on a cluster: one for CUDA.
pub fn gpus(params: &Params) -> u32 {
    match backend(params) {
        Ok(b) if b.resolve() == Backend::Cuda => 1,
        _ => 0,
    }
}

/// Rejects `cuda` in a build without it, before anything runs.
pub fn check(params: &Params) -> Result<(), StageError> {
    if backend(params)? == Backend::Cuda && !Backend::cuda_built() {
        return Err(StageError::param(
            "device",
            "\"cuda\" needs flow built with `--features cuda` (README: Training on a GPU)",
        ));
    }
    Ok(())
}

/// The burn device to run on.
pub fn device(params: &Params) -> Result<burn::tensor::Device, StageError> {
    backend(params)?
        .device()
        .map_err(|e| StageError::param("device", e.to_string()))
}
