//! FastICA: independent components by fixed-point iteration (Hyvärinen 1999), in scikit-learn's
//! variant — `fun = "logcosh"` (G(u) = log cosh u, g = tanh), `algorithm = "parallel"` (every
//! component updated at once, then symmetrically decorrelated), whitening by the PCA of the same
//! data, and unit-variance sources.
//!
//! With X_c the centred n × p data and its top-k principal axes v_i (σ_i), the whitened data are
//! z = K x_c with K_i = √n · v_i / σ_i (k × p; each z unit-variance over the n rows). From W₀ (a
//! k × k standard-normal draw of the seed, decorrelated) the iteration is
//!
//! ```text
//!     W⁺ = E[g(W z) zᵀ] − diag(E[g′(W z)]) W,     W ← (W⁺ W⁺ᵀ)^(−1/2) W⁺
//! ```
//!
//! until max_i | |⟨w⁺_i, w_i⟩| − 1 | < tol, or `max_iter` rounds (reported, as scikit-learn warns).
//! The unmixing matrix is W K, each row scaled so its source has unit variance (ddof 0) on the
//! fitted rows and signed so its entry of largest magnitude is positive (ICA leaves signs open;
//! this makes them reproducible). The order is the algorithm's.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::pca::{Pca, PcaError, eigen, project};
use crate::rng::Rng;

/// A fitted unmixing.
#[derive(Clone, Debug, PartialEq)]
pub struct Ica {
    /// Column means of the fitted data (p).
    pub mean: Vec<f64>,
    /// One row per source (k × p): source_i(x) = ⟨unmixing_i, x − mean⟩.
    pub unmixing: Mat<f64>,
    /// Fixed-point rounds run.
    pub iterations: usize,
    /// Whether the tolerance was reached within `max_iter`.
    pub converged: bool,
}

/// How the iteration runs.
#[derive(Clone, Copy, Debug)]
pub struct IcaSettings {
    pub max_iter: usize,
    pub tol: f64,
}

impl Default for IcaSettings {
    /// scikit-learn's defaults.
    fn default() -> Self {
        IcaSettings {
            max_iter: 200,
            tol: 1e-4,
        }
    }
}

impl Ica {
    /// `k` independent components of the rows of `x`, from the seed's initial unmixing.
    pub fn fit(
        x: MatRef<'_, f64>,
        k: usize,
        seed: u64,
        settings: IcaSettings,
        par: Par,
    ) -> Result<Ica, PcaError> {
        let n = x.nrows();
        let p = x.ncols();
        let pca = Pca::fit(x, k, par)?;
        let root_n = (n as f64).sqrt();
        let whitening = Mat::from_fn(k, p, |i, j| {
            pca.components[(i, j)] * root_n / pca.singular_values[i]
        });
        // z: k × n
        let z = project(x, &pca.mean, whitening.as_ref(), par)
            .transpose()
            .to_owned();
        let mut rng = Rng::seeded(seed);
        let mut w = decorrelate(&Mat::from_fn(k, k, |_, _| rng.normal()));
        let mut iterations = 0;
        let mut converged = false;
        while iterations < settings.max_iter {
            iterations += 1;
            let mut wz = Mat::<f64>::zeros(k, n);
            matmul(
                wz.as_mut(),
                Accum::Replace,
                w.as_ref(),
                z.as_ref(),
                1.0,
                par,
            );
            let mut g_mean = vec![0.0; k];
            for i in 0..k {
                for c in 0..n {
                    let g = wz[(i, c)].tanh();
                    wz[(i, c)] = g;
                    g_mean[i] += 1.0 - g * g;
                }
                g_mean[i] /= n as f64;
            }
            let mut next = Mat::<f64>::zeros(k, k);
            matmul(
                next.as_mut(),
                Accum::Replace,
                wz.as_ref(),
                z.transpose(),
                1.0 / n as f64,
                par,
            );
            for i in 0..k {
                for j in 0..k {
                    next[(i, j)] -= g_mean[i] * w[(i, j)];
                }
            }
            let next = decorrelate(&next);
            let lim = (0..k)
                .map(|i| {
                    let dot: f64 = (0..k).map(|j| next[(i, j)] * w[(i, j)]).sum();
                    (dot.abs() - 1.0).abs()
                })
                .fold(0.0, f64::max);
            w = next;
            if lim < settings.tol {
                converged = true;
                break;
            }
        }
        let mut unmixing = Mat::<f64>::zeros(k, p);
        matmul(
            unmixing.as_mut(),
            Accum::Replace,
            w.as_ref(),
            whitening.as_ref(),
            1.0,
            par,
        );
        // Unit-variance sources on the fitted rows, then the sign rule.
        let sources = project(x, &pca.mean, unmixing.as_ref(), par);
        for i in 0..k {
            let col = sources.col(i);
            let mean = col.iter().sum::<f64>() / n as f64;
            let sd = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt();
            let mut best = 0;
            for j in 1..p {
                if unmixing[(i, j)].abs() > unmixing[(i, best)].abs() {
                    best = j;
                }
            }
            let scale = if unmixing[(i, best)] < 0.0 { -1.0 } else { 1.0 } / sd;
            for j in 0..p {
                unmixing[(i, j)] *= scale;
            }
        }
        Ok(Ica {
            mean: pca.mean,
            unmixing,
            iterations,
            converged,
        })
    }

