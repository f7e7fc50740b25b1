//! The result of the Lasso VE computation (every field METHODS §1 outputs) and its JSON form.

use faer::Mat;
use serde_json::json;

use crate::matrix;

/// Everything METHODS §1 outputs.
#[derive(Clone, Debug)]
pub struct LassoResult {
    pub ve: Vec<f64>,
    pub ve_mean: f64,
    pub ve_median: f64,
    /// units × neurons.
    pub coef: Mat<f64>,
    pub intercept: Vec<f64>,
    pub alpha_1se: Vec<f64>,
    pub index_1se: Vec<usize>,
    pub index_min: Vec<usize>,
    pub threshold: Vec<f64>,
    pub alphas: Vec<Vec<f64>>,
    pub cv_mse: Vec<Vec<f64>>,
    pub cv_se: Vec<Vec<f64>>,
    pub informative: Vec<bool>,
    /// The standardisation (METHODS §1.2): each unit's mean and population std over the
    /// standardising images, raw units. `coef` applies to (z − unit_mean) / unit_std.
    pub unit_mean: Vec<f64>,
    pub unit_std: Vec<f64>,
    /// Each neuron's mean and population std over the standardising images: the raw prediction
    /// is response_mean + response_std · (intercept + Σ coef · standardised units).
    pub response_mean: Vec<f64>,
    pub response_std: Vec<f64>,
    pub n_train: usize,
    pub n_test: usize,
    pub n_folds: usize,
    pub unpolished: usize,
}

impl LassoResult {
    pub fn to_json(&self) -> serde_json::Value {
        use matrix::{bools, mat_rows, num, nums, rows_json, usizes};
        json!({
            "ve": nums(&self.ve),
            "ve_mean": num(self.ve_mean),
            "ve_median": num(self.ve_median),
            "coef": mat_rows(&self.coef),
            "intercept": nums(&self.intercept),
            "alpha_1se": nums(&self.alpha_1se),
            "index_1se": usizes(&self.index_1se),
            "index_min": usizes(&self.index_min),
            "threshold": nums(&self.threshold),
            "alphas": rows_json(&self.alphas),
            "cv_mse": rows_json(&self.cv_mse),
            "cv_se": rows_json(&self.cv_se),
            "informative": bools(&self.informative),
            "unit_mean": nums(&self.unit_mean),
            "unit_std": nums(&self.unit_std),
            "response_mean": nums(&self.response_mean),
            "response_std": nums(&self.response_std),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_folds": self.n_folds,
            "unpolished_solutions": self.unpolished,
        })
    }
}
