//! Piecewise-affine warps (the AAM's classic alternative to thin-plate splines): the source
//! points are triangulated (Delaunay, by the `delaunator` crate) and each triangle is mapped
//! affinely onto the triangle of the corresponding target points.
//!
//! A warp onto a fixed template is evaluated at the same template pixels for every face, so the
//! work splits in two: [`TriangleMesh::locate`] finds, once, the triangle and barycentric weights
//! of each pixel; [`Barycentric::apply`] then maps it for any face's landmarks in six
//! multiply-adds. A point in no triangle lies outside the convex hull of the sources and has no
//! image.

/// A triangulation of a point set.
#[derive(Clone, Debug)]
pub struct TriangleMesh {
    points: Vec<(f64, f64)>,
    /// Counter-clockwise corner indices.
    triangles: Vec<[usize; 3]>,
}

/// Where a point lies in a mesh: the corners of its triangle and its barycentric weights
/// (non-negative, summing to 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Barycentric {
    pub corners: [usize; 3],
    pub weights: [f64; 3],
}

/// Barycentric weights within this much below zero still count as inside (points on an edge).
const EDGE_TOLERANCE: f64 = 1e-12;

impl TriangleMesh {
    /// The Delaunay triangulation of `points` (degenerate, zero-area triangles dropped).
    pub fn delaunay(points: &[(f64, f64)]) -> TriangleMesh {
        let input: Vec<delaunator::Point> = points
            .iter()
            .map(|&(x, y)| delaunator::Point { x, y })
            .collect();
        let triangulation = delaunator::triangulate(&input);
        let triangles = triangulation
            .triangles
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .filter(|&[a, b, c]| twice_area(points[a], points[b], points[c]).abs() > 1e-12)
            .collect();
        TriangleMesh {
            points: points.to_vec(),
            triangles,
        }
    }

    pub fn triangles(&self) -> &[[usize; 3]] {
        &self.triangles
    }

    /// The triangle containing `q` and its weights there; `None` outside every triangle. A point
    /// on a shared edge belongs to the first triangle found (both give the same image).
    pub fn locate(&self, q: (f64, f64)) -> Option<Barycentric> {
        self.triangles.iter().find_map(|&[a, b, c]| {
            let (pa, pb, pc) = (self.points[a], self.points[b], self.points[c]);
            let area = twice_area(pa, pb, pc);
            let wa = twice_area(q, pb, pc) / area;
            let wb = twice_area(pa, q, pc) / area;
            let wc = 1.0 - wa - wb;
            (wa >= -EDGE_TOLERANCE && wb >= -EDGE_TOLERANCE && wc >= -EDGE_TOLERANCE).then_some(
                Barycentric {
                    corners: [a, b, c],
                    weights: [wa, wb, wc],
                },
            )
        })
    }
}

impl Barycentric {
    /// The image of the located point under the warp whose corners go to `targets`.
    pub fn apply(&self, targets: &[(f64, f64)]) -> (f64, f64) {
        self.corners
            .iter()
            .zip(self.weights)
            .fold((0.0, 0.0), |(x, y), (&i, w)| {
                (x + w * targets[i].0, y + w * targets[i].1)
            })
    }
}

/// Twice the signed area of the triangle (a, b, c): positive when counter-clockwise.
fn twice_area(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<(f64, f64)> {
        vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (8.0, 1.0),
            (0.0, 5.0),
            (3.5, 4.0),
            (8.0, 6.0),
            (1.0, 9.0),
            (7.0, 9.5),
        ]
    }

    #[test]
    fn an_affine_map_is_reproduced_exactly_inside_the_hull() {
        let sources = grid();
        let affine = |(x, y): (f64, f64)| (1.3 * x - 0.4 * y + 2.0, 0.2 * x + 0.9 * y - 1.0);
        let targets: Vec<(f64, f64)> = sources.iter().map(|&p| affine(p)).collect();
        let mesh = TriangleMesh::delaunay(&sources);
        assert_eq!(
            mesh.triangles().len(),
            7,
            "8 points, 7 on the hull: 2·8 − 7 − 2"
        );
        for q in [(1.0, 1.0), (4.0, 3.0), (6.5, 7.0), (2.0, 6.0), (4.0, 0.0)] {
            let at = mesh.locate(q).expect("inside");
            let (gx, gy) = at.apply(&targets);
            let (ex, ey) = affine(q);
            assert!((gx - ex).abs() < 1e-12 && (gy - ey).abs() < 1e-12, "{q:?}");
            assert!((at.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_point_outside_the_hull_has_no_image() {
        let mesh = TriangleMesh::delaunay(&grid());
        assert_eq!(mesh.locate((9.0, 3.0)), None);
        assert_eq!(mesh.locate((-0.1, 2.0)), None);
    }

    #[test]
    fn each_landmark_maps_to_its_target() {
        let sources = grid();
        let targets: Vec<(f64, f64)> = sources.iter().map(|&(x, y)| (y * y, x + 3.0)).collect();
        let mesh = TriangleMesh::delaunay(&sources);
        for (s, t) in sources.iter().zip(&targets) {
            let (x, y) = mesh.locate(*s).expect("a corner").apply(&targets);
            assert!((x - t.0).abs() < 1e-9 && (y - t.1).abs() < 1e-9);
        }
    }
}
