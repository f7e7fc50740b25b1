//! `mixture`: artificial neurophysiological data, the responses linearly recombined.
//!
//! Paper: Online methods, "Artificial neurophysiological data". Exact semantics:
//! docs/METHODS.md §4: Y_z = responses z-scored over all images (population std);
//! A' = |A| / colsum(|A|); mixed = Y_z · A' (mixed neuron k = Σ_j A'_jk z_j).
//!
//! - A is the `mixing` input (n_neurons × n_neurons raw draws; their absolute values are used),
//!   or, without it, n_neurons² standard normal draws from the node's seed (ChaCha8, row-major,
//!   Box–Muller; see [`flow_numeric::rng`]).
//! - A zero-variance neuron is an error naming it (it cannot be z-scored); so is an A with an
//!   all-zero column.
//!
//! Outputs: `result` (JSON: `A_normalised`, `mixed`) and `mixed` (a table, images × neurons,
//! with the responses' `image_id` column if they had one: the input of a `lasso-ve` against the
//! mixture).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, PortSpec, RunContext, StageError, StageKind,
};
use serde_json::json;

use crate::matrix::{self, Labeled};
use flow_numeric::rng::Rng;

/// `|A|` with each column divided by its sum.
pub fn normalise_mixing(a: &Mat<f64>) -> Result<Mat<f64>, StageError> {
    let mut out = Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)].abs());
    for j in 0..out.ncols() {
        let s: f64 = out.col(j).iter().sum();
        if s <= 0.0 {
            return Err(StageError::input(
                "mixing",
                format!("column {j} is all zeros"),
            ));
        }
        for x in out.col_mut(j).iter_mut() {
            *x /= s;
        }
    }
    Ok(out)
}

/// Raw N(0, 1) draws, n × n, from `seed`.
pub fn draw_mixing(n: usize, seed: u64) -> Mat<f64> {
    let mut draws = Rng::seeded(seed);
    let values: Vec<f64> = (0..n * n).map(|_| draws.normal()).collect();
    Mat::from_fn(n, n, |i, j| values[i * n + j])
}

/// The mixed responses Y_z · A' and A'.
pub fn mix(responses: &Labeled, a: &Mat<f64>) -> Result<(Mat<f64>, Mat<f64>), StageError> {
    let q = responses.ncols();
    if a.nrows() != q || a.ncols() != q {
        return Err(StageError::input(
            "mixing",
            format!(
                "is {} × {} but there are {q} neurons (it must be {q} × {q})",
                a.nrows(),
                a.ncols()
            ),
        ));
    }
    matrix::reject_constant_columns(responses, None, "responses", "neuron")?;
    let mut yz = responses.data.clone();
    matrix::zscore_columns(&mut yz, None, None);
    let an = normalise_mixing(a)?;
    let mut mixed = Mat::<f64>::zeros(yz.nrows(), q);
    matmul(
        mixed.as_mut(),
        Accum::Replace,
        yz.as_ref(),
        an.as_ref(),
        1.0,
        Par::Seq,
    );
    Ok((mixed, an))
}

pub struct Mixture;

impl StageKind for Mixture {
    fn name(&self) -> &'static str {
        "mixture"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Artificial neural data: z-scored responses times a column-normalised |N(0,1)| matrix (METHODS §4)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "responses",
                ArtifactType::Table,
                "neural responses, images × neurons",
            ),
            PortSpec::one(
                "mixing",
                ArtifactType::Table,
                "raw mixing draws, neurons × neurons (default: N(0,1) from the node's seed)",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("result", ArtifactType::Json, "A_normalised and mixed"),
            PortSpec::one(
                "mixed",
                ArtifactType::Table,
                "the mixed responses, images × neurons (for lasso-ve)",
            ),
        ]
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let responses = matrix::read_matrix(inputs.table("responses")?, "responses")?;
        let a = if inputs.is_connected("mixing") {
            matrix::read_matrix(inputs.table("mixing")?, "mixing")?.data
        } else {
            draw_mixing(responses.ncols(), ctx.seed())
        };
        let (mixed, an) = mix(&responses, &a)?;
        let table = matrix::matrix_table(&mixed, responses.ids.as_deref(), &responses.columns)?;
        Ok(Outputs::new()
            .json(
                "result",
                json!({ "A_normalised": matrix::mat_rows(&an), "mixed": matrix::mat_rows(&mixed) }),
            )
            .table("mixed", table))
    }
}
