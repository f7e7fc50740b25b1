//! The canvas: a square grid of samples over [−1, 1]² that shapes are painted on back to front,
//! each sample covered by the linear ramp `clamp(0.5 − d / h, 0, 1)` of its distance `d` over one
//! sample spacing `h`, with an optional outline; then box-filtered down to pixels.

use super::shapes::Sdf;

/// A square grid of samples covering [−1, 1]², composited back to front.
pub(super) struct Canvas {
    n: usize,
    step: f32,
    buf: Vec<f32>,
}

pub(super) struct Outline {
    pub(super) value: f32,
    pub(super) half_width: f32,
}

impl Canvas {
    pub(super) fn new(n: usize) -> Canvas {
        Canvas {
            n,
            step: 2.0 / n as f32,
            buf: vec![1.0; n * n],
        }
    }

    fn range(&self, lo: f32, hi: f32) -> (usize, usize) {
        let a = ((lo + 1.0) / self.step - 0.5).floor().max(0.0) as usize;
        let b = (((hi + 1.0) / self.step - 0.5).ceil().max(-1.0) + 1.0).min(self.n as f32) as usize;
        (a.min(self.n), b)
    }

    /// Paints `shape` with `value` at opacity `alpha`, then its outline (if any).
    pub(super) fn paint<S: Sdf>(
        &mut self,
        shape: &S,
        value: f32,
        alpha: f32,
        outline: Option<Outline>,
    ) {
        let pad = outline.as_ref().map_or(0.0, |o| o.half_width) + 1.5 * self.step;
        let [x0, y0, x1, y1] = shape.bbox();
        let (j0, j1) = self.range(x0 - pad, x1 + pad);
        let (i0, i1) = self.range(y0 - pad, y1 + pad);
        let inv = 1.0 / self.step;
        for i in i0..i1 {
            let y = -1.0 + (i as f32 + 0.5) * self.step;
            let row = &mut self.buf[i * self.n..(i + 1) * self.n];
            for (j, p) in row.iter_mut().enumerate().take(j1).skip(j0) {
                let x = -1.0 + (j as f32 + 0.5) * self.step;
                let d = shape.sdf(x, y);
                let a = (0.5 - d * inv).clamp(0.0, 1.0) * alpha;
                if a > 0.0 {
                    *p += (value - *p) * a;
                }
                if let Some(o) = &outline {
                    let ao = (0.5 - (d.abs() - o.half_width) * inv).clamp(0.0, 1.0) * alpha;
                    if ao > 0.0 {
                        *p += (o.value - *p) * ao;
                    }
                }
            }
        }
    }

    /// Box-filters the canvas down by `k` into `out` (`(n/k)²` pixels).
    pub(super) fn downsample_into(&self, k: usize, out: &mut [f32]) {
        let m = self.n / k;
        let norm = 1.0 / (k * k) as f32;
        for r in 0..m {
            for c in 0..m {
                let mut s = 0.0f32;
                for a in 0..k {
                    let row =
                        &self.buf[(r * k + a) * self.n + c * k..(r * k + a) * self.n + c * k + k];
                    for v in row {
                        s += v;
                    }
                }
                out[r * m + c] = (s * norm).clamp(0.0, 1.0);
            }
        }
    }
}
