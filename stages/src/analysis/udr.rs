//! `udr`: the Unsupervised Disentanglement Ranking, Spearman version (Duan et al. 2020), over the
//! models of one hyper-parameter setting.
//!
//! Paper: Online methods, "Unsupervised Disentanglement Ranking (UDR) score" (eq. 8) and "Model
//! selection based on training performance". Exact semantics: docs/METHODS.md §3. Three variants:
//!
//! - `library` (primary; disentanglement_lib's `compute_udr_sklearn` with
//!   `correlation_matrix="spearman"`, `filter_low_kl=True`):
//!   1. R = |Spearman| between every latent of model i (rows) and of model j (columns), ranks
//!      averaged over ties, NaN for a constant latent;
//!   2. keep the rows with kl_i > `kl_threshold` and the columns with kl_j > `kl_threshold`;
//!   3. pairwise = ½[mean over columns of max_col²/sum_col + mean over rows of max_row²/sum_row],
//!      a max or sum over a NaN is NaN (numpy), and a NaN term (0/0 included) counts as 0;
//!   4. model score = median over j ≠ i (mean of the two middle values when even).
//! - `paper_filtered`: the same filtered R and terms, pooled as in eq. 8:
//!   (Σ_columns + Σ_rows) / (d_i + d_j), d = number of informative latents.
//! - `paper_literal`: R on all latents with NaN → 0, maxima and sums over all latents, only the
//!   summed terms restricted to informative latents, pooled by 1/(d_i + d_j), 0/0 terms → 0.
//!
//! Null rules (no silent skipping): for `library` and `paper_filtered` a pair where either model
//! has no informative latent is null (the filtered matrix has no rows or no columns); for
//! `paper_literal` a pair is null when neither model has one (d_i + d_j = 0). A model with any
//! null pair has a null score, and so does a model without partners. The pairwise matrix is
//! symmetric with a null diagonal.
//!
//! Inputs: `latents`, gathered, one images × latents table per model (same images: rows are
//! matched by `image_id` to the first model's when every table has one, else by position);
//! `kl`, gathered in the same order, one per-latent mean-KL vector per model (a one-column table,
//! or a column named `kl`), or a single models × latents table.
//!
//! Output `result` (JSON): `informative` (models × latents), `library`, `paper_filtered`,
//! `paper_literal` (each `{pairwise, model_scores}`), `n_models`, and `models` (the upstream
//! node and sweep coordinates of each model's latents, for selection and statistics).

use faer::Mat;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, PortSpec, RunContext,
    StageError, StageKind,
};
use serde_json::{Value, json};

use crate::matrix::{self, Labeled};
use flow_numeric::moments::median;
use flow_numeric::spearman::{normalised_ranks, spearman_between};

/// The three variants' pairwise matrices (None = null) and model scores.
#[derive(Clone, Debug)]
pub struct UdrVariant {
    pub pairwise: Vec<Vec<Option<f64>>>,
    pub model_scores: Vec<Option<f64>>,
}

impl UdrVariant {
    fn new(m: usize) -> Self {
        UdrVariant {
            pairwise: vec![vec![None; m]; m],
            model_scores: vec![None; m],
        }
    }

    fn finish(&mut self) {
        let m = self.pairwise.len();
        for i in 0..m {
            let others: Option<Vec<f64>> = (0..m)
                .filter(|&j| j != i)
                .map(|j| self.pairwise[i][j])
                .collect();
            self.model_scores[i] = match others {
                Some(v) if !v.is_empty() => Some(median(&v)).filter(|x| !x.is_nan()),
                _ => None,
            };
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "pairwise": Value::Array(self.pairwise.iter().map(|r| matrix::opt_nums(r)).collect()),
            "model_scores": matrix::opt_nums(&self.model_scores),
        })
    }
}

#[derive(Clone, Debug)]
pub struct UdrResult {
    pub informative: Vec<Vec<bool>>,
    pub library: UdrVariant,
    pub paper_filtered: UdrVariant,
    pub paper_literal: UdrVariant,
}

