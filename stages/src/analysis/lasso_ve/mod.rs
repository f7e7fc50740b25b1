//! `lasso-ve`: Lasso variance explained of each neuron from a model's units.
//!
//! Paper: Online methods, "Variance explained" (and "Filtering out uninformative models",
//! "Alignment score", which reuse it). Exact semantics: docs/METHODS.md §1; the numbered rules
//! below are METHODS' rules.
//!
//! 1. A unit is *uninformative* iff the variance (ddof 0) of its **raw** activations over all
//!    images is < `var_threshold`; the optional `informative` port (a boolean per unit) replaces
//!    the rule. Uninformative units are zero columns: never divided by their std, weight 0.
//!    `zero_uninformative = false` is the paper's artificial-mixture variant ("we did not zero out
//!    the uninformative units"): every unit enters the regression. A unit whose std over the
//!    standardising images is 0 cannot be z-scored and is always a zero column.
//! 2. Units and neurons are z-scored with the mean and population std of all images
//!    (`standardize = "all"`) or of the training images (`"train"`); test images use the same.
//! 3. Per neuron, scikit-learn's problem min (1/2m)‖y − b − Xw‖² + α‖w‖₁ with b unpenalised
//!    (X, y centred on the fitting images), solved exactly ([`flow_numeric::lasso_path`]).
//! 4. α grid per neuron on the whole (centred) training set: α_max = max_d |x_dᵀy| / n_train,
//!    `geomspace(α_max, eps·α_max, n_alphas)` as numpy computes it; 1e-15 everywhere if
//!    α_max ≤ 1e-15. The same grid serves every fold.
//! 5. K-fold CV over the split's `fold` ids of the training images (K = number of distinct ids,
//!    at least 2): each fold's MSE is the mean squared error on its images of the fit on the
//!    other folds (centred on those); cv_mse = unweighted mean over folds, cv_se =
//!    std(fold MSEs, ddof = `se_ddof`)/√K.
//! 6. 1-SE rule: i_min = first argmin cv_mse; the chosen α is the largest (smallest index) with
//!    cv_mse ≤ cv_mse\[i_min\] + cv_se\[i_min\] (glmnet's `lambda.1se`; the set need not be contiguous).
//! 7. Refit on all training images at α_1se → `coef` (standardised units) and `intercept`.
//! 8. VE_j = 1 − Σ_test(ŷ − y)² / Σ_test(y − ȳ_test)² on the test images (can be negative;
//!    null when the test responses are constant).
//!
//! Choices beyond METHODS: the split's `train` column may be omitted when `fold` is given (then
//! train = fold ≥ 0, the shared cases' convention of −1 on test images); fold ids are arbitrary
//! integers. With `image_id` columns the rows of `units` and `split` are looked up by the
//! responses' ids (the analysis uses exactly the images that have responses).
//!
//! Speed: the data are standardised once; per fold one Gram matrix XᵀX (and Xᵀy for all neurons
//! in one product) serves every neuron, and the validation error is the quadratic form
//! yᵀy − 2wᵀXᵀy + wᵀXᵀXw on the validation Gram matrix, so no step after the products touches the
//! n × p data; neurons run in parallel (rayon).
//!
//! Output `result` (JSON): `ve`, `ve_mean`, `ve_median`, `coef` (units × neurons), `intercept`,
//! `alpha_1se`, `index_1se`, `index_min`, `threshold`, `alphas`, `cv_mse`, `cv_se` (neurons ×
//! n_alphas), `informative`, the standardisation (`unit_mean`, `unit_std`, `response_mean`,
//! `response_std` over the standardising images, so that a reader such as `shared-features` can
//! predict a neuron from raw units: r̂ = response_mean + response_std · (intercept +
//! Σ_d coef_d · (z_d − unit_mean_d) / unit_std_d)), `n_train`, `n_test`, `n_folds`, and
//! `unpolished_solutions` (Lasso solutions that could not be certified by the KKT polish; 0 in
//! practice).
//!
//! The parts: the params and their checks (`params.rs`), reading and matching the inputs and the
//! informative-unit rule (`data.rs`), the computation (`compute.rs`) with each neuron's Lasso
//! path and validation error (`path.rs`), and the result (`result.rs`). This file is the stage
//! kind.

mod compute;
mod data;
mod params;
mod path;
mod result;

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, Params, PortSpec, RunContext, StageError, StageKind,
};

pub use compute::compute;
pub use data::{LassoData, informative_units, read_cv_split, read_inputs};
pub use params::{LassoParams, Standardize};
pub use result::LassoResult;

pub struct LassoVe;

impl StageKind for LassoVe {
    fn name(&self) -> &'static str {
        "lasso-ve"
    }

    fn version(&self) -> u32 {
        // 2: the result carries the standardisation (unit and response means and stds).
        2
    }

    fn summary(&self) -> &'static str {
        "Lasso variance explained of each neuron from a model's units (10-fold CV, 1-SE rule; METHODS §1)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        LassoParams::specs()
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "units",
                ArtifactType::Table,
                "model unit activations, images × units (raw)",
            ),
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "neural responses, images × neurons (raw)",
            ),
            PortSpec::one(
                "split",
                ArtifactType::Table,
                "per image: `train` (bool) and `fold` (int, CV fold of a training image)",
            ),
            PortSpec::one(
                "informative",
                ArtifactType::Table,
                "a boolean per unit, replacing the variance rule",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "the METHODS §1 fields (ve, coef, alphas, cv_mse, …)",
        )]
    }

    fn threads(&self, _params: &Params) -> usize {
        crate::every_core()
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        LassoParams::check(params)
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let params = LassoParams::from_params(ctx.params())?;
        let data = read_inputs(inputs, "units")?;
        let result = compute(&data, &params, &|| ctx.is_cancelled())?;
        Ok(Outputs::new().json("result", result.to_json()))
    }
}
