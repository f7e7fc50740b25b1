//! `welch`: the two-sided Welch t-test of two samples.
//!
//! Paper: Online methods, "Statistical tests" ("a two-tailed Welch's t-test for all pairwise
//! model comparisons"). Exact semantics: docs/METHODS.md §7:
//! t = (mean_a − mean_b)/√(v_a + v_b) with v = s²/n (s with ddof 1);
//! Welch–Satterthwaite df = (v_a + v_b)² / (v_a²/(n_a − 1) + v_b²/(n_b − 1));
//! p two-sided from Student's t with df degrees of freedom, accurate in the far tail
//! ([`flow_numeric::student_t`]).
//!
//! Each sample needs at least 2 values. When both samples are constant t, df and p are null
//! (0/0; scipy gives NaN too). Inside `stats` the same function compares model classes.
//!
//! Output `result` (JSON): `t`, `p`, `df`, `mean_a`, `mean_b`, `n_a`, `n_b`.

use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, PortSpec, RunContext, StageError, StageKind,
};
use serde_json::json;

use crate::matrix;
use flow_numeric::moments::{mean, variance};
use flow_numeric::student_t::two_sided_p;

/// METHODS §7's outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Welch {
    pub t: f64,
    pub p: f64,
    pub df: f64,
    pub mean_a: f64,
    pub mean_b: f64,
    pub n_a: usize,
    pub n_b: usize,
}

impl Welch {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "t": matrix::num(self.t),
            "p": matrix::num(self.p),
            "df": matrix::num(self.df),
            "mean_a": matrix::num(self.mean_a),
            "mean_b": matrix::num(self.mean_b),
            "n_a": self.n_a,
            "n_b": self.n_b,
        })
    }
}

/// Welch's test of `a` against `b` (each with ≥ 2 values; not checked here: NaN results).
pub fn welch(a: &[f64], b: &[f64]) -> Welch {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (ma, mb) = (mean(a), mean(b));
    let va = variance(a, 1) / na;
    let vb = variance(b, 1) / nb;
    let se2 = va + vb;
    let t = (ma - mb) / se2.sqrt();
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let p = if se2 > 0.0 {
        two_sided_p(t, df)
    } else {
        f64::NAN
    };
    let (t, df) = if se2 > 0.0 {
        (t, df)
    } else {
        (f64::NAN, f64::NAN)
    };
    Welch {
        t,
        p,
        df,
        mean_a: ma,
        mean_b: mb,
        n_a: a.len(),
        n_b: b.len(),
    }
}

pub struct WelchTest;

impl StageKind for WelchTest {
    fn name(&self) -> &'static str {
        "welch"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Two-sided Welch t-test of two samples (METHODS §7)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "a",
                ArtifactType::Table,
                "the first sample (a one-column table or 1-D NPY)",
            ),
            PortSpec::one("b", ArtifactType::Table, "the second sample"),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "t, p, df, mean_a, mean_b, n_a, n_b",
        )]
    }

    fn run(&self, inputs: &Inputs, _ctx: &RunContext) -> Result<Outputs, StageError> {
        let (a, _) = matrix::read_vector(inputs.table("a")?, "a", None)?;
        let (b, _) = matrix::read_vector(inputs.table("b")?, "b", None)?;
        for (port, x) in [("a", &a), ("b", &b)] {
            if x.len() < 2 {
                return Err(StageError::input(
                    port,
                    format!(
                        "has {} value(s); a Welch test needs at least 2 per sample",
                        x.len()
                    ),
                ));
            }
        }
        Ok(Outputs::new().json("result", welch(&a, &b).to_json()))
    }
}
