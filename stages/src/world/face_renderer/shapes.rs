//! The face renderer's primitives: shapes given by a signed distance function (negative inside)
//! and a bounding box, in unit coordinates. Distances are exact or approximate, accurate near
//! the boundary, where the canvas computes coverage from them.

pub(super) trait Sdf {
    fn sdf(&self, x: f32, y: f32) -> f32;
    /// [x0, y0, x1, y1] in unit coordinates, containing every point with sdf ≤ 0.
    fn bbox(&self) -> [f32; 4];
}

/// An axis-aligned ellipse (distance approximated as in Quílez's "ellipse, approximated").
pub(super) struct Ellipse {
    pub(super) cx: f32,
    pub(super) cy: f32,
    pub(super) rx: f32,
    pub(super) ry: f32,
}

impl Sdf for Ellipse {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let (px, py) = (x - self.cx, y - self.cy);
        let k0 = ((px / self.rx) * (px / self.rx) + (py / self.ry) * (py / self.ry)).sqrt();
        let k1 = ((px / (self.rx * self.rx)) * (px / (self.rx * self.rx))
            + (py / (self.ry * self.ry)) * (py / (self.ry * self.ry)))
            .sqrt();
        if k1 < 1e-12 {
            -self.rx.min(self.ry)
        } else {
            k0 * (k0 - 1.0) / k1
        }
    }
    fn bbox(&self) -> [f32; 4] {
        [
            self.cx - self.rx,
            self.cy - self.ry,
            self.cx + self.rx,
            self.cy + self.ry,
        ]
    }
}

/// A box with rounded corners (exact distance).
pub(super) struct RoundBox {
    pub(super) cx: f32,
    pub(super) cy: f32,
    pub(super) hx: f32,
    pub(super) hy: f32,
    pub(super) r: f32,
}

impl Sdf for RoundBox {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let qx = (x - self.cx).abs() - self.hx + self.r;
        let qy = (y - self.cy).abs() - self.hy + self.r;
        let (mx, my) = (qx.max(0.0), qy.max(0.0));
        (mx * mx + my * my).sqrt() + qx.max(qy).min(0.0) - self.r
    }
    fn bbox(&self) -> [f32; 4] {
        [
            self.cx - self.hx,
            self.cy - self.hy,
            self.cx + self.hx,
            self.cy + self.hy,
        ]
    }
}

/// The face: an ellipse whose lower half is widened (square jaw, `k > 0`) or narrowed
/// (pointed chin, `k < 0`): x-radius `w·(1 + k·v²)` at height `v = (y − cy)/h ≥ 0`. Distance is
/// the first-order estimate `f / |∇f|` of `f = √(u² + v²) − 1`, exact on the boundary.
pub(super) struct FaceShape {
    pub(super) cx: f32,
    pub(super) cy: f32,
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) k: f32,
}

impl FaceShape {
    fn half_width_at(&self, v: f32) -> f32 {
        if v > 0.0 {
            self.w * (1.0 + self.k * v * v)
        } else {
            self.w
        }
    }

    /// The boundary point at angle θ (0 = right, π/2 = chin).
    pub(super) fn point(&self, theta: f32) -> (f32, f32) {
        let v = libm::sinf(theta);
        (
            self.cx + self.half_width_at(v) * libm::cosf(theta),
            self.cy + self.h * v,
        )
    }
}

impl Sdf for FaceShape {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let px = x - self.cx;
        let v = (y - self.cy) / self.h;
        let (s, ds) = if v > 0.0 {
            (1.0 + self.k * v * v, 2.0 * self.k * v / self.h)
        } else {
            (1.0, 0.0)
        };
        let ws = self.w * s;
        let u = px / ws;
        let q = (u * u + v * v).sqrt();
        if q < 1e-6 {
            return -self.w.min(self.h);
        }
        // ∂u/∂x = 1/ws, ∂u/∂y = −px·ds/(w s²), ∂v/∂y = 1/h.
        let gx = u / ws;
        let gy = u * (-px * ds / (self.w * s * s)) + v / self.h;
        let g = (gx * gx + gy * gy).sqrt() / q;
        (q - 1.0) / g.max(1e-6)
    }
    fn bbox(&self) -> [f32; 4] {
        let wmax = self.w * (1.0 + self.k.max(0.0));
        [
            self.cx - wmax,
            self.cy - self.h,
            self.cx + wmax,
            self.cy + self.h,
        ]
    }
}

/// A stroke along the graph of a cubic `u = g(s)` over the axis coordinate `t = tc + s·half`,
/// `s ∈ [−1, 1]`, horizontal (`t = x`, `u = y`) or vertical (`t = y`, `u = x`), with radius
/// `r(s) = r0 + r1·s + r2·(1 − s²)` and round caps. Distance: `|u − g| / √(1 + g'²) − r` inside
/// the span, distance to the end point minus its radius outside.
#[derive(Clone, Copy)]
pub(super) struct Curve {
    vertical: bool,
    tc: f32,
    half: f32,
    g: [f32; 4],
    r: [f32; 3],
}

