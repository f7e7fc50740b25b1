//! The `weights` artifact of a trained model: `model.safetensors` (the parameters) and
//! `model.json` (the [`TrainSpec`] it was trained with, which fixes the architecture), and the
//! conversion of image tables into training samples.

use std::path::Path;

use burn::tensor::Device;
use flow_engine::StageError;
use flow_models::{Network, Samples, TrainSpec};

use crate::images::{ImageSet, translate};

pub const WEIGHTS: &str = "model.safetensors";
pub const SPEC: &str = "model.json";

/// Writes a trained network and its spec into `dir`.
pub fn save(dir: &Path, network: &Network, spec: &TrainSpec) -> Result<(), StageError> {
    flow_models::weights::save(network, &dir.join(WEIGHTS))
        .map_err(|e| StageError::failed(e.to_string()))?;
    let text = serde_json::to_string_pretty(spec)
        .map_err(|e| StageError::failed(format!("serialising the model spec: {e}")))?;
    std::fs::write(dir.join(SPEC), text + "\n")
        .map_err(|e| StageError::failed(format!("{}: {e}", dir.join(SPEC).display())))
}

/// Reads the model in `dir` (a `weights` artifact arriving on `port`).
pub fn load(dir: &Path, port: &str, device: &Device) -> Result<(Network, TrainSpec), StageError> {
    let spec_path = dir.join(SPEC);
    let text = std::fs::read_to_string(&spec_path).map_err(|e| {
        StageError::input(
            port,
            format!(
                "{}: {e} (a `weights` output of `train` holds {SPEC} and {WEIGHTS})",
                spec_path.display()
            ),
        )
    })?;
    let spec: TrainSpec = serde_json::from_str(&text)
        .map_err(|e| StageError::input(port, format!("{}: {e}", spec_path.display())))?;
    let network = flow_models::weights::load(&spec.shape(), &dir.join(WEIGHTS), device)
        .map_err(|e| StageError::input(port, e.to_string()))?;
    Ok((network, spec))
}

/// Mean and variance (ddof 0) of each of the `n` latents of `z` (`rows × n`, row-major).
pub fn latent_moments(z: &[f32], n: usize) -> Vec<(f64, f64)> {
    let rows = z.len() / n.max(1);
    let m = rows.max(1) as f64;
    (0..n)
        .map(|j| {
            let mean = (0..rows).map(|i| z[i * n + j] as f64).sum::<f64>() / m;
            let var = (0..rows)
                .map(|i| (z[i * n + j] as f64 - mean).powi(2))
                .sum::<f64>()
                / m;
            (mean, var)
        })
        .collect()
}

/// Checks that an image set arriving on `port` has the model's image size.
pub fn check_size(set: &ImageSet, spec: &TrainSpec, port: &str) -> Result<(), StageError> {
    if (set.height, set.width) != (spec.height, spec.width) {
        return Err(StageError::input(
            port,
            format!(
                "images are {} × {}, the model's {} × {}",
                set.height, set.width, spec.height, spec.width
            ),
        ));
    }
    Ok(())
}

/// Checks that every pixel of an image set arriving on `port` is finite and in [0, 1].
pub fn check_pixels(set: &ImageSet, port: &str) -> Result<(), StageError> {
    let area = set.area();
    if let Some(k) = set
        .pixels
        .iter()
        .position(|v| !(v.is_finite() && (0.0..=1.0).contains(v)))
    {
        return Err(StageError::input(
            port,
            format!(
                "image `{}` (row {}) has pixel value {} at pixel {}; images must lie in [0, 1]",
                set.ids[k / area],
                k / area,
                set.pixels[k],
                k % area
            ),
        ));
    }
    Ok(())
}

/// The images of a set, as training samples.
pub struct Plain<'a>(pub &'a ImageSet);

impl Samples for Plain<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn write(&self, i: usize, out: &mut [f32]) {
        out.copy_from_slice(self.0.image(i));
    }
}

/// Translated, labelled copies of images: the classifier's instances.
pub struct Translated<'a> {
    pub set: &'a ImageSet,
    /// (image index, dx, dy, label) per instance.
    pub rows: Vec<(usize, i32, i32, usize)>,
}

impl Samples for Translated<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn write(&self, i: usize, out: &mut [f32]) {
        let (k, dx, dy, _) = self.rows[i];
        let shifted = translate(
            self.set.image(k),
            self.set.height,
            self.set.width,
            dx,
            dy,
            1.0,
        );
        out.copy_from_slice(&shifted);
    }
    fn label(&self, i: usize) -> Option<usize> {
        Some(self.rows[i].3)
    }
}
