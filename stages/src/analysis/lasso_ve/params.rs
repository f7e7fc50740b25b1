//! The parameters of `lasso-ve` (shared with `neuron-subsets`): their declaration, reading and
//! checks.

use flow_engine::{ParamSpec, ParamType, ParamValue, Params, StageError};

/// Which images give the standardising mean and std.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// The params as written (types checked by the engine, values not yet): what `check` judges
/// and `from_params` converts. Other kinds' params in the same set (`neuron-subsets`) are
/// ignored.
#[derive(serde::Deserialize)]
struct Written {
    var_threshold: f64,
    standardize: Standardize,
    n_alphas: i64,
    eps: f64,
    se_ddof: i64,
    zero_uninformative: bool,
}

impl LassoParams {
    /// The checked params (`check` has passed).
    pub fn from_params(p: &Params) -> Result<Self, StageError> {
        let w: Written = p.parse()?;
        let count = |name: &str, v: i64| {
            usize::try_from(v).map_err(|_| StageError::param(name, format!("must be ≥ 0, got {v}")))
        };
        Ok(LassoParams {
            var_threshold: w.var_threshold,
            standardize: w.standardize,
            n_alphas: count("n_alphas", w.n_alphas)?,
            eps: w.eps,
            se_ddof: count("se_ddof", w.se_ddof)?,
            zero_uninformative: w.zero_uninformative,
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
        let w: Written = p.parse()?;
        if w.n_alphas < 1 {
            return Err(StageError::param("n_alphas", "must be ≥ 1"));
        }
        if !(w.eps > 0.0 && w.eps <= 1.0) {
            return Err(StageError::param("eps", "must be in (0, 1]"));
        }
        if w.var_threshold < 0.0 {
            return Err(StageError::param("var_threshold", "must be ≥ 0"));
        }
        if w.se_ddof < 0 {
            return Err(StageError::param("se_ddof", "must be ≥ 0"));
        }
        Ok(())
    }
}