/// max² / sum over the entries of one row or column, numpy-style: NaN propagates through max
/// and sum, and a NaN result (0/0 included) counts as 0.
fn relative_strength(values: impl Iterator<Item = f64>) -> f64 {
    let (mut max, mut sum, mut nan) = (f64::NEG_INFINITY, 0.0, false);
    for v in values {
        if v.is_nan() {
            nan = true;
        }
        max = max.max(v);
        sum += v;
    }
    let term = max * max / sum;
    if nan || term.is_nan() { 0.0 } else { term }
}

/// The three variants of one pair from |R| (rows: model i's latents, columns: model j's).
fn pair_scores(
    r: &Mat<f64>,
    inf_i: &[bool],
    inf_j: &[bool],
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let rows: Vec<usize> = (0..r.nrows()).filter(|&a| inf_i[a]).collect();
    let cols: Vec<usize> = (0..r.ncols()).filter(|&b| inf_j[b]).collect();
    let (di, dj) = (rows.len(), cols.len());
    let (library, filtered) = if di == 0 || dj == 0 {
        (None, None)
    } else {
        let col_terms: Vec<f64> = cols
            .iter()
            .map(|&b| relative_strength(rows.iter().map(|&a| r[(a, b)])))
            .collect();
        let row_terms: Vec<f64> = rows
            .iter()
            .map(|&a| relative_strength(cols.iter().map(|&b| r[(a, b)])))
            .collect();
        let (sc, sr) = (col_terms.iter().sum::<f64>(), row_terms.iter().sum::<f64>());
        (
            Some((sc / dj as f64 + sr / di as f64) / 2.0),
            Some((sc + sr) / (di + dj) as f64),
        )
    };
    let literal = if di + dj == 0 {
        None
    } else {
        let r0 = |a: usize, b: usize| if r[(a, b)].is_nan() { 0.0 } else { r[(a, b)] };
        let col: f64 = cols
            .iter()
            .map(|&b| relative_strength((0..r.nrows()).map(|a| r0(a, b))))
            .sum();
        let row: f64 = rows
            .iter()
            .map(|&a| relative_strength((0..r.ncols()).map(|b| r0(a, b))))
            .sum();
        Some((col + row) / (di + dj) as f64)
    };
    (library, filtered, literal)
}

/// UDR of models given their latents (images × latents, rows matched) and per-latent KL.
pub fn udr(latents: &[Mat<f64>], kl: &[Vec<f64>], kl_threshold: f64) -> UdrResult {
    let m = latents.len();
    let informative: Vec<Vec<bool>> = kl
        .iter()
        .map(|k| k.iter().map(|&v| v > kl_threshold).collect())
        .collect();
    use rayon::prelude::*;
    let ranks: Vec<Mat<f64>> = latents
        .par_iter()
        .map(|l| normalised_ranks(l.as_ref()))
        .collect();
    let (mut lib, mut fil, mut lit) = (UdrVariant::new(m), UdrVariant::new(m), UdrVariant::new(m));
    let pairs: Vec<(usize, usize)> = (0..m)
        .flat_map(|i| ((i + 1)..m).map(move |j| (i, j)))
        .collect();
    let scores: Vec<_> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let mut r = spearman_between(&ranks[i], &ranks[j]);
            for a in 0..r.nrows() {
                for b in 0..r.ncols() {
                    r[(a, b)] = r[(a, b)].abs();
                }
            }
            pair_scores(&r, &informative[i], &informative[j])
        })
        .collect();
    for (&(i, j), &(a, b, c)) in pairs.iter().zip(&scores) {
        lib.pairwise[i][j] = a;
        lib.pairwise[j][i] = a;
        fil.pairwise[i][j] = b;
        fil.pairwise[j][i] = b;
        lit.pairwise[i][j] = c;
        lit.pairwise[j][i] = c;
    }
    lib.finish();
    fil.finish();
    lit.finish();
    UdrResult {
        informative,
        library: lib,
        paper_filtered: fil,
        paper_literal: lit,
    }
}

