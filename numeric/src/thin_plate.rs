//! Thin-plate splines in 2-D (Bookstein 1989): the smoothest map f: ℝ² → ℝ² that takes each of L
//! source points p_i exactly onto its target q_i — the AAM's "spline interpolation" that warps a
//! face onto the mean shape.
//!
//! f(x) = a₀ + a₁ x + a₂ y + Σ_i w_i U(‖x − p_i‖), with U(r) = r² log r² (U(0) = 0), and the
//! coefficients from the (L + 3) × (L + 3) system [K P; Pᵀ 0] [w; a] = [q; 0] (K_ij = U(‖p_i −
//! p_j‖), P = [1 x y]), solved once for both coordinates by LU with partial pivoting. An affine
//! map is reproduced exactly (w = 0); f(p_i) = q_i up to rounding.

use faer::Mat;
use faer::linalg::solvers::Solve;

/// A fitted spline.
#[derive(Clone, Debug)]
pub struct ThinPlate {
    sources: Vec<(f64, f64)>,
    /// (L + 3) × 2: the w_i, then a₀, a₁, a₂, for x and y.
    coefficients: Mat<f64>,
}

fn kernel(dx: f64, dy: f64) -> f64 {
    let r2 = dx * dx + dy * dy;
    if r2 == 0.0 { 0.0 } else { r2 * r2.ln() }
}

impl ThinPlate {
    /// The spline taking `sources[i]` to `targets[i]` (at least 3 points, not all on a line).
    pub fn fit(sources: &[(f64, f64)], targets: &[(f64, f64)]) -> ThinPlate {
        let l = sources.len();
        let n = l + 3;
        let mut a = Mat::<f64>::zeros(n, n);
        let mut b = Mat::<f64>::zeros(n, 2);
        for i in 0..l {
            for j in 0..l {
                a[(i, j)] = kernel(sources[i].0 - sources[j].0, sources[i].1 - sources[j].1);
            }
            let row = [1.0, sources[i].0, sources[i].1];
            for (c, v) in row.iter().enumerate() {
                a[(i, l + c)] = *v;
                a[(l + c, i)] = *v;
            }
            b[(i, 0)] = targets[i].0;
            b[(i, 1)] = targets[i].1;
        }
        let coefficients = a.partial_piv_lu().solve(&b);
        ThinPlate {
            sources: sources.to_vec(),
            coefficients,
        }
    }

    /// f(x, y).
    pub fn map(&self, x: f64, y: f64) -> (f64, f64) {
        let l = self.sources.len();
        let c = &self.coefficients;
        let mut out = (
            c[(l, 0)] + c[(l + 1, 0)] * x + c[(l + 2, 0)] * y,
            c[(l, 1)] + c[(l + 1, 1)] * x + c[(l + 2, 1)] * y,
        );
        for (i, &(px, py)) in self.sources.iter().enumerate() {
            let u = kernel(x - px, y - py);
            out.0 += c[(i, 0)] * u;
            out.1 += c[(i, 1)] * u;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points() -> Vec<(f64, f64)> {
        vec![
            (10.0, 12.0),
            (30.0, 11.0),
            (50.0, 14.0),
            (20.0, 30.0),
            (41.0, 33.0),
            (15.0, 50.0),
            (33.0, 52.0),
            (52.0, 49.0),
        ]
    }

    #[test]
    fn a_spline_from_points_onto_themselves_is_the_identity() {
        let p = points();
        let f = ThinPlate::fit(&p, &p);
        for &(x, y) in &[(0.0, 0.0), (25.5, 40.25), (63.0, 63.0)] {
            let (u, v) = f.map(x, y);
            assert!(
                (u - x).abs() < 1e-9 && (v - y).abs() < 1e-9,
                "({x}, {y}) → ({u}, {v})"
            );
        }
    }

    #[test]
    fn a_spline_interpolates_its_points_and_reproduces_an_affine_map() {
        let p = points();
        let affine = |(x, y): (f64, f64)| (1.5 * x - 0.2 * y + 3.0, 0.1 * x + 0.9 * y - 4.0);
        let q: Vec<(f64, f64)> = p.iter().map(|&pt| affine(pt)).collect();
        let f = ThinPlate::fit(&p, &q);
        for &pt in &[(5.0, 5.0), (44.0, 21.0)] {
            let (u, v) = f.map(pt.0, pt.1);
            let (eu, ev) = affine(pt);
            assert!((u - eu).abs() < 1e-9 && (v - ev).abs() < 1e-9);
        }
        // A bent map still passes through every target.
        let mut bent = q.clone();
        bent[3].0 += 4.0;
        let f = ThinPlate::fit(&p, &bent);
        for (s, t) in p.iter().zip(&bent) {
            let (u, v) = f.map(s.0, s.1);
            assert!((u - t.0).abs() < 1e-9 && (v - t.1).abs() < 1e-9);
        }
    }
}
