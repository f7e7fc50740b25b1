//! The k largest eigenpairs of a symmetric positive semi-definite matrix — certified, or not at
//! all. PCA needs only the top k (≤ 50) of a 2,100 × 2,100 Gram matrix; a full
//! eigendecomposition computes all 2,100 and is most of the cost (BENCHMARKS.md).
//!
//! **Method.** Lanczos with full reorthogonalisation (every new vector is orthogonalised twice
//! against all earlier ones, so the basis stays orthonormal to rounding) from a fixed start
//! vector; every [`CHECK_EVERY`] steps the tridiagonal matrix T is diagonalised and the residual
//! bound |β_m · s_{m,i}| of each of the top k + 1 Ritz pairs compared with `tol · θ₁`. Once they
//! have converged, the Ritz vectors Y = Q S are formed and their residuals ‖A y − θ y‖ measured.
//!
//! **Certificate.** Small residuals prove each Ritz pair is (nearly) *an* eigenpair, not that they
//! are the *top k*: Lanczos from one start vector can miss an eigenvalue — a repeated one, or one
//! whose eigenvector the start vector barely touches. So the result is certified by Sylvester's
//! law of inertia: with the found pairs deflated, A' = A − Y Θ Yᵀ must have no eigenvalue above
//! σ = (θ_k + θ_{k+1}) / 2, i.e. σI − A' must be positive definite — one Cholesky factorisation
//! (n³/3 flops). If it fails, [`top_eigenpairs`] returns `None` and the caller falls back to the
//! full decomposition: the answer is the same either way, only its cost differs.
//!
//! Every step is sequential and the start vector fixed, so the bytes do not depend on the thread
//! count (the Cholesky factorisation only decides, its values are never used).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::pca::eigen;
use crate::rng::Rng;

/// How often (in Lanczos steps) convergence is checked.
const CHECK_EVERY: usize = 20;
/// Convergence: every wanted Ritz pair's residual bound at most this times θ₁.
const TOLERANCE: f64 = 1e-13;

/// The `k` largest eigenvalues of the symmetric positive semi-definite `a` (descending) and their
/// eigenvectors (as columns), or `None` when Lanczos did not converge within its step budget or
/// the result could not be certified to be the top `k` (see the module doc).
pub fn top_eigenpairs(a: MatRef<'_, f64>, k: usize, par: Par) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = a.nrows();
    // One more pair than wanted, to place σ between the k-th and the next eigenvalue.
    let wanted = k + 1;
    let budget = n.min((3 * wanted).max(wanted + 120));
    if budget < wanted + CHECK_EVERY || budget >= n {
        return None;
    }
    let mut q = Mat::<f64>::zeros(n, budget + 1);
    let mut alpha = Vec::with_capacity(budget);
    let mut beta: Vec<f64> = Vec::with_capacity(budget);
    let mut rng = Rng::seeded(0x1a2c_205e);
    let start = random_unit(n, &mut rng, q.as_ref(), 0)?;
    q.col_mut(0).copy_from(start.col(0));
    let mut w = Mat::<f64>::zeros(n, 1);
    let mut scale = 0.0f64;
    for j in 0..budget {
        matmul(
            w.as_mut(),
            Accum::Replace,
            a,
            q.col(j).as_mat(),
            1.0,
            Par::Seq,
        );
        let a_j = dot(q.col(j).as_mat(), w.as_ref());
        alpha.push(a_j);
        scale = scale.max(a_j.abs());
        orthogonalise(&mut w, q.as_ref().subcols(0, j + 1));
        let b_j = dot(w.as_ref(), w.as_ref()).sqrt();
        if b_j > 1e-10 * scale {
            beta.push(b_j);
            let next = Mat::from_fn(n, 1, |i, _| w[(i, 0)] / b_j);
            q.col_mut(j + 1).copy_from(next.col(0));
        } else {
            // An invariant subspace: continue from a fresh vector orthogonal to it.
            beta.push(0.0);
            let fresh = random_unit(n, &mut rng, q.as_ref(), j + 1)?;
            q.col_mut(j + 1).copy_from(fresh.col(0));
        }
        let m = j + 1;
        if m >= wanted + CHECK_EVERY && m % CHECK_EVERY == 0 || m == budget {
            let (theta, s) = ritz(&alpha, &beta[..m - 1])?;
            let top = theta[m - 1];
            let converged = (0..wanted).all(|i| {
                let c = m - 1 - i;
                (beta[m - 1] * s[(m - 1, c)]).abs() <= TOLERANCE * top
            });
            if converged {
                return certified(a, q.as_ref().subcols(0, m), &theta, &s, k, par);
            }
        }
    }
    None
}

