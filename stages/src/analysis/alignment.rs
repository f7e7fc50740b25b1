//! `alignment`: the alignment score, DCI completeness (Eastwood & Williams 2018) of a weight
//! matrix from model units to neurons.
//!
//! Paper: Online methods, "Alignment score" (eqs. 4–7). Exact semantics: docs/METHODS.md §2:
//! R[d, j] = |coef[d, j]|; p_dj = R_dj / Σ_d R_dj; H_j = −Σ_d p_dj log_D p_dj (0·log 0 = 0);
//! ρ_j = Σ_d R_dj / Σ_dj R_dj; C_j = ρ_j (1 − H_j); alignment = Σ_j C_j.
//!
//! - The weights come from a `lasso-ve` result (port `lasso`: its `coef` and `informative`) or
//!   from a table (port `weights`, units × neurons); exactly one of the two.
//! - `entropy_units = "all"` (default): D = all units, zeroed ones included; `"informative"`: R
//!   restricted to the informative rows (from the `informative` port if connected, else the
//!   `lasso` result's; with `weights` and no mask, every unit) and D = their count. D = 1 → H = 0.
//! - A neuron with all-zero weights: C_j = 0, ρ_j = 0, H_j = null. All weights zero: alignment 0
//!   (and every ρ_j = 0: a zero share, where the formula would give 0/0).
//! - The paper's artificial-mixture variant (no zeroing, 3-fold CV) is a property of the
//!   `lasso-ve` node feeding this one (`zero_uninformative = false`, a 3-fold split).
//!
//! Output `result` (JSON): `alignment`, `C_j`, `H_j`, `rho_j`, `D`.

use faer::Mat;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::json;

use crate::matrix;

/// Which units count for the entropy base D (the `entropy_units` param: `"all"` or
/// `"informative"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntropyUnits {
    All,
    Informative,
}

/// METHODS §2's outputs.
#[derive(Clone, Debug)]
pub struct AlignmentResult {
    pub alignment: f64,
    pub c: Vec<f64>,
    pub h: Vec<Option<f64>>,
    pub rho: Vec<f64>,
    pub d: usize,
}

impl AlignmentResult {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "alignment": matrix::num(self.alignment),
            "C_j": matrix::nums(&self.c),
            "H_j": matrix::opt_nums(&self.h),
            "rho_j": matrix::nums(&self.rho),
            "D": self.d,
        })
    }
}

/// Alignment of `coef` (units × neurons). `informative` selects the rows when `entropy_units`
/// is `Informative` (None: every unit).
pub fn alignment(
    coef: &Mat<f64>,
    informative: Option<&[bool]>,
    entropy_units: EntropyUnits,
) -> AlignmentResult {
    let rows: Vec<usize> = match (entropy_units, informative) {
        (EntropyUnits::Informative, Some(mask)) => (0..coef.nrows()).filter(|&d| mask[d]).collect(),
        _ => (0..coef.nrows()).collect(),
    };
    let d = rows.len();
    let q = coef.ncols();
    let col_sums: Vec<f64> = (0..q)
        .map(|j| rows.iter().map(|&r| coef[(r, j)].abs()).sum())
        .collect();
    let total: f64 = col_sums.iter().sum();
    let log_d = (d as f64).ln();
    let mut c = vec![0.0; q];
    let mut h = vec![None; q];
    let mut rho = vec![0.0; q];
    for j in 0..q {
        if col_sums[j] <= 0.0 {
            continue;
        }
        let hj = if d <= 1 {
            0.0
        } else {
            let mut s = 0.0;
            for &r in &rows {
                let pdj = coef[(r, j)].abs() / col_sums[j];
                if pdj > 0.0 {
                    s -= pdj * pdj.ln();
                }
            }
            s / log_d
        };
        rho[j] = col_sums[j] / total;
        h[j] = Some(hj);
        c[j] = rho[j] * (1.0 - hj);
    }
    let alignment = if total > 0.0 { c.iter().sum() } else { 0.0 };
    AlignmentResult {
        alignment,
        c,
        h,
        rho,
        d,
    }
}

pub struct Alignment;

/// `alignment`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct AlignmentParams {
    entropy_units: EntropyUnits,
}