/// The per-model KL vectors from the `kl` port (see the module doc).
fn read_kl(inputs: &Inputs, n_latents: &[usize]) -> Result<Vec<Vec<f64>>, StageError> {
    let tables = inputs.tables("kl")?;
    let m = n_latents.len();
    let kl: Vec<Vec<f64>> = if tables.len() == m {
        tables
            .iter()
            .map(|t| matrix::read_vector(t, "kl", Some("kl")).map(|(v, _)| v))
            .collect::<Result<_, _>>()?
    } else if tables.len() == 1 && m > 1 {
        let mat = matrix::read_matrix(tables[0], "kl")?;
        if mat.nrows() != m {
            return Err(StageError::input(
                "kl",
                format!(
                    "a single kl table must have one row per model ({m}), has {}",
                    mat.nrows()
                ),
            ));
        }
        (0..m)
            .map(|i| (0..mat.ncols()).map(|k| mat.data[(i, k)]).collect())
            .collect()
    } else {
        return Err(StageError::input(
            "kl",
            format!(
                "has {} tables for {m} models (give one per model, in the same order)",
                tables.len()
            ),
        ));
    };
    for (i, (k, &n)) in kl.iter().zip(n_latents).enumerate() {
        if k.len() != n {
            return Err(StageError::input(
                "kl",
                format!("model {i} has {} KL values but {n} latents", k.len()),
            ));
        }
    }
    Ok(kl)
}

/// The upstream models as JSON: node name and sweep coordinates.
pub fn model_refs(inputs: &Inputs, port: &str) -> Value {
    Value::Array(
        inputs
            .all(port)
            .iter()
            .map(|a| {
                let coords: serde_json::Map<String, Value> = a
                    .coords
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect();
                json!({ "node": a.node, "coords": coords })
            })
            .collect(),
    )
}

pub struct Udr;

/// `udr`'s params.
#[derive(Debug, Clone, serde::Deserialize)]
struct UdrParams {
    kl_threshold: f64,
}

