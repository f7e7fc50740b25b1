//! `pca-units`: the scores of images on the first N axes of a `pca` basis — one PCA instance of
//! the paper's sweep (Online methods, "Baseline models": N = 10 … 50, 41 instances).
//!
//! Units are (x − mean) · v_i for i < N (scikit-learn's `PCA.transform`, not whitened), written
//! as `image_id` + `u00 … u{N−1}` for every image of `images`, like `train`'s latents. The images
//! must have the basis's features (the same image size, or the same unit columns in order).

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use faer::{Mat, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_numeric::pca::project;

use crate::baselines::data::{FeatureMatrix, unit_names};
use crate::baselines::pca::component_names;
use crate::table::matrix_table;

/// The params of `pca-units`.
#[derive(Debug, Clone, serde::Deserialize)]
struct PcaUnitsParams {
    latents: i64,
}

pub struct PcaUnits;

/// A `basis` table read back: feature names, mean, and the first `k` axes (one per row).
struct Basis {
    features: Vec<String>,
    mean: Vec<f64>,
    axes: Mat<f64>,
}

fn read_basis(batch: &RecordBatch, k: usize) -> Result<Basis, StageError> {
    let bad = |m: String| StageError::input("basis", m);
    let features = batch
        .column_by_name("feature")
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| bad("is not a `pca` basis: no text column `feature`".into()))?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect::<Vec<_>>();
    let column = |name: &str| -> Result<Vec<f64>, StageError> {
        batch
            .column_by_name(name)
            .and_then(|c| c.as_primitive_opt::<Float64Type>())
            .map(|c| c.values().to_vec())
            .ok_or_else(|| bad(format!("is not a `pca` basis: no Float64 column `{name}`")))
    };
    let mean = column("mean")?;
    let available = batch.num_columns().saturating_sub(2);
    if k > available {
        return Err(StageError::input(
            "basis",
            format!(
                "holds {available} axes, latents = {k} asks for more: raise `max_components` of its `pca` stage"
            ),
        ));
    }
    let mut axes = Mat::<f64>::zeros(k, features.len());
    for (i, name) in component_names(available).iter().take(k).enumerate() {
        for (j, v) in column(name)?.into_iter().enumerate() {
            axes[(i, j)] = v;
        }
    }
    Ok(Basis {
        features,
        mean,
        axes,
    })
}

impl StageKind for PcaUnits {
    fn name(&self) -> &'static str {
        "pca-units"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Units of one PCA instance: the scores of images on the first N axes of a `pca` basis"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "latents",
            ParamType::Int,
            ParamValue::Int(10),
            "N, the number of axes (units) kept (the paper sweeps 10 … 50)",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("basis", ArtifactType::Table, "a `pca` basis (pca.basis)"),
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "the images (or units) to encode, with the basis's features",
            ),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "units",
            ArtifactType::Table,
            "image_id + u00 … u{N−1}, one row per image",
        )]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: PcaUnitsParams = params.parse()?;
        StageError::require_count("latents", p.latents)
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: PcaUnitsParams = ctx.params().parse()?;
        let k = p.latents.max(1) as usize;
        let basis = read_basis(inputs.table("basis")?, k)?;
        let images = FeatureMatrix::from_table(inputs.table("images")?, "images")?;
        if images.features != basis.features {
            let at = images
                .features
                .iter()
                .zip(&basis.features)
                .position(|(a, b)| a != b)
                .unwrap_or(images.features.len().min(basis.features.len()));
            return Err(StageError::input(
                "images",
                format!(
                    "has {} features, the basis {} (first difference at feature {at}: `{}` vs `{}`)",
                    images.features.len(),
                    basis.features.len(),
                    images.features.get(at).map_or("-", String::as_str),
                    basis.features.get(at).map_or("-", String::as_str),
                ),
            ));
        }
        let units = project(
            images.data.as_ref(),
            &basis.mean,
            basis.axes.as_ref(),
            Par::rayon(ctx.threads()),
        );
        let table = matrix_table(&units, Some(&images.ids), &unit_names(k))?;
        Ok(Outputs::new().table("units", table))
    }
}
