//! A neuron's linear readout of a model's latent units, from a `lasso-ve` result: the
//! standardised coefficients and the standardisation (docs/METHODS.md §1.2, §1.7), so that for
//! raw latent means z(x)
//!
//! - the contribution vector is c_d(x) = w_dj · (z_d(x) − m_d) / s_d (zero for a unit the Lasso
//!   did not use, or one with s_d = 0);
//! - the prediction, in the neuron's own units, is r̂_j(x) = μ_j + σ_j · (b_j + Σ_d c_d(x)).

use flow_engine::StageError;
use serde_json::Value;

use crate::matrix::{field, json_matrix, json_vec};

/// Every neuron's readout of the latent units.
#[derive(Clone, Debug)]
pub struct Readout {
    /// `coef[d][j]`: the standardised weight of unit d for neuron j.
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
    unit_mean: Vec<f64>,
    unit_std: Vec<f64>,
    response_mean: Vec<f64>,
    response_std: Vec<f64>,
    /// Variance explained on the test images, per neuron (for choosing the best neurons).
    pub ve: Vec<f64>,
}

impl Readout {
    /// Reads a `lasso-ve` result arriving on `port`, checking every length.
    pub fn from_lasso(result: &Value, port: &str) -> Result<Readout, StageError> {
        let vec = |name: &str| json_vec(field(result, name, port)?, name, port);
        let missing_standardisation = |e: StageError| match e {
            StageError::Input { .. } => StageError::input(
                port,
                "has no standardisation (`unit_mean`, `unit_std`, `response_mean`, `response_std`): \
                 it is not a `lasso-ve` result, or one from flow before lasso-ve version 2",
            ),
            other => other,
        };
        let coef = json_matrix(field(result, "coef", port)?, "coef", port)?;
        let (units, neurons) = (coef.nrows(), coef.ncols());
        let readout = Readout {
            coef: (0..units)
                .map(|d| (0..neurons).map(|j| coef[(d, j)]).collect())
                .collect(),
            intercept: vec("intercept")?,
            unit_mean: vec("unit_mean").map_err(missing_standardisation)?,
            unit_std: vec("unit_std").map_err(missing_standardisation)?,
            response_mean: vec("response_mean").map_err(missing_standardisation)?,
            response_std: vec("response_std").map_err(missing_standardisation)?,
            ve: vec("ve")?,
        };
        for (name, len, want, what) in [
            ("intercept", readout.intercept.len(), neurons, "neurons"),
            ("ve", readout.ve.len(), neurons, "neurons"),
            (
                "response_mean",
                readout.response_mean.len(),
                neurons,
                "neurons",
            ),
            (
                "response_std",
                readout.response_std.len(),
                neurons,
                "neurons",
            ),
            ("unit_mean", readout.unit_mean.len(), units, "units"),
            ("unit_std", readout.unit_std.len(), units, "units"),
        ] {
            if len != want {
                return Err(StageError::input(
                    port,
                    format!("`{name}` has {len} entries but `coef` has {want} {what}"),
                ));
            }
        }
        Ok(readout)
    }

    /// A readout from its parts (tests and hand-made cases): `coef[d][j]`.
    pub fn new(
        coef: Vec<Vec<f64>>,
        intercept: Vec<f64>,
        unit_mean: Vec<f64>,
        unit_std: Vec<f64>,
    ) -> Readout {
        let neurons = intercept.len();
        Readout {
            coef,
            intercept,
            unit_mean,
            unit_std,
            response_mean: vec![0.0; neurons],
            response_std: vec![1.0; neurons],
            ve: vec![f64::NAN; neurons],
        }
    }

    pub fn units(&self) -> usize {
        self.coef.len()
    }

    pub fn neurons(&self) -> usize {
        self.intercept.len()
    }

    /// The standardised coefficient w_dj.
    pub fn coef(&self, d: usize, j: usize) -> f64 {
        self.coef[d][j]
    }

    /// 1 / s_d, the factor from a raw unit to its standardised value (0 for a constant unit).
    pub fn inverse_std(&self, d: usize) -> f64 {
        let s = self.unit_std[d];
        if s > 0.0 { 1.0 / s } else { 0.0 }
    }

    /// The weight on raw unit d of neuron j's standardised prediction: w_dj / s_d (0 where the
    /// unit is unused).
    pub fn raw_weight(&self, d: usize, j: usize) -> f64 {
        let (w, s) = (self.coef[d][j], self.unit_std[d]);
        if w == 0.0 || s.is_nan() || s <= 0.0 {
            0.0
        } else {
            w / s
        }
    }

    /// c(x) for neuron j and raw latent means `z` (one image).
    pub fn contributions(&self, j: usize, z: &[f32]) -> Vec<f64> {
        (0..self.units())
            .map(|d| self.raw_weight(d, j) * (z[d] as f64 - self.unit_mean[d]))
            .collect()
    }

    /// r̂_j(x) in the neuron's own units.
    pub fn predict(&self, j: usize, z: &[f32]) -> f64 {
        let standardised = self.intercept[j] + self.contributions(j, z).iter().sum::<f64>();
        self.response_mean[j] + self.response_std[j] * standardised
    }
}
