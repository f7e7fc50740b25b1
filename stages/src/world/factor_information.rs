//! How visible each generative factor of the face world is to a β-VAE: its Bernoulli
//! information, its pairwise pixel interactions and the overlap of its pixel derivatives with
//! another factor's.
//!
//! A β-VAE with a Bernoulli decoder (Higgins et al. 2021, Online Methods, "Model details")
//! encodes a factor when what the factor saves in reconstruction, Σ_pixels KL(Bern(x) ‖ Bern(x̄)),
//! outweighs β times the latent's KL. That saving depends on where in [0, 1] the pixels move,
//! not only on how far: a change δ around intensity p is worth about δ² / (2 p (1 − p)) nats, so
//! moving 860 light-gray pixels by 0.16 (world v2's skin shade: 7 nats) tells the decoder less
//! than moving 175 pixels between white and black (hair length: 43). Measured with these
//! functions (32 faces at 64 × 64, `stages/examples/factor_information.rs`), the quick world's
//! factors (world v3) carry face width 40, hair length 39, skin shade 21, hair darkness 18, eye
//! distance 18, eye size 13, smile 12.5 and eyebrow thickness 12 nats. What β-VAEs learnt from
//! this world and from every variant of it tried for issue 6 is in `face-world-experiments.md`
//! beside the renderer.
//!
//! - [`information`]: for random base faces, the factor swept over 9 evenly spaced values with
//!   every other factor held; the mean over faces and values of Σ|x(v) − x̄| (L1), of
//!   Σ KL(Bern(x(v)) ‖ Bern(x̄)) (nats: what knowing the factor saves a decoder that knows all
//!   the others) and the number of pixels that change by more than 0.05 end to end.
//! - [`interaction`]: Σ|x(1,1) − x(1,0) − x(0,1) + x(0,0)| over the corners 0.1 and 0.9 of two
//!   factors, as a share of the smaller main effect: 0 when their effects add (disjoint pixels),
//!   large when one scales the other (an intensity over an area the other factor sets).
//! - [`derivative_overlaps`]: the mean |cos| between two factors' pixel derivatives (central
//!   differences ±0.1) in the Bernoulli metric 1 / x(1 − x). A VAE's diagonal posterior favours
//!   latents whose decoder derivatives are orthogonal in this metric (Rolinek et al. 2019), so
//!   overlapping factors are the ones it is free to mix.

use crate::world::face_renderer::{FaceFactors, render};

/// One factor's visibility, averaged over base faces (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FactorInformation {
    /// Σ_pixels mean_v |x(v) − x̄|.
    pub l1: f64,
    /// Σ_pixels mean_v KL(Bern(x(v)) ‖ Bern(x̄)), in nats.
    pub nats: f64,
    /// Pixels that change by more than 0.05 between the sweep's ends.
    pub pixels: f64,
}

/// Bernoulli KL in nats, intensities clamped to [1e-4, 1 − 1e-4] (a decoder's logits are finite).
pub fn bernoulli_kl(p: f32, q: f32) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4) as f64;
    let q = q.clamp(1e-4, 1.0 - 1e-4) as f64;
    p * (p / q).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - q)).ln()
}

/// Σ|a − b| over pixels.
pub fn l1(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs() as f64).sum()
}

/// The information of `factor` at `size × size` (see the module doc).
pub fn information(
    bases: &[FaceFactors],
    factor: &str,
    size: usize,
    supersample: usize,
) -> FactorInformation {
    const VALUES: usize = 9;
    let mut total = FactorInformation {
        l1: 0.0,
        nats: 0.0,
        pixels: 0.0,
    };
    for base in bases {
        let images: Vec<Vec<f32>> = (0..VALUES)
            .map(|i| {
                let v = i as f32 / (VALUES - 1) as f32;
                render(&base.with(factor, v), size, supersample)
            })
            .collect();
        let mean: Vec<f32> = (0..size * size)
            .map(|p| images.iter().map(|im| im[p]).sum::<f32>() / VALUES as f32)
            .collect();
        for im in &images {
            total.l1 += l1(im, &mean) / VALUES as f64;
            total.nats += im
                .iter()
                .zip(&mean)
                .map(|(&x, &m)| bernoulli_kl(x, m))
                .sum::<f64>()
                / VALUES as f64;
        }
        let (lo, hi) = (&images[0], &images[VALUES - 1]);
        total.pixels += lo
            .iter()
            .zip(hi)
            .filter(|(a, b)| (*a - *b).abs() > 0.05)
            .count() as f64;
    }
    let n = bases.len().max(1) as f64;
    FactorInformation {
        l1: total.l1 / n,
        nats: total.nats / n,
        pixels: total.pixels / n,
    }
}

/// The interaction of factors `a` and `b`: Σ|second difference| over the 2 × 2 corners (0.1,
/// 0.9), as a share of the smaller main effect (see the module doc).
pub fn interaction(
    bases: &[FaceFactors],
    a: &str,
    b: &str,
    size: usize,
    supersample: usize,
) -> f64 {
    let (lo, hi) = (0.1f32, 0.9f32);
    let (mut second, mut effect_a, mut effect_b) = (0.0, 0.0, 0.0);
    for base in bases {
        let at = |va: f32, vb: f32| render(&base.with(a, va).with(b, vb), size, supersample);
        let (x00, x01, x10, x11) = (at(lo, lo), at(lo, hi), at(hi, lo), at(hi, hi));
        second += (0..size * size)
            .map(|p| (x11[p] - x10[p] - x01[p] + x00[p]).abs() as f64)
            .sum::<f64>();
        effect_a += 0.5 * (l1(&x10, &x00) + l1(&x11, &x01));
        effect_b += 0.5 * (l1(&x01, &x00) + l1(&x11, &x10));
    }
    second / effect_a.min(effect_b).max(f64::MIN_POSITIVE)
}

/// The mean |cos| of the pixel derivatives of every pair of `factors` in the Bernoulli metric
/// (see the module doc), as a symmetric matrix in the order of `factors` (1 on the diagonal of
/// factors that move any pixel). Each factor's derivative is rendered once per base face.
pub fn derivative_overlaps(
    bases: &[FaceFactors],
    factors: &[&str],
    size: usize,
    supersample: usize,
) -> Vec<Vec<f64>> {
    let k = factors.len();
    let mut total = vec![vec![0.0; k]; k];
    for base in bases {
        let x = render(base, size, supersample);
        let derivatives: Vec<Vec<f64>> = factors
            .iter()
            .map(|factor| {
                let v = base.get(factor).clamp(0.1, 0.9);
                let lo = render(&base.with(factor, v - 0.1), size, supersample);
                let hi = render(&base.with(factor, v + 0.1), size, supersample);
                (0..size * size)
                    .map(|p| {
                        let metric = 1.0 / (x[p] as f64 * (1.0 - x[p] as f64)).max(0.01);
                        (hi[p] - lo[p]) as f64 * metric.sqrt()
                    })
                    .collect()
            })
            .collect();
        let dot = |u: &[f64], w: &[f64]| u.iter().zip(w).map(|(s, t)| s * t).sum::<f64>();
        let norms: Vec<f64> = derivatives.iter().map(|d| dot(d, d).sqrt()).collect();
        for i in 0..k {
            for j in 0..k {
                let norm = norms[i] * norms[j];
                if norm > 0.0 {
                    total[i][j] += (dot(&derivatives[i], &derivatives[j]) / norm).abs();
                }
            }
        }
    }
    let n = bases.len().max(1) as f64;
    total
        .into_iter()
        .map(|row| row.into_iter().map(|t| t / n).collect())
        .collect()
}
