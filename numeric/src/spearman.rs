//! Ranks with ties averaged (scipy's `rankdata(method="average")`) and Spearman correlation
//! matrices between the columns of two matrices (Pearson correlation of the ranks).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// 1-based ranks of `x`, ties given the mean of their positions.
pub fn rank_average(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b])); // ties are averaged: their order is irrelevant
    let mut ranks = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && x[order[j]] == x[order[i]] {
            j += 1;
        }
        // positions i..j (0-based) share rank mean(i+1..=j) = (i + 1 + j) / 2
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    ranks
}

/// Each column's ranks, centred and scaled to unit norm; a constant column becomes NaN.
pub fn normalised_ranks(m: MatRef<'_, f64>) -> Mat<f64> {
    let n = m.nrows();
    let mut out = Mat::<f64>::zeros(n, m.ncols());
    for j in 0..m.ncols() {
        let col: Vec<f64> = m.col(j).iter().copied().collect();
        let r = rank_average(&col);
        let mean = r.iter().sum::<f64>() / n as f64;
        let norm = r.iter().map(|v| (v - mean).powi(2)).sum::<f64>().sqrt();
        for (o, &ri) in out.col_as_slice_mut(j).iter_mut().zip(&r) {
            *o = if norm > 0.0 {
                (ri - mean) / norm
            } else {
                f64::NAN
            };
        }
    }
    out
}

/// Spearman correlations between every column of `a` (rows of the result) and every column of
/// `b` (columns), from [`normalised_ranks`] of each; NaN where either column is constant.
pub fn spearman_between(za: &Mat<f64>, zb: &Mat<f64>) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(za.ncols(), zb.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        za.transpose(),
        zb.as_ref(),
        1.0,
        Par::Seq,
    );
    for i in 0..out.nrows() {
        for j in 0..out.ncols() {
            out[(i, j)] = out[(i, j)].clamp(-1.0, 1.0);
        }
    }
    out
}

/// Spearman's ρ of two vectors (NaN if either is constant).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    crate::moments::pearson(&rank_average(x), &rank_average(y)).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_average_ranks() {
        assert_eq!(
            rank_average(&[10.0, 20.0, 10.0, 30.0]),
            vec![1.5, 3.0, 1.5, 4.0]
        );
    }

    #[test]
    fn monotone_transforms_and_constants() {
        let a = Mat::from_fn(5, 2, |i, j| if j == 0 { i as f64 } else { 1.0 });
        let b = Mat::from_fn(5, 1, |i, _| -((i as f64).powi(3)));
        let r = spearman_between(&normalised_ranks(a.as_ref()), &normalised_ranks(b.as_ref()));
        assert!((r[(0, 0)] + 1.0).abs() < 1e-15);
        assert!(r[(1, 0)].is_nan());
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]) - 0.8).abs() < 1e-15);
    }
}
