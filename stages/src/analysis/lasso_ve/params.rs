//! The parameters of `lasso-ve` (shared with `neuron-subsets`): their declaration, reading and
//! checks.

use flow_engine::{ParamSpec, ParamType, ParamValue, Params, StageError};

/// Which images give the standardising mean and std.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standardize {
    All,
    Train,
}

/// The parameters of the Lasso VE computation.
#[derive(Clone, Debug)]
pub struct LassoParams {
    pub var_threshold: f64,
    pub standardize: Standardize,
    pub n_alphas: usize,
    pub eps: f64,
    pub se_ddof: usize,
    pub zero_uninformative: bool,
}

impl Default for LassoParams {
    fn default() -> Self {
        LassoParams {
            var_threshold: 0.01,
            standardize: Standardize::All,
            n_alphas: 100,
            eps: 1e-3,
            se_ddof: 1,
            zero_uninformative: true,
        }
    }
}

impl LassoParams {
    pub fn from_params(p: &Params) -> Result<Self, StageError> {
        Ok(LassoParams {
            var_threshold: p.f64("var_threshold")?,
            standardize: if p.str("standardize")? == "train" {
                Standardize::Train
            } else {
                Standardize::All
            },
            n_alphas: p.usize("n_alphas")?,
            eps: p.f64("eps")?,
            se_ddof: p.usize("se_ddof")?,
            zero_uninformative: p.bool("zero_uninformative")?,
        })
    }

    /// The declared params (shared with `neuron-subsets`).
    pub fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default(
                "var_threshold",
                ParamType::Float,
                ParamValue::Float(0.01),
                "a unit is informative iff the variance (ddof 0) of its raw activations over all images is ≥ this",
            ),
            ParamSpec::with_default(
                "standardize",
                ParamType::Choice(&["all", "train"]),
                ParamValue::Str("all".into()),
                "z-score units and responses with the mean/std of all images or of the training images",
            ),
            ParamSpec::with_default(
                "n_alphas",
                ParamType::Int,
                ParamValue::Int(100),
                "number of penalties on the Lasso path",
            ),
            ParamSpec::with_default(
                "eps",
                ParamType::Float,
                ParamValue::Float(1e-3),
                "smallest penalty as a fraction of α_max",
            ),
            ParamSpec::with_default(
                "se_ddof",
                ParamType::Int,
                ParamValue::Int(1),
                "cv_se = std(fold MSEs, ddof = se_ddof) / √K",
            ),
            ParamSpec::with_default(
                "zero_uninformative",
                ParamType::Bool,
                ParamValue::Bool(true),
                "zero the uninformative units (false: the paper's artificial-mixture variant, every unit enters)",
            ),
        ]
    }

    pub fn check(p: &Params) -> Result<(), StageError> {
        if p.i64("n_alphas")? < 1 {
            return Err(StageError::param("n_alphas", "must be ≥ 1"));
        }
        let eps = p.f64("eps")?;
        if !(eps > 0.0 && eps <= 1.0) {
            return Err(StageError::param("eps", "must be in (0, 1]"));
        }
        if p.f64("var_threshold")? < 0.0 {
            return Err(StageError::param("var_threshold", "must be ≥ 0"));
        }
        if p.i64("se_ddof")? < 0 {
            return Err(StageError::param("se_ddof", "must be ≥ 0"));
        }
        Ok(())
    }
}