impl StageKind for Alignment {
    fn name(&self) -> &'static str {
        "alignment"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Alignment score (DCI completeness) of a lasso-ve result or a weight matrix (METHODS §2)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "entropy_units",
            ParamType::Choice(&["all", "informative"]),
            ParamValue::Str("all".into()),
            "the entropy base D: all units (zeroed ones included) or the informative units only",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "lasso",
                ArtifactType::Json,
                "a `lasso-ve` result (its `coef` and `informative`)",
            )
            .optional(),
            PortSpec::one(
                "weights",
                ArtifactType::Table,
                "a weight matrix, units × neurons (instead of `lasso`)",
            )
            .optional(),
            PortSpec::one(
                "informative",
                ArtifactType::Table,
                "a boolean per unit (for entropy_units = \"informative\")",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "alignment, C_j, H_j, rho_j, D",
        )]
    }

    fn check(
        &self,
        _params: &flow_engine::Params,
        connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        match (
            connected.is_connected("lasso"),
            connected.is_connected("weights"),
        ) {
            (true, true) => Err(StageError::input(
                "weights",
                "give either `lasso` or `weights`, not both",
            )),
            (false, false) => Err(StageError::input(
                "lasso",
                "not connected (give `lasso` or `weights`)",
            )),
            _ => Ok(()),
        }
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: AlignmentParams = ctx.params().parse()?;
        let entropy_units = p.entropy_units;
        // `check` made sure exactly one of `lasso` and `weights` is connected.
        let (coef, mut mask) = if inputs.is_connected("lasso") {
            let v = inputs.json("lasso")?;
            let coef = matrix::json_matrix(matrix::field(v, "coef", "lasso")?, "coef", "lasso")?;
            let mask = match v.get("informative") {
                Some(m) => Some(matrix::json_bools(m, "informative", "lasso")?),
                None => None,
            };
            (coef, mask)
        } else {
            (
                matrix::read_matrix(inputs.table("weights")?, "weights")?.data,
                None,
            )
        };
        if coef.ncols() == 0 || coef.nrows() == 0 {
            return Err(StageError::input(
                if inputs.is_connected("lasso") {
                    "lasso"
                } else {
                    "weights"
                },
                "the weight matrix is empty",
            ));
        }
        if let Some((i, j)) = (0..coef.nrows())
            .flat_map(|i| (0..coef.ncols()).map(move |j| (i, j)))
            .find(|&(i, j)| !coef[(i, j)].is_finite())
        {
            return Err(StageError::input(
                if inputs.is_connected("lasso") {
                    "lasso"
                } else {
                    "weights"
                },
                format!("weight [{i}, {j}] is not a finite number"),
            ));
        }
        if inputs.is_connected("informative") {
            mask = Some(matrix::read_mask(
                inputs.table("informative")?,
                "informative",
                coef.nrows(),
            )?);
        }
        if let Some(m) = &mask
            && m.len() != coef.nrows()
        {
            return Err(StageError::input(
                "lasso",
                format!(
                    "`informative` has {} entries but `coef` has {} rows",
                    m.len(),
                    coef.nrows()
                ),
            ));
        }
        let result = alignment(&coef, mask.as_deref(), entropy_units);
        Ok(Outputs::new().json("result", result.to_json()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_case() {
        let w = Mat::from_fn(4, 3, |i, j| {
            [
                [2.0, 1.0, 0.0],
                [0.0, -1.0, 0.0],
                [0.0, 1.0, 0.0],
                [0.0, 1.0, 0.0],
            ][i][j]
        });
        let r = alignment(&w, None, EntropyUnits::All);
        assert!((r.alignment - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(r.h[2], None);
        assert!((r.h[1].unwrap() - 1.0).abs() < 1e-15);
        assert_eq!(r.d, 4);
    }

    #[test]
    fn one_nonzero_weight_per_neuron_has_alignment_one() {
        // A property: any matrix with exactly one non-zero weight per column.
        let mut s = 12345u64;
        for trial in 0..50 {
            let (p, q) = (2 + trial % 7, 1 + trial % 11);
            let mut w = Mat::<f64>::zeros(p, q);
            for j in 0..q {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let unit = (s >> 33) as usize % p;
                let mag = 1e-3 + ((s >> 11) % 1000) as f64;
                w[(unit, j)] = if s & 1 == 0 { mag } else { -mag };
            }
            for eu in [EntropyUnits::All, EntropyUnits::Informative] {
                let r = alignment(&w, None, eu);
                assert!((r.alignment - 1.0).abs() < 1e-12, "{}", r.alignment);
            }
        }
    }

    #[test]
    fn all_zero_and_informative_base() {
        let r = alignment(&Mat::<f64>::zeros(3, 2), None, EntropyUnits::All);
        assert_eq!(r.alignment, 0.0);
        assert_eq!(r.h, vec![None, None]);
        // Two informative rows: weights spread evenly over them have H = 1 with D = 2.
        let w = Mat::from_fn(3, 1, |i, _| if i < 2 { 1.0 } else { 0.0 });
        let r = alignment(&w, Some(&[true, true, false]), EntropyUnits::Informative);
        assert_eq!(r.d, 2);
        assert!((r.h[0].unwrap() - 1.0).abs() < 1e-15);
        let r = alignment(&w, Some(&[true, false, false]), EntropyUnits::Informative);
        assert_eq!((r.d, r.h[0]), (1, Some(0.0)));
    }
}