    /// The sources of the rows of `x` (rows × k).
    pub fn sources(&self, x: MatRef<'_, f64>, par: Par) -> Mat<f64> {
        project(x, &self.mean, self.unmixing.as_ref(), par)
    }
}

/// (W Wᵀ)^(−1/2) W: the nearest matrix with orthonormal rows.
fn decorrelate(w: &Mat<f64>) -> Mat<f64> {
    let k = w.nrows();
    let mut gram = Mat::<f64>::zeros(k, k);
    matmul(
        gram.as_mut(),
        Accum::Replace,
        w.as_ref(),
        w.transpose(),
        1.0,
        Par::Seq,
    );
    // A k × k eigendecomposition cannot fail to converge for a symmetric matrix in practice;
    // if it did, keeping W unchanged only costs an iteration.
    let Ok((values, u)) = eigen(gram.as_ref()) else {
        return w.clone();
    };
    let inv_root = Mat::from_fn(k, k, |i, j| {
        (0..k)
            .map(|c| u[(i, c)] * u[(j, c)] / values[c].max(f64::MIN_POSITIVE).sqrt())
            .sum::<f64>()
    });
    let mut out = Mat::<f64>::zeros(k, k);
    matmul(
        out.as_mut(),
        Accum::Replace,
        inv_root.as_ref(),
        w.as_ref(),
        1.0,
        Par::Seq,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` rows of `k` independent Laplace sources mixed into `p` features by a normal matrix.
    fn mixed(n: usize, k: usize, p: usize, seed: u64) -> (Mat<f64>, Mat<f64>) {
        let mut rng = Rng::seeded(1000 + seed);
        let sources = Mat::from_fn(n, k, |_, _| {
            let u = rng.uniform() - 0.5;
            -u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
        });
        let a = Mat::from_fn(p, k, |_, _| rng.normal());
        let mut x = Mat::<f64>::zeros(n, p);
        matmul(
            x.as_mut(),
            Accum::Replace,
            sources.as_ref(),
            a.transpose(),
            1.0,
            Par::Seq,
        );
        (sources, x)
    }

    fn abs_corr(a: faer::ColRef<'_, f64>, b: faer::ColRef<'_, f64>) -> f64 {
        let x: Vec<f64> = a.iter().copied().collect();
        let y: Vec<f64> = b.iter().copied().collect();
        crate::moments::pearson(&x, &y).unwrap_or(0.0).abs()
    }

    #[test]
    fn fastica_recovers_planted_laplace_sources() {
        for seed in 0..4 {
            let (truth, x) = mixed(3000, 4, 7, seed);
            let ica = Ica::fit(x.as_ref(), 4, seed, IcaSettings::default(), Par::Seq).unwrap();
            assert!(ica.converged, "seed {seed}: {} rounds", ica.iterations);
            let found = ica.sources(x.as_ref(), Par::Seq);
            for t in 0..4 {
                let best = (0..4)
                    .map(|f| abs_corr(truth.col(t), found.col(f)))
                    .fold(0.0, f64::max);
                assert!(best > 0.99, "seed {seed}, source {t}: |corr| {best}");
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_unmixing_and_sources_have_unit_variance() {
        let (_, x) = mixed(500, 3, 5, 9);
        let a = Ica::fit(x.as_ref(), 3, 7, IcaSettings::default(), Par::Seq).unwrap();
        let b = Ica::fit(x.as_ref(), 3, 7, IcaSettings::default(), Par::Seq).unwrap();
        assert_eq!(a, b);
        let s = a.sources(x.as_ref(), Par::Seq);
        for i in 0..3 {
            let col: Vec<f64> = s.col(i).iter().copied().collect();
            let m = col.iter().sum::<f64>() / 500.0;
            let v = col.iter().map(|c| (c - m) * (c - m)).sum::<f64>() / 500.0;
            assert!(m.abs() < 1e-10 && (v - 1.0).abs() < 1e-10, "{m} {v}");
        }
    }
}
