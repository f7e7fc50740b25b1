//! `vgg-face`: the fc7 activations of VGG-Face — the paper's "VGG" baseline, the input of
//! "VGG (PCA)" (`pca` + `pca-units`) and "VGG (raw)" (`unit-subsets`).
//!
//! Paper: Online methods, "Baseline models" ("a standard pre-trained VGG network, trained to
//! differentiate between 2,622 unique individuals … 16 convolutional layers, followed by 3 fully
//! connected layers … The last hidden layer before the classification logits contained 4,096
//! units"); docs/METHODS.md § "Baseline models". The network is `flow_models::vgg` (burn).
//!
//! **Weights.** The published VGG-Face weights are not shipped with flow and cannot be fetched by
//! it: `weights` names a safetensors file the user makes once with `scripts/vgg_face_weights.py`
//! from the published PyTorch port (README § "VGG-Face weights"). The file is a `path` param, so
//! its content is in the cache key; a missing file, or a tensor of the wrong shape, fails the
//! plan (naming the tensor), never the run.
//!
//! Choices the paper leaves open, and flow's:
//! - **Preprocessing** (the published model's): each grayscale image is resized to
//!   `input_size` × `input_size` (224) bilinearly ([`ImageSet::resized`]), scaled by
//!   `pixel_scale` (255: flow's [0, 1] to the model's 0–255), replicated to the three colour
//!   channels, and the model's mean colour `mean` (R, G, B) subtracted.
//! - **Which activations**: fc7 after its ReLU (`relu = true`), the "activations in its last
//!   hidden layer"; `relu = false` gives the pre-activations. Dropout is inactive (inference).
//! - **Which images**: every image given, in order (the paper: the 2,100 faces as shown to the
//!   monkeys, not mirror-flipped: VGG was not trained on them).
//!
//! Outputs: `units`, `image_id` + `u0000 …` (fc7's units), and `result` (the network's widths,
//! the preprocessing, the backend).

use faer::Mat;
use flow_engine::{
    ArtifactType, ConnectedPorts, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params,
    PortSpec, RunContext, StageError, StageKind,
};
use flow_models::vgg::{Vgg, VggLayout};
use serde_json::json;

use crate::baselines::data::unit_names;
use crate::images::ImageSet;
use crate::table::matrix_table;
use crate::training::device;

/// VGG-Face's mean colour (R, G, B) on the 0–255 scale, from the published model's metadata.
const VGG_FACE_MEAN: [f64; 3] = [129.186279296875, 104.76238250732422, 93.59396362304688];

/// The params of `vgg-face`.
#[derive(Debug, Clone, serde::Deserialize)]
struct VggFaceParams {
    weights: std::path::PathBuf,
    input_size: i64,
    pixel_scale: f64,
    mean: Vec<f64>,
    relu: bool,
    batch: i64,
}

pub struct VggFace;

impl VggFace {
    fn layout(p: &VggFaceParams) -> Result<VggLayout, StageError> {
        VggLayout::read(&p.weights, p.input_size as usize)
            .map_err(|e| StageError::param("weights", e.to_string()))
    }
}

