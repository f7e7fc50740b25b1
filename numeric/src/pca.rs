//! Principal component analysis, exactly: the top k principal axes of a data matrix, computed
//! once for every k ≤ `max_components` (a sweep over N = 10 … 50 needs one decomposition, not 41).
//!
//! With X the n × p data, centred by its column means (X_c), the principal axes are the right
//! singular vectors of X_c. They are found from the eigendecomposition of the smaller Gram
//! matrix: X_c X_cᵀ (n × n) when n ≤ p, then v_i = X_cᵀ u_i / σ_i; else X_cᵀ X_c (p × p). Both
//! are exact up to rounding (relative error of order ε·σ₁²/σ_i² in the axis of σ_i, far below
//! 1e-10 for the leading components of real data). Only the top k eigenpairs are computed, by
//! Lanczos with a certificate that they are the top k (`lanczos`; the full decomposition when
//! the certificate fails); the eigensolvers run sequentially so the result does not depend on
//! the thread count.
//!
//! Conventions (scikit-learn's `PCA`, ≥ 1.5, so numbers compare one to one):
//! - the sign of each axis makes its entry of largest magnitude positive (`svd_flip` with
//!   `u_based_decision=False`; the first such entry on a tie);
//! - explained variance σ_i² / (n − 1); ratio σ_i² / ‖X_c‖²_F;
//! - scores of a row x: (x − mean) · v_i.

use dyn_stack::{MemBuffer, MemStack};
use faer::diag::Diag;
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// The fitted principal axes of a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// Column means of the fitted data (p).
    pub mean: Vec<f64>,
    /// The axes, one per row (k × p), in order of decreasing variance.
    pub components: Mat<f64>,
    /// σ_1 ≥ … ≥ σ_k, the singular values of the centred data.
    pub singular_values: Vec<f64>,
    /// ‖X_c‖²_F, the total squared deviation (for explained-variance ratios).
    pub total_squares: f64,
    /// The number of rows fitted.
    pub n_samples: usize,
}

/// Why a decomposition could not be made.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum PcaError {
    #[error("{k} components asked of {n} samples × {p} features (at most min(n, p) = {max})", max = (*n).min(*p))]
    TooMany { k: usize, n: usize, p: usize },
    #[error("the data have only {rank} directions of nonzero variance, {k} components asked")]
    RankDeficient { rank: usize, k: usize },
    #[error("the eigensolver did not converge")]
    NoConvergence,
}

impl Pca {
    /// The top `k` principal axes of the rows of `x` (`par`: parallelism of the Gram product).
    pub fn fit(x: MatRef<'_, f64>, k: usize, par: Par) -> Result<Pca, PcaError> {
        let (n, p) = (x.nrows(), x.ncols());
        if k == 0 || k > n.min(p) {
            return Err(PcaError::TooMany { k, n, p });
        }
        let mean: Vec<f64> = (0..p)
            .map(|j| x.col(j).iter().sum::<f64>() / n as f64)
            .collect();
        let centred = Mat::from_fn(n, p, |i, j| x[(i, j)] - mean[j]);
        let total_squares: f64 = (0..p)
            .map(|j| centred.col(j).iter().map(|v| v * v).sum::<f64>())
            .sum();
        // The smaller Gram matrix: X_c X_cᵀ (n × n) when n ≤ p, else X_cᵀ X_c (p × p).
        let by_rows = n <= p;
        let side = if by_rows {
            centred.as_ref()
        } else {
            centred.transpose()
        };
        let dim = side.nrows();
        let mut gram = Mat::<f64>::zeros(dim, dim);
        matmul(
            gram.as_mut(),
            Accum::Replace,
            side,
            side.transpose(),
            1.0,
            par,
        );
        let (values, top_vectors) = top_eigenpairs(gram.as_ref(), k, par)?;
        // Below this, an eigenvalue is rounding noise of a zero one (noise is of order
        // dim · ε · λ_max).
        let floor = values[0].max(0.0) * dim as f64 * 1e-13;
        let rank = values.iter().filter(|&&v| v > floor).count();
        if rank < k {
            return Err(PcaError::RankDeficient { rank, k });
        }
        let singular_values: Vec<f64> = values.iter().map(|v| v.sqrt()).collect();
        let mut components = Mat::<f64>::zeros(k, p);
        if by_rows {
            // v_i = X_cᵀ u_i / σ_i, all at once: (U_kᵀ X_c) with row i divided by σ_i.
            matmul(
                components.as_mut(),
                Accum::Replace,
                top_vectors.transpose(),
                centred.as_ref(),
                1.0,
                par,
            );
            for (i, sigma) in singular_values.iter().enumerate() {
                for j in 0..p {
                    components[(i, j)] /= sigma;
                }
            }
        } else {
            components = top_vectors.transpose().to_owned();
        }
        // The entry of largest magnitude of each axis is positive (the first on a tie).
        for i in 0..k {
            let mut best = 0;
            for j in 1..p {
                if components[(i, j)].abs() > components[(i, best)].abs() {
                    best = j;
                }
            }
            if components[(i, best)] < 0.0 {
                for j in 0..p {
                    components[(i, j)] = -components[(i, j)];
                }
            }
        }
        Ok(Pca {
            mean,
            components,
            singular_values,
            total_squares,
            n_samples: n,
        })
    }