impl Curve {
    pub(super) fn horizontal(xc: f32, half: f32, g: [f32; 4], r: [f32; 3]) -> Curve {
        Curve {
            vertical: false,
            tc: xc,
            half,
            g,
            r,
        }
    }

    pub(super) fn vertical(yc: f32, half: f32, g: [f32; 4], r: [f32; 3]) -> Curve {
        Curve {
            vertical: true,
            tc: yc,
            half,
            g,
            r,
        }
    }

    #[inline]
    fn g_at(&self, s: f32) -> f32 {
        self.g[0] + s * (self.g[1] + s * (self.g[2] + s * self.g[3]))
    }

    #[inline]
    fn slope_at(&self, s: f32) -> f32 {
        (self.g[1] + s * (2.0 * self.g[2] + 3.0 * s * self.g[3])) / self.half
    }

    #[inline]
    pub(super) fn radius_at(&self, s: f32) -> f32 {
        self.r[0] + self.r[1] * s + self.r[2] * (1.0 - s * s)
    }

    /// The centre-line point at `s`, as (x, y).
    pub(super) fn point(&self, s: f32) -> (f32, f32) {
        let (t, u) = (self.tc + s * self.half, self.g_at(s));
        if self.vertical { (u, t) } else { (t, u) }
    }

    fn max_radius(&self) -> f32 {
        let mut m = 0.0f32;
        for i in 0..=8 {
            m = m.max(self.radius_at(-1.0 + i as f32 * 0.25));
        }
        m
    }
}

impl Sdf for Curve {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let (t, u) = if self.vertical { (y, x) } else { (x, y) };
        let s = (t - self.tc) / self.half;
        if !(-1.0..=1.0).contains(&s) {
            let se = s.clamp(-1.0, 1.0);
            let (dt, du) = (t - (self.tc + se * self.half), u - self.g_at(se));
            (dt * dt + du * du).sqrt() - self.radius_at(se)
        } else {
            let slope = self.slope_at(s);
            (u - self.g_at(s)).abs() / (1.0 + slope * slope).sqrt() - self.radius_at(s)
        }
    }
    fn bbox(&self) -> [f32; 4] {
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for i in 0..=16 {
            let v = self.g_at(-1.0 + i as f32 * 0.125);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        // A cubic can bulge between the probes by a little; pad generously.
        let pad = self.max_radius() + 0.02;
        let (t0, t1) = (self.tc - self.half - pad, self.tc + self.half + pad);
        if self.vertical {
            [lo - pad, t0, hi + pad, t1]
        } else {
            [t0, lo - pad, t1, hi + pad]
        }
    }
}

/// The part of the hair in front of the face: inside the head ellipse and above the hairline
/// `y = b(x)`, which carries the side-swept fringe.
pub(super) struct FrontHair {
    pub(super) cap: Ellipse,
    pub(super) hairline: Hairline,
}

#[derive(Clone, Copy)]
pub(super) struct Hairline {
    /// Where the parting is (x, viewer's left).
    pub(super) part: f32,
    /// How far the fringe drops below the bare hairline.
    pub(super) drop: f32,
}

impl Hairline {
    #[inline]
    pub(super) fn b(&self, x: f32) -> f32 {
        let sweep = 1.0 / (1.0 + libm::expf(-(x - self.part) / 0.05));
        let slant = 0.55 + 0.45 * ((x - self.part) / 0.75).clamp(0.0, 1.0);
        -0.46 + 0.30 * x * x + self.drop * sweep * slant
    }
}

impl Sdf for FrontHair {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let e = self.cap.sdf(x, y);
        let d = 1e-3;
        let slope = (self.hairline.b(x + d) - self.hairline.b(x - d)) / (2.0 * d);
        let below = (y - self.hairline.b(x)) / (1.0 + slope * slope).sqrt();
        e.max(below)
    }
    fn bbox(&self) -> [f32; 4] {
        let [x0, y0, x1, _] = self.cap.bbox();
        [
            x0,
            y0,
            x1,
            -0.46 + 0.30 * x1.max(-x0).powi(2) + self.hairline.drop + 0.01,
        ]
    }
}

/// The back hair: the top half of the head ellipse and a curtain falling to `bottom`.
pub(super) struct BackHair {
    pub(super) cap: Ellipse,
    pub(super) cut: f32,
    pub(super) curtain: RoundBox,
}

impl Sdf for BackHair {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let top = self.cap.sdf(x, y).max(y - self.cut);
        top.min(self.curtain.sdf(x, y))
    }
    fn bbox(&self) -> [f32; 4] {
        let a = self.cap.bbox();
        let b = self.curtain.bbox();
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            self.cut.max(b[3]),
        ]
    }
}