impl StageKind for VggFace {
    fn name(&self) -> &'static str {
        "vgg-face"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "VGG-Face's fc7 activations of every image (weights supplied by the user as safetensors)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required(
                "weights",
                ParamType::Path,
                "VGG-Face weights as safetensors; not shipped with flow: README § \"VGG-Face \
                 weights\" says where to get the published weights, and \
                 scripts/vgg_face_weights.py converts them",
            ),
            ParamSpec::with_default(
                "input_size",
                ParamType::Int,
                ParamValue::Int(224),
                "images are resized to this many pixels square (a multiple of 32; the published model: 224)",
            ),
            ParamSpec::with_default(
                "pixel_scale",
                ParamType::Float,
                ParamValue::Float(255.0),
                "flow's [0, 1] pixels are multiplied by this before the mean is subtracted",
            ),
            ParamSpec::with_default(
                "mean",
                ParamType::FloatList,
                ParamValue::List(
                    VGG_FACE_MEAN
                        .iter()
                        .map(|&m| ParamValue::Float(m))
                        .collect(),
                ),
                "the mean colour (R, G, B) subtracted from every pixel (the published model's)",
            ),
            ParamSpec::with_default(
                "relu",
                ParamType::Bool,
                ParamValue::Bool(true),
                "fc7 after its ReLU (true) or its pre-activations (false)",
            ),
            ParamSpec::with_default(
                "batch",
                ParamType::Int,
                ParamValue::Int(8),
                "images per forward pass (memory only: the activations do not depend on it)",
            ),
            device::spec(),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "images",
            ArtifactType::Table,
            "the images (an image table)",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "image_id + u0000 …: fc7's activations of every image",
            ),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "the network's widths, the preprocessing and the backend",
            ),
        ]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core()
    }

    fn resolve(&self, params: &mut Params) {
        device::resolve(params);
    }

    fn gpus(&self, params: &Params) -> u32 {
        device::gpus(params)
    }

    fn check(&self, params: &Params, _connected: &ConnectedPorts) -> Result<(), StageError> {
        let p: VggFaceParams = params.parse()?;
        if p.input_size < 32 || p.input_size % 32 != 0 {
            return Err(StageError::param(
                "input_size",
                format!(
                    "must be a positive multiple of 32 (five 2 × 2 max-pools), got {}",
                    p.input_size
                ),
            ));
        }
        if p.mean.len() != 3 {
            return Err(StageError::param(
                "mean",
                format!("must be three values (R, G, B), got {}", p.mean.len()),
            ));
        }
        if !(p.pixel_scale.is_finite() && p.pixel_scale > 0.0) {
            return Err(StageError::param(
                "pixel_scale",
                format!("must be positive, got {}", p.pixel_scale),
            ));
        }
        StageError::require_count("batch", p.batch)?;
        device::check(params)?;
        VggFace::layout(&p).map(|_| ())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: VggFaceParams = ctx.params().parse()?;
        let images = ImageSet::from_table(inputs.table("images")?, "images")?;
        if images.is_empty() {
            return Err(StageError::input("images", "no images"));
        }
        let backend = device::backend(ctx.params())?;
        let device = device::device(ctx.params())?;
        let size = p.input_size as usize;
        let vgg = Vgg::load(&p.weights, size, &device)
            .map_err(|e| StageError::param("weights", e.to_string()))?;
        let width = vgg.layout().fc7;
        let n = images.len();
        let batch = p.batch as usize;
        let mut units = Mat::<f64>::zeros(n, width);
        for start in (0..n).step_by(batch) {
            ctx.check_cancelled()?;
            let end = (start + batch).min(n);
            let indices: Vec<usize> = (start..end).collect();
            let chunk = images.subset(&indices).resized(size, size);
            let input = rgb_input(&chunk, p.pixel_scale, &p.mean);
            let x = burn::tensor::Tensor::<4>::from_data(
                burn::tensor::TensorData::new(input, [end - start, 3, size, size]),
                &device,
            );
            let fc7: Vec<f32> = vgg
                .fc7(x, p.relu)
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| StageError::failed(format!("reading fc7: {e:?}")))?;
            for (r, row) in fc7.chunks_exact(width).enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    units[(start + r, j)] = v as f64;
                }
            }
            ctx.progress(end as u64, n as u64, "images");
        }
        let result = json!({
            "n_images": n,
            "units": width,
            "layout": vgg.layout(),
            "relu": p.relu,
            "input_size": size,
            "pixel_scale": p.pixel_scale,
            "mean": p.mean,
            "backend": backend.name(),
        });
        Ok(Outputs::new()
            .table(
                "units",
                matrix_table(&units, Some(&images.ids), &unit_names(width))?,
            )
            .json("result", result))
    }
}

/// `[batch, 3, h, w]` values: every grayscale pixel scaled and replicated to R, G and B, each
/// channel's mean subtracted.
fn rgb_input(images: &ImageSet, scale: f64, mean: &[f64]) -> Vec<f32> {
    let area = images.area();
    let mut out = Vec::with_capacity(images.len() * 3 * area);
    for i in 0..images.len() {
        for m in mean {
            out.extend(
                images
                    .image(i)
                    .iter()
                    .map(|&v| (v as f64 * scale - m) as f32),
            );
        }
    }
    out
}