    /// The number of axes kept.
    pub fn len(&self) -> usize {
        self.components.nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// σ_i² / (n − 1), scikit-learn's `explained_variance_`.
    pub fn explained_variance(&self) -> Vec<f64> {
        let dof = (self.n_samples.max(2) - 1) as f64;
        self.singular_values.iter().map(|s| s * s / dof).collect()
    }

    /// σ_i² / ‖X_c‖²_F, scikit-learn's `explained_variance_ratio_`.
    pub fn explained_variance_ratio(&self) -> Vec<f64> {
        self.singular_values
            .iter()
            .map(|s| s * s / self.total_squares)
            .collect()
    }

    /// The scores of the rows of `x` on the first `k` axes (rows × k).
    pub fn scores(&self, x: MatRef<'_, f64>, k: usize, par: Par) -> Mat<f64> {
        let k = k.min(self.len());
        project(x, &self.mean, self.components.as_ref().subrows(0, k), par)
    }
}

/// (x − mean) · axesᵀ for every row x of `x`: the scores on `axes` (one axis per row).
pub fn project(x: MatRef<'_, f64>, mean: &[f64], axes: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    let centred = Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] - mean[j]);
    let mut out = Mat::<f64>::zeros(x.nrows(), axes.nrows());
    matmul(
        out.as_mut(),
        Accum::Replace,
        centred.as_ref(),
        axes.transpose(),
        1.0,
        par,
    );
    out
}

/// The `k` largest eigenvalues of the positive semi-definite `gram` (descending) and their
/// eigenvectors: by certified Lanczos ([`lanczos`](crate::lanczos)) when it converges and passes
/// its certificate, else from the full decomposition — the same pairs either way, up to rounding.
fn top_eigenpairs(
    gram: MatRef<'_, f64>,
    k: usize,
    par: Par,
) -> Result<(Vec<f64>, Mat<f64>), PcaError> {
    if let Some(found) = crate::lanczos::top_eigenpairs(gram, k, par) {
        return Ok(found);
    }
    let (values, vectors) = eigen(gram)?;
    let dim = values.len();
    let top: Vec<usize> = (0..dim).rev().take(k).collect();
    Ok((
        top.iter().map(|&c| values[c]).collect(),
        Mat::from_fn(dim, k, |r, i| vectors[(r, top[i])]),
    ))
}

/// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, sequentially.
pub(crate) fn eigen(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>), PcaError> {
    let n = a.nrows();
    let mut u = Mat::<f64>::zeros(n, n);
    let mut s = Diag::<f64>::zeros(n);
    let mut buffer = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    self_adjoint_evd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|_| PcaError::NoConvergence)?;
    let values = s.column_vector().iter().copied().collect();
    Ok((values, u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// n × p data with a decaying spectrum: the columns of a random matrix times 1/(j + 1).
    fn data(n: usize, p: usize, seed: u64) -> Mat<f64> {
        let mut rng = Rng::seeded(seed);
        Mat::from_fn(n, p, |_, j| {
            (rng.normal() + 0.1 * j as f64) / (j as f64 + 1.0)
        })
    }

    /// The reference: faer's thin SVD of the centred data, with the same sign rule.
    fn reference(x: &Mat<f64>, k: usize) -> (Vec<f64>, Mat<f64>) {
        let (n, p) = (x.nrows(), x.ncols());
        let mean: Vec<f64> = (0..p)
            .map(|j| x.col(j).iter().sum::<f64>() / n as f64)
            .collect();
        let c = Mat::from_fn(n, p, |i, j| x[(i, j)] - mean[j]);
        let svd = c.thin_svd().unwrap();
        let s: Vec<f64> = svd.S().column_vector().iter().take(k).copied().collect();
        let mut v = Mat::from_fn(k, p, |i, j| svd.V()[(j, i)]);
        for i in 0..k {
            let best = (0..p).fold(0, |b, j| {
                if v[(i, j)].abs() > v[(i, b)].abs() {
                    j
                } else {
                    b
                }
            });
            if v[(i, best)] < 0.0 {
                for j in 0..p {
                    v[(i, j)] = -v[(i, j)];
                }
            }
        }
        (s, v)
    }

    fn assert_matches_svd(n: usize, p: usize, k: usize) {
        let x = data(n, p, 3);
        let pca = Pca::fit(x.as_ref(), k, Par::Seq).unwrap();
        let (s, v) = reference(&x, k);
        for i in 0..k {
            assert!((pca.singular_values[i] / s[i] - 1.0).abs() < 1e-10, "σ_{i}");
            for j in 0..p {
                let d = (pca.components[(i, j)] - v[(i, j)]).abs();
                assert!(d < 1e-10, "axis {i}, feature {j}: {d:e}");
            }
        }
    }

    #[test]
    fn wide_data_equal_the_svd_of_the_centred_data() {
        assert_matches_svd(30, 80, 10);
    }

    #[test]
    fn tall_data_equal_the_svd_of_the_centred_data() {
        assert_matches_svd(90, 25, 12);
    }

    #[test]
    fn each_axis_has_its_largest_entry_positive() {
        let pca = Pca::fit(data(40, 30, 9).as_ref(), 8, Par::Seq).unwrap();
        for i in 0..8 {
            let row: Vec<f64> = (0..30).map(|j| pca.components[(i, j)]).collect();
            let max = row.iter().cloned().fold(f64::MIN, f64::max);
            let min = row.iter().cloned().fold(f64::MAX, f64::min);
            assert!(max >= -min, "axis {i}");
        }
    }

    #[test]
    fn scores_reconstruct_the_data_with_every_component() {
        let x = data(12, 20, 5);
        let pca = Pca::fit(x.as_ref(), 11, Par::Seq).unwrap();
        let z = pca.scores(x.as_ref(), 11, Par::Seq);
        // 12 centred rows span at most 11 directions: all of them reconstruct X exactly.
        for r in 0..12 {
            for j in 0..20 {
                let back: f64 = pca.mean[j]
                    + (0..11)
                        .map(|i| z[(r, i)] * pca.components[(i, j)])
                        .sum::<f64>();
                assert!((back - x[(r, j)]).abs() < 1e-10);
            }
        }
        let ratio: f64 = pca.explained_variance_ratio().iter().sum();
        assert!((ratio - 1.0).abs() < 1e-12, "{ratio}");
    }

    #[test]
    fn more_components_than_directions_is_an_error() {
        let x = data(12, 20, 5);
        assert_eq!(
            Pca::fit(x.as_ref(), 12, Par::Seq),
            Err(PcaError::RankDeficient { rank: 11, k: 12 })
        );
        assert_eq!(
            Pca::fit(x.as_ref(), 21, Par::Seq),
            Err(PcaError::TooMany {
                k: 21,
                n: 12,
                p: 20
            })
        );
    }
}