impl StageKind for Udr {
    fn name(&self) -> &'static str {
        "udr"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Unsupervised Disentanglement Ranking (Spearman; library, paper_filtered, paper_literal) over gathered models (METHODS §3)"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "kl_threshold",
            ParamType::Float,
            ParamValue::Float(0.01),
            "a latent is informative iff its mean KL > this",
        )]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::many(
                "latents",
                ArtifactType::Table,
                "per model: latent means, images × latents (same images)",
            ),
            PortSpec::many(
                "kl",
                ArtifactType::Table,
                "per model (same order): the mean KL of each latent; or one models × latents table",
            ),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "result",
            ArtifactType::Json,
            "informative, and pairwise + model_scores of each variant",
        )]
    }

    fn threads(&self, _params: &flow_engine::Params) -> usize {
        crate::every_core()
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let tables = inputs.tables("latents")?;
        if tables.is_empty() {
            return Err(StageError::input("latents", "no models given"));
        }
        let mut models: Vec<Labeled> = Vec::with_capacity(tables.len());
        for (i, t) in tables.iter().enumerate() {
            let m = matrix::read_matrix(t, "latents").map_err(|e| match e {
                StageError::Input { port, message } => {
                    StageError::input(&port, format!("model {i}: {message}"))
                }
                other => other,
            })?;
            let m = match models.first() {
                None => m,
                Some(first) => {
                    if m.nrows() != first.nrows() {
                        return Err(StageError::input(
                            "latents",
                            format!(
                                "model {i} has {} images but model 0 has {}",
                                m.nrows(),
                                first.nrows()
                            ),
                        ));
                    }
                    matrix::align_to("latents", first, "latents", &m)?
                }
            };
            models.push(m);
        }
        let n_latents: Vec<usize> = models.iter().map(Labeled::ncols).collect();
        let kl = read_kl(inputs, &n_latents)?;
        let latents: Vec<Mat<f64>> = models.into_iter().map(|m| m.data).collect();
        let p: UdrParams = ctx.params().parse()?;
        let r = udr(&latents, &kl, p.kl_threshold);
        Ok(Outputs::new().json(
            "result",
            json!({
                "n_models": latents.len(),
                "informative": Value::Array(r.informative.iter().map(|v| matrix::bools(v)).collect()),
                "library": r.library.to_json(),
                "paper_filtered": r.paper_filtered.to_json(),
                "paper_literal": r.paper_literal.to_json(),
                "models": model_refs(inputs, "latents"),
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_numeric::rng::Rng;

    fn random_latents(n: usize, l: usize, seed: u64) -> Mat<f64> {
        let mut d = Rng::seeded(seed);
        Mat::from_fn(n, l, |_, _| d.normal())
    }

    /// A full 3-level factorial design: `k` latents over 3^k images whose ranks are exactly
    /// uncorrelated (so that a matched latent is the only non-zero entry of its row of R).
    fn factorial(k: usize) -> Mat<f64> {
        let n = 3usize.pow(k as u32);
        Mat::from_fn(n, k, |i, j| ((i / 3usize.pow(j as u32)) % 3) as f64 - 1.0)
    }

    #[test]
    fn permuted_and_sign_flipped_latents_score_one() {
        // Property: for many permutations, sign flips and monotone warps, UDR = 1 in every variant.
        let base = factorial(5);
        let mut d = Rng::seeded(11);
        for _ in 0..20 {
            let perm = d.sample_without_replacement(5, 5);
            let flips: Vec<bool> = (0..5).map(|_| d.uniform() < 0.5).collect();
            let other = Mat::from_fn(base.nrows(), 5, |i, k| {
                let x = base[(i, perm[k])];
                let warped = x.powi(3) * 2.0 + 0.5 * x + 1.0; // strictly increasing
                if flips[k] { -warped } else { warped }
            });
            let r = udr(&[base.clone(), other], &[vec![1.0; 5], vec![1.0; 5]], 0.01);
            for v in [&r.library, &r.paper_filtered, &r.paper_literal] {
                assert!(
                    (v.model_scores[0].unwrap() - 1.0).abs() < 1e-12,
                    "{:?}",
                    v.model_scores
                );
                assert!((v.pairwise[1][0].unwrap() - 1.0).abs() < 1e-12);
                assert_eq!(v.pairwise[0][0], None);
            }
        }
    }

    #[test]
    fn random_latents_permuted_score_as_the_model_with_itself() {
        let base = random_latents(200, 6, 1);
        let perm = [3, 0, 5, 1, 4, 2];
        let other = Mat::from_fn(200, 6, |i, k| {
            if k % 2 == 0 {
                -base[(i, perm[k])]
            } else {
                base[(i, perm[k])] * 3.0 + 1.0
            }
        });
        let kl = vec![vec![1.0; 6]; 2];
        let with_other = udr(&[base.clone(), other], &kl, 0.01);
        let with_self = udr(&[base.clone(), base], &kl, 0.01);
        let (a, b) = (
            with_other.library.pairwise[0][1].unwrap(),
            with_self.library.pairwise[0][1].unwrap(),
        );
        assert!((a - b).abs() < 1e-12 && a > 0.7 && a < 1.0, "{a} vs {b}");
    }

    #[rustfmt::skip]
    const REPS: [[[f64; 4]; 12]; 3] = [[[2.0, 3.0, 0.0, 3.0], [1.0, 2.0, 2.0, 1.0], [3.0, 0.0, 1.0, 1.0], [2.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 3.0], [0.0, 2.0, 3.0, 0.0], [1.0, 1.0, 1.0, 3.0], [0.0, 3.0, 3.0, 3.0], [0.0, 1.0, 2.0, 1.0], [2.0, 2.0, 2.0, 0.0], [3.0, 2.0, 3.0, 1.0], [1.0, 3.0, 0.0, 0.0]], [[1.0, 2.0, 2.0, 3.0], [1.0, 0.0, 2.0, 3.0], [3.0, 3.0, 2.0, 0.0], [3.0, 2.0, 2.0, 0.0], [0.0, 2.0, 2.0, 1.0], [3.0, 0.0, 2.0, 1.0], [1.0, 3.0, 2.0, 1.0], [0.0, 0.0, 2.0, 2.0], [2.0, 1.0, 2.0, 3.0], [3.0, 0.0, 2.0, 1.0], [0.0, 3.0, 2.0, 2.0], [1.0, 2.0, 2.0, 0.0]], [[3.0, 0.0, 1.0, 3.0], [3.0, 0.0, 3.0, 3.0], [1.0, 1.0, 3.0, 3.0], [2.0, 1.0, 0.0, 3.0], [1.0, 2.0, 2.0, 0.0], [1.0, 2.0, 0.0, 2.0], [3.0, 2.0, 2.0, 1.0], [3.0, 0.0, 1.0, 2.0], [2.0, 0.0, 0.0, 2.0], [3.0, 2.0, 3.0, 1.0], [1.0, 3.0, 0.0, 0.0], [0.0, 1.0, 0.0, 3.0]]];
    #[test]
    fn ties_and_a_constant_informative_latent_match_the_python_reference() {
        // Integer latents (many ties), model 1's latent 2 constant but informative (NaN
        // correlations), different numbers of informative latents per model. Expected values:
        // bench/analysis_crosscheck.py's `udr_ref` (scipy spearmanr + disentanglement_lib's
        // formula), numpy 2.4 / scipy 1.17.
        let reps: [[[f64; 4]; 12]; 3] = REPS;
        let latents: Vec<Mat<f64>> = reps
            .iter()
            .map(|m| Mat::from_fn(12, 4, |i, k| m[i][k]))
            .collect();
        let kl = vec![
            vec![1.0, 1.0, 1.0, 0.001],
            vec![1.0; 4],
            vec![0.5, 0.002, 1.0, 1.0],
        ];
        let r = udr(&latents, &kl, 0.01);
        let want = [
            (
                &r.library,
                [
                    0.06415272063200433,
                    0.14135011869300068,
                    0.12505677068738597,
                ],
                [
                    0.10275141966250251,
                    0.09460474565969515,
                    0.13320344469019332,
                ],
            ),
            (
                &r.paper_filtered,
                [0.07331739500800495, 0.1413501186930007, 0.14292202364272683],
                [
                    0.10733375685050281,
                    0.10811970932536588,
                    0.14213607116786375,
                ],
            ),
            (
                &r.paper_literal,
                [0.1965250559007322, 0.13348809136099693, 0.1919382167153631],
                [0.16500657363086457, 0.19423163630804763, 0.16271315403818],
            ),
        ];
        for (v, pairs, scores) in want {
            for (&(i, j), &p) in [(0, 1), (0, 2), (1, 2)].iter().zip(&pairs) {
                assert!(
                    (v.pairwise[i][j].unwrap() - p).abs() < 1e-14,
                    "({i},{j}): {:?} vs {p}",
                    v.pairwise[i][j]
                );
                assert_eq!(v.pairwise[i][j], v.pairwise[j][i]);
            }
            for (m, &s) in scores.iter().enumerate() {
                assert!((v.model_scores[m].unwrap() - s).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn null_rules_and_constant_latents() {
        let a = random_latents(50, 3, 2);
        let mut b = random_latents(50, 3, 3);
        for i in 0..50 {
            b[(i, 2)] = 7.0; // a constant latent: NaN correlations
        }
        let c = random_latents(50, 3, 4);
        // Model 2 has no informative latent.
        let r = udr(
            &[a, b, c],
            &[vec![1.0; 3], vec![1.0; 3], vec![0.0; 3]],
            0.01,
        );
        assert_eq!(r.library.pairwise[0][2], None);
        assert_eq!(r.library.model_scores[0], None);
        assert_eq!(r.library.model_scores[2], None);
        assert!(r.paper_literal.pairwise[0][2].is_some());
        assert!(r.library.pairwise[0][1].unwrap().is_finite());
        // A NaN column/row contributes 0: pair (0, 1) with the constant latent informative.
        let lib = r.library.pairwise[0][1].unwrap();
        assert!(lib < 1.0);
    }
}
