//! Generalised Procrustes analysis of 2-D shapes (the AAM's shape alignment): every shape is
//! translated, scaled and rotated (never reflected) onto a common mean shape, which is re-estimated
//! until it stops moving.
//!
//! A shape is L landmarks (x, y). In complex form z ∈ ℂᴸ, the best similarity map of a centred
//! shape z onto a centred mean w is a·z with a = ⟨z, w⟩ / ⟨z, z⟩ (a = s·e^{iθ}: scale and rotation
//! at once, a reflection is impossible). The algorithm (Gower 1975): centre every shape and scale
//! it to unit size; start from the first shape as the mean; repeatedly align every shape to the
//! mean, average them, re-centre and re-scale the mean to unit size, and stop once the mean moves
//! less than `tol` (in the Frobenius norm) or after `max_iter` rounds.

/// The aligned shapes and their mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// One aligned shape per input, as (x, y) pairs.
    pub shapes: Vec<Vec<(f64, f64)>>,
    /// The mean shape: centred at the origin, of unit size.
    pub mean: Vec<(f64, f64)>,
    pub iterations: usize,
}

fn centred_unit(shape: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = shape.len() as f64;
    let (cx, cy) = shape
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x / n, b + y / n));
    let c: Vec<(f64, f64)> = shape.iter().map(|&(x, y)| (x - cx, y - cy)).collect();
    let norm = c.iter().map(|&(x, y)| x * x + y * y).sum::<f64>().sqrt();
    if norm > 0.0 {
        c.iter().map(|&(x, y)| (x / norm, y / norm)).collect()
    } else {
        c
    }
}

/// The centred shape `z` mapped onto the centred `w` by the best scale and rotation.
pub fn align_to(z: &[(f64, f64)], w: &[(f64, f64)]) -> Vec<(f64, f64)> {
    // a = Σ conj(z) w / Σ |z|²
    let (mut re, mut im, mut zz) = (0.0, 0.0, 0.0);
    for (&(x, y), &(u, v)) in z.iter().zip(w) {
        re += x * u + y * v;
        im += x * v - y * u;
        zz += x * x + y * y;
    }
    if zz == 0.0 {
        return z.to_vec();
    }
    let (ar, ai) = (re / zz, im / zz);
    z.iter()
        .map(|&(x, y)| (ar * x - ai * y, ai * x + ar * y))
        .collect()
}

/// Aligns `shapes` (each the same number of landmarks, at least one shape) by GPA.
pub fn generalised_procrustes(shapes: &[Vec<(f64, f64)>], tol: f64, max_iter: usize) -> Alignment {
    let unit: Vec<Vec<(f64, f64)>> = shapes.iter().map(|s| centred_unit(s)).collect();
    let mut mean = unit[0].clone();
    let mut aligned = unit.clone();
    let mut iterations = 0;
    while iterations < max_iter {
        iterations += 1;
        aligned = unit.iter().map(|s| align_to(s, &mean)).collect();
        let m = aligned.len() as f64;
        let average: Vec<(f64, f64)> = (0..mean.len())
            .map(|i| {
                aligned
                    .iter()
                    .fold((0.0, 0.0), |(a, b), s| (a + s[i].0 / m, b + s[i].1 / m))
            })
            .collect();
        // Keep the mean's orientation fixed to the previous one (GPA's mean is only defined up
        // to a rotation), then normalise it.
        let next = centred_unit(&align_to(&centred_unit(&average), &mean));
        let moved = next
            .iter()
            .zip(&mean)
            .map(|(a, b)| (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2))
            .sum::<f64>()
            .sqrt();
        mean = next;
        if moved < tol {
            aligned = unit.iter().map(|s| align_to(s, &mean)).collect();
            break;
        }
    }
    Alignment {
        shapes: aligned,
        mean,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle_ish() -> Vec<(f64, f64)> {
        vec![(0.0, 0.0), (2.0, 0.1), (1.2, 1.5), (0.3, 0.9), (1.8, 0.7)]
    }

    /// `shape` scaled by `s`, rotated by `t` radians and moved by (dx, dy).
    fn similar(shape: &[(f64, f64)], s: f64, t: f64, dx: f64, dy: f64) -> Vec<(f64, f64)> {
        shape
            .iter()
            .map(|&(x, y)| {
                (
                    s * (x * t.cos() - y * t.sin()) + dx,
                    s * (x * t.sin() + y * t.cos()) + dy,
                )
            })
            .collect()
    }

    #[test]
    fn similar_copies_of_one_shape_align_onto_one_shape() {
        let base = triangle_ish();
        let shapes = vec![
            base.clone(),
            similar(&base, 3.0, 0.7, 5.0, -2.0),
            similar(&base, 0.5, -1.9, -1.0, 4.0),
        ];
        let a = generalised_procrustes(&shapes, 1e-12, 100);
        for s in &a.shapes {
            for (p, q) in s.iter().zip(&a.mean) {
                assert!((p.0 - q.0).abs() < 1e-12 && (p.1 - q.1).abs() < 1e-12);
            }
        }
        let size: f64 = a.mean.iter().map(|&(x, y)| x * x + y * y).sum();
        assert!((size - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_mirror_image_is_not_aligned_by_a_reflection() {
        let base = triangle_ish();
        let mirrored: Vec<(f64, f64)> = base.iter().map(|&(x, y)| (-x, y)).collect();
        let a = generalised_procrustes(&[base, mirrored], 1e-12, 100);
        let gap: f64 = a.shapes[0]
            .iter()
            .zip(&a.shapes[1])
            .map(|(p, q)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2))
            .sum();
        assert!(gap > 1e-3, "{gap}");
    }
}