/// The Ritz pairs of the k largest, if they pass the residual check and the inertia
/// certificate.
fn certified(
    a: MatRef<'_, f64>,
    basis: MatRef<'_, f64>,
    theta: &[f64],
    s: &Mat<f64>,
    k: usize,
    par: Par,
) -> Option<(Vec<f64>, Mat<f64>)> {
    let (n, m) = (a.nrows(), theta.len());
    let values: Vec<f64> = (0..k).map(|i| theta[m - 1 - i]).collect();
    let top_s = Mat::from_fn(m, k, |r, i| s[(r, m - 1 - i)]);
    let mut vectors = Mat::<f64>::zeros(n, k);
    matmul(
        vectors.as_mut(),
        Accum::Replace,
        basis,
        top_s.as_ref(),
        1.0,
        Par::Seq,
    );
    // Measured residuals.
    let mut av = Mat::<f64>::zeros(n, k);
    matmul(
        av.as_mut(),
        Accum::Replace,
        a,
        vectors.as_ref(),
        1.0,
        Par::Seq,
    );
    for i in 0..k {
        let r: f64 = (0..n)
            .map(|t| (av[(t, i)] - values[i] * vectors[(t, i)]).powi(2))
            .sum::<f64>()
            .sqrt();
        if r > 1e3 * TOLERANCE * values[0] {
            return None;
        }
    }
    // Inertia: σI − (A − Y Θ Yᵀ) positive definite ⇔ no eigenvalue of the deflated A above σ.
    let (kth, next) = (values[k - 1], theta[m - 1 - k]);
    // σ must fall strictly between the k-th and the next eigenvalue (a NaN fails too).
    if kth.partial_cmp(&next) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let sigma = 0.5 * (kth + next);
    let mut scaled = vectors.clone();
    for i in 0..k {
        for t in 0..n {
            scaled[(t, i)] *= values[i];
        }
    }
    let mut shifted = Mat::from_fn(n, n, |r, c| if r == c { sigma } else { 0.0 } - a[(r, c)]);
    matmul(
        shifted.as_mut(),
        Accum::Add,
        scaled.as_ref(),
        vectors.transpose(),
        1.0,
        par,
    );
    shifted.llt(Side::Lower).ok()?;
    Some((values, vectors))
}

/// The eigenvalues (ascending) and eigenvectors of the symmetric tridiagonal matrix with
/// diagonal `alpha` and off-diagonal `beta`.
fn ritz(alpha: &[f64], beta: &[f64]) -> Option<(Vec<f64>, Mat<f64>)> {
    let m = alpha.len();
    let t = Mat::from_fn(m, m, |r, c| {
        if r == c {
            alpha[r]
        } else if r == c + 1 {
            beta[c]
        } else if c == r + 1 {
            beta[r]
        } else {
            0.0
        }
    });
    eigen(t.as_ref()).ok()
}

/// A random unit vector orthogonal to the first `filled` columns of `q`.
fn random_unit(n: usize, rng: &mut Rng, q: MatRef<'_, f64>, filled: usize) -> Option<Mat<f64>> {
    let mut v = Mat::from_fn(n, 1, |_, _| rng.normal());
    orthogonalise(&mut v, q.subcols(0, filled));
    let norm = dot(v.as_ref(), v.as_ref()).sqrt();
    (norm > 1e-8).then(|| Mat::from_fn(n, 1, |i, _| v[(i, 0)] / norm))
}

/// `v` minus its projection on the orthonormal columns of `basis`, done twice ("twice is
/// enough" to reach orthogonality to rounding).
fn orthogonalise(v: &mut Mat<f64>, basis: MatRef<'_, f64>) {
    let mut coef = Mat::<f64>::zeros(basis.ncols(), 1);
    for _ in 0..2 {
        matmul(
            coef.as_mut(),
            Accum::Replace,
            basis.transpose(),
            v.as_ref(),
            1.0,
            Par::Seq,
        );
        matmul(v.as_mut(), Accum::Add, basis, coef.as_ref(), -1.0, Par::Seq);
    }
}

