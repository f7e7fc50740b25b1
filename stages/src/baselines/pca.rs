//! `pca`: the principal axes of a data set, fitted once for every N of a sweep.
//!
//! Paper: Online methods, "Baseline models" — "PCA … of the 2,100 face images", 41 instances
//! with N = 10 … 50 units, and "VGG (PCA)": the same over VGG-Face's fc7 activations. The
//! decomposition is `flow_numeric::pca` (exact; scikit-learn's conventions: centred data, the
//! largest entry of each axis positive, explained variance σ²/(n − 1)).
//!
//! Choices the paper leaves open, and flow's:
//! - **What the axes are fitted on**: the `data` input; the paper's pipelines connect the
//!   model-training images (`split.train_images`, the 2,100 faces with their mirror flips, as
//!   `train` sees them), and `pca-units` projects every image given to it.
//! - **One decomposition for the whole N sweep**: this node keeps `max_components` axes; each
//!   `pca-units` node takes the first N of them (the axes of a smaller PCA are exactly the
//!   leading axes of a larger one), so 41 instances cost one decomposition.
//!
//! Outputs: `basis`, a table with one row per feature (`feature`, `mean`, `pc00 …`: the axes as
//! columns, readable from any Arrow reader), and `result` (singular values, explained variance
//! and its ratio, the numbers of samples and features).

use arrow_array::RecordBatch;
use faer::Par;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};
use flow_numeric::pca::Pca;
use serde_json::json;

use crate::baselines::data::{FeatureMatrix, numbered_names};
use crate::table::{Column, table};

/// The params of `pca`.
#[derive(Debug, Clone, serde::Deserialize)]
struct PcaParams {
    max_components: i64,
}

pub struct PcaBasis;

/// `pc00 … `: the column names of the axes in a `basis` table.
pub fn component_names(k: usize) -> Vec<String> {
    numbered_names("pc", k)
}

/// The `basis` table: `feature`, `mean`, then one column per axis.
fn basis_table(features: &[String], pca: &Pca) -> Result<RecordBatch, StageError> {
    let mut columns = vec![
        ("feature".to_string(), Column::Str(features.to_vec())),
        ("mean".to_string(), Column::F64(pca.mean.clone())),
    ];
    for (i, name) in component_names(pca.len()).into_iter().enumerate() {
        let axis: Vec<f64> = (0..features.len())
            .map(|j| pca.components[(i, j)])
            .collect();
        columns.push((name, Column::F64(axis)));
    }
    table(columns)
}

impl StageKind for PcaBasis {
    fn name(&self) -> &'static str {
        "pca"
    }

    fn version(&self) -> u32 {
        // 2: the top eigenpairs by certified Lanczos (different rounding on large data).
        2
    }

    fn summary(&self) -> &'static str {
        "Principal axes of images or units, fitted once for every N (`pca-units` projects on the first N)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "max_components",
            ParamType::Int,
            ParamValue::Int(50),
            "axes kept: the largest N a `pca-units` node may ask for (the paper: 50)",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "data",
            ArtifactType::Table,
            "what the axes are fitted on: an image table, or a units table (image_id + numeric columns)",
        )]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "basis",
                ArtifactType::Table,
                "one row per feature: feature, mean, pc00 … (the axes)",
            ),
            PortSpec::one(
                "result",
                ArtifactType::Json,
                "singular_values, explained_variance(_ratio), n_samples, n_features",
            ),
        ]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core()
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: PcaParams = params.parse()?;
        StageError::require_count("max_components", p.max_components)
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: PcaParams = ctx.params().parse()?;
        let k = p.max_components.max(1) as usize;
        let data = FeatureMatrix::from_table(inputs.table("data")?, "data")?;
        let (n, f) = (data.nrows(), data.ncols());
        data.require_components(k, "data", "axes", "max_components")?;
        ctx.check_cancelled()?;
        let pca = Pca::fit(data.data.as_ref(), k, Par::rayon(ctx.threads()))
            .map_err(|e| StageError::input("data", e.to_string()))?;
        let result = json!({
            "n_samples": n,
            "n_features": f,
            "components": k,
            "singular_values": pca.singular_values,
            "explained_variance": pca.explained_variance(),
            "explained_variance_ratio": pca.explained_variance_ratio(),
        });
        Ok(Outputs::new()
            .table("basis", basis_table(&data.features, &pca)?)
            .json("result", result))
    }
}