fn dot(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    (0..x.nrows()).map(|i| x[(i, 0)] * y[(i, 0)]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QΛQᵀ for a random orthogonal Q and the given spectrum.
    fn with_spectrum(values: &[f64], seed: u64) -> Mat<f64> {
        let n = values.len();
        let mut rng = Rng::seeded(seed);
        let g = Mat::from_fn(n, n, |_, _| rng.normal());
        let q = g.qr().compute_Q();
        let scaled = Mat::from_fn(n, n, |r, c| q[(r, c)] * values[c]);
        let mut a = Mat::<f64>::zeros(n, n);
        matmul(
            a.as_mut(),
            Accum::Replace,
            scaled.as_ref(),
            q.transpose(),
            1.0,
            Par::Seq,
        );
        // Exactly symmetric.
        Mat::from_fn(n, n, |r, c| 0.5 * (a[(r, c)] + a[(c, r)]))
    }

    #[test]
    fn the_top_pairs_equal_the_full_decomposition() {
        let values: Vec<f64> = (0..400)
            .map(|i| 100.0 / (1.0 + i as f64).powf(1.2))
            .collect();
        let a = with_spectrum(&values, 3);
        let k = 20;
        let (got, vectors) = top_eigenpairs(a.as_ref(), k, Par::Seq).expect("certified");
        let (all, full) = eigen(a.as_ref()).unwrap();
        for i in 0..k {
            let want = all[all.len() - 1 - i];
            assert!(
                (got[i] - want).abs() < 1e-12 * values[0],
                "λ{i}: {} vs {want}",
                got[i]
            );
            // Equal up to sign.
            let d: f64 = (0..400)
                .map(|r| vectors[(r, i)] * full[(r, all.len() - 1 - i)])
                .sum();
            assert!(
                (d.abs() - 1.0).abs() < 1e-10,
                "vector {i}: |cos| {}",
                d.abs()
            );
        }
    }

    #[test]
    fn pairs_that_miss_a_top_eigenvalue_are_not_certified() {
        // Exact eigenpairs 2 … 31 of A (the largest left out) pass every residual check; only
        // the inertia certificate can see that they are not the top ones.
        let values: Vec<f64> = (0..200).map(|i| 50.0 / (1.0 + i as f64)).collect();
        let a = with_spectrum(&values, 5);
        let (all, vectors) = eigen(a.as_ref()).unwrap();
        let n = all.len();
        let chosen: Vec<usize> = (n - 31..n - 1).collect();
        let basis = Mat::from_fn(n, chosen.len(), |r, c| vectors[(r, chosen[c])]);
        let theta: Vec<f64> = chosen.iter().map(|&c| all[c]).collect();
        let identity = Mat::from_fn(chosen.len(), chosen.len(), |r, c| f64::from(r == c));
        assert!(certified(a.as_ref(), basis.as_ref(), &theta, &identity, 5, Par::Seq).is_none());
        // The same check passes the true top pairs.
        let chosen: Vec<usize> = (n - 30..n).collect();
        let basis = Mat::from_fn(n, chosen.len(), |r, c| vectors[(r, chosen[c])]);
        let theta: Vec<f64> = chosen.iter().map(|&c| all[c]).collect();
        let (got, _) =
            certified(a.as_ref(), basis.as_ref(), &theta, &identity, 5, Par::Seq).expect("top");
        assert!((got[0] - 50.0).abs() < 1e-12, "{got:?}");
    }

    #[test]
    fn a_repeated_top_eigenvalue_is_found_twice_or_not_certified() {
        let mut values: Vec<f64> = (0..300).map(|i| 50.0 / (1.0 + i as f64)).collect();
        values[1] = values[0];
        let a = with_spectrum(&values, 5);
        if let Some((got, _)) = top_eigenpairs(a.as_ref(), 5, Par::Seq) {
            assert!((got[1] - values[0]).abs() < 1e-9, "{got:?}");
        }
    }

    #[test]
    fn the_same_matrix_gives_the_same_bytes_whatever_the_parallelism() {
        let values: Vec<f64> = (0..300).map(|i| 10.0 / (1.0 + i as f64)).collect();
        let a = with_spectrum(&values, 7);
        let one = top_eigenpairs(a.as_ref(), 10, Par::Seq).unwrap();
        let two = top_eigenpairs(a.as_ref(), 10, Par::rayon(2)).unwrap();
        assert_eq!(one.0, two.0);
        assert_eq!(one.1, two.1);
    }
}
