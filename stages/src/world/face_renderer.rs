//! The face renderer: generative factors → an anti-aliased grayscale face of any size, plus 80
//! landmark points on the drawn features.
//!
//! A face is drawn in *unit coordinates* (the image spans x ∈ [−1, 1] left to right and
//! y ∈ [−1, 1] top to bottom), so one set of factors draws the same face at 64 × 64 for training
//! and at 200 × 200 or 512 × 512 for a figure. Every part is a shape with an (approximate)
//! signed distance function; a sample's coverage of a shape is the linear ramp
//! `clamp(0.5 − d / h, 0, 1)` over one sample spacing `h` (analytic coverage of the edge's
//! tangent half-plane), shapes are composited back to front (painter's algorithm, each with an
//! optional dark outline), and the image is rendered on a `supersample`× finer grid and box-
//! filtered down. Coverage is continuous in every factor, so each factor changes the pixels
//! smoothly. All arithmetic is f32 with only IEEE-exact operations plus `libm`, so the bytes are
//! identical on every machine.
//!
//! The look follows what SYNTHETIC-WORLD.md measured a β-VAE needs: a white background, dark
//! features and outlines (pixels near 0 and 1), features drawn large enough and shades ranging
//! wide enough that each factor tells a decoder a comparable amount (`factor_information`),
//! broad ink lines along the face's edge and the hairline, and a built-in asymmetry (a side
//! parting on the viewer's left with the fringe swept to the right, more hair volume on the
//! right, the nose shaded on its right side) so that a mirror-flipped face is a different
//! image. The variants of this look that were tried for issue 6, and what a β-VAE learnt from
//! each, are recorded in `face-world-experiments.md` beside this file.
//!
//! Factors (all in [0, 1]; 0.5 is the average face) and what they move:
//!
//! | factor | low → high |
//! |---|---|
//! | `face_width` | narrow → wide face (ears move with it) |
//! | `jaw` | pointed chin → square jaw |
//! | `eye_distance` | close-set → wide-set eyes (brows follow) |
//! | `eye_size` | small → large eyes |
//! | `brow_thickness` | thin → thick eyebrows |
//! | `nose_length` | short → long nose |
//! | `smile` | slight frown, closed → broad open smile |
//! | `mouth_width` | narrow → wide mouth |
//! | `hair_length` | short (above the ears' lobes) → long (over the shoulders) |
//! | `hair_darkness` | light gray → black hair |
//! | `fringe` | high hairline → long side-swept fringe |
//! | `skin_shade` | light → dark skin |
//! | `age` | smooth → lined skin (forehead lines, crow's feet, eye bags, nasolabial folds) |

/// The factor names, in the renderer's order.
pub const FACTOR_NAMES: [&str; 13] = [
    "face_width",
    "jaw",
    "eye_distance",
    "eye_size",
    "brow_thickness",
    "nose_length",
    "smile",
    "mouth_width",
    "hair_length",
    "hair_darkness",
    "fringe",
    "skin_shade",
    "age",
];

/// The number of landmark points per face.
pub const N_LANDMARKS: usize = 80;

/// Index of a factor by name.
pub fn factor_index(name: &str) -> Option<usize> {
    FACTOR_NAMES.iter().position(|&n| n == name)
}

/// One value per factor of [`FACTOR_NAMES`], each in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceFactors(pub [f32; 13]);

impl Default for FaceFactors {
    fn default() -> Self {
        FaceFactors([0.5; 13])
    }
}

impl FaceFactors {
    pub fn get(&self, name: &str) -> f32 {
        self.0[factor_index(name).expect("known factor")]
    }

    pub fn with(mut self, name: &str, value: f32) -> Self {
        self.0[factor_index(name).expect("known factor")] = value;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Signed distance functions (negative inside).

trait Sdf {
    fn sdf(&self, x: f32, y: f32) -> f32;
    /// [x0, y0, x1, y1] in unit coordinates, containing every point with sdf ≤ 0.
    fn bbox(&self) -> [f32; 4];
}

/// An axis-aligned ellipse (distance approximated as in Quílez's "ellipse, approximated").
struct Ellipse {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
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
struct RoundBox {
    cx: f32,
    cy: f32,
    hx: f32,
    hy: f32,
    r: f32,
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
struct FaceShape {
    cx: f32,
    cy: f32,
    w: f32,
    h: f32,
    k: f32,
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
    fn point(&self, theta: f32) -> (f32, f32) {
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
struct Curve {
    vertical: bool,
    tc: f32,
    half: f32,
    g: [f32; 4],
    r: [f32; 3],
}

impl Curve {
    fn horizontal(xc: f32, half: f32, g: [f32; 4], r: [f32; 3]) -> Curve {
        Curve {
            vertical: false,
            tc: xc,
            half,
            g,
            r,
        }
    }

    fn vertical(yc: f32, half: f32, g: [f32; 4], r: [f32; 3]) -> Curve {
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
    fn radius_at(&self, s: f32) -> f32 {
        self.r[0] + self.r[1] * s + self.r[2] * (1.0 - s * s)
    }

    /// The centre-line point at `s`, as (x, y).
    fn point(&self, s: f32) -> (f32, f32) {
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
struct FrontHair {
    cap: Ellipse,
    hairline: Hairline,
}

#[derive(Clone, Copy)]
struct Hairline {
    /// Where the parting is (x, viewer's left).
    part: f32,
    /// How far the fringe drops below the bare hairline.
    drop: f32,
}

impl Hairline {
    #[inline]
    fn b(&self, x: f32) -> f32 {
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
struct BackHair {
    cap: Ellipse,
    cut: f32,
    curtain: RoundBox,
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

// ---------------------------------------------------------------------------------------------
// The canvas.

/// A square grid of samples covering [−1, 1]², composited back to front.
struct Canvas {
    n: usize,
    step: f32,
    buf: Vec<f32>,
}

struct Outline {
    value: f32,
    half_width: f32,
}

impl Canvas {
    fn new(n: usize) -> Canvas {
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
    fn paint<S: Sdf>(&mut self, shape: &S, value: f32, alpha: f32, outline: Option<Outline>) {
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
    fn downsample_into(&self, k: usize, out: &mut [f32]) {
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

// ---------------------------------------------------------------------------------------------
// The face's geometry, from its factors.

const INK: f32 = 0.06;
const OUTLINE: f32 = 0.014;
/// The half-width of the ink line along the front hair's edge (the hairline and fringe): about
/// 2.5 pixels wide at 64 × 64. A thin line left the fringe's pixels a change between hair and
/// skin, worth less to a Bernoulli decoder the lighter the hair; β-VAEs then encoded the fringe
/// scaled by hair darkness and no latent followed it better than |r| 0.73 (PyTorch, 50k steps).
/// With the broad line the fringe always moves ink over skin: its information rises from 14 to
/// 20 nats and barely depends on hair darkness (19.5–21.8 nats across it in world v2, 16.4–19.6
/// with v3's wider hair range, against 11.8–16.5 with the thin line), and fringe latents reached |r| 0.89–0.98 (flow, 4 seeds at 10k steps,
/// world v2, when the fringe was a quick-world factor; issue 6,
/// `stages/examples/factor_information.rs`).
const HAIRLINE_INK: f32 = 0.04;
/// The half-width of the ink line around the face (about 2.5 pixels wide at 64 × 64, as the
/// hairline's). Face width moves it over hair or background, so what the face's edge tells a
/// decoder depends less on the skin's shade: the face width × skin shade interaction falls from
/// 32 % to 26 % (`factor_information::interaction`), and β-VAEs encode face width and skin shade
/// on separate latents (issue 6, world v3 in `face-world-experiments.md`).
const FACE_INK: f32 = 0.04;

/// Every part of one face, in unit coordinates.
struct Face {
    skin: f32,
    hair: f32,
    age: f32,
    head: FaceShape,
    ears: [Ellipse; 2],
    neck: RoundBox,
    shoulders: Ellipse,
    back_hair: BackHair,
    front_hair: FrontHair,
    parting: Curve,
    eyes: [Ellipse; 2],
    lids: [Curve; 2],
    irises: [Ellipse; 2],
    pupils: [Ellipse; 2],
    brows: [Curve; 2],
    nose_shadow: RoundBox,
    nose_side: Curve,
    nose_base: Curve,
    nostrils: [Ellipse; 2],
    mouth: Curve,
    teeth: Curve,
    wrinkles: Vec<Curve>,
}

fn circle(cx: f32, cy: f32, r: f32) -> Ellipse {
    Ellipse {
        cx,
        cy,
        rx: r,
        ry: r,
    }
}

impl Face {
    fn new(f: &FaceFactors) -> Face {
        let v = |name: &str| f.get(name).clamp(0.0, 1.0);
        let w = 0.44 + 0.08 * v("face_width");
        let head = FaceShape {
            cx: 0.0,
            cy: 0.06,
            w,
            h: 0.62,
            k: -0.40 + 0.90 * v("jaw"),
        };
        // Wide ranges, so that shade is worth ~20 nats to a decoder (world v3); the darkest skin
        // (0.62) stays lighter than the lightest hair (0.42), so no edge between them vanishes.
        let skin = 0.96 - 0.34 * v("skin_shade");
        let hair = 0.42 - 0.40 * v("hair_darkness");

        // Hair: the head ellipse (more volume on the right), cut at its centre line, and a
        // curtain falling to `bottom`.
        let cap = Ellipse {
            cx: 0.02,
            cy: -0.08,
            rx: 0.63,
            ry: 0.72,
        };
        let bottom = 0.10 + 0.38 * v("hair_length");
        let top = -0.20;
        let curtain = RoundBox {
            cx: 0.02,
            cy: 0.5 * (top + bottom),
            hx: cap.rx,
            hy: 0.5 * (bottom - top),
            r: 0.12,
        };
        let back_hair = BackHair {
            cap: Ellipse { ..cap },
            cut: -0.08,
            curtain,
        };
        let hairline = Hairline {
            part: -0.20,
            drop: 0.02 + 0.22 * v("fringe"),
        };
        let front_hair = FrontHair {
            cap: Ellipse { ..cap },
            hairline,
        };
        let part_bottom = hairline.b(-0.20) - 0.01;
        let parting = Curve::vertical(
            0.5 * (-0.75 + part_bottom),
            0.5 * (part_bottom + 0.75),
            [-0.21, 0.02, 0.0, 0.0],
            [0.010, 0.0, 0.0],
        );

        // Eyes, brows.
        let e = 0.15 + 0.10 * v("eye_distance");
        let se = 0.50 + 1.10 * v("eye_size");
        let (ey, rx, ry) = (-0.04, 0.10 * se, 0.052 * se);
        let eyes = [
            Ellipse {
                cx: -e,
                cy: ey,
                rx,
                ry,
            },
            Ellipse {
                cx: e,
                cy: ey,
                rx,
                ry,
            },
        ];
        let lid = |cx: f32| {
            Curve::horizontal(
                cx,
                rx * 0.92,
                [ey - ry * 0.92, 0.0, ry * 0.85, 0.0],
                [0.012, 0.0, 0.006],
            )
        };
        let lids = [lid(-e), lid(e)];
        let irises = [
            circle(-e, ey + 0.1 * ry, 0.78 * ry),
            circle(e, ey + 0.1 * ry, 0.78 * ry),
        ];
        let pupils = [
            circle(-e, ey + 0.1 * ry, 0.38 * ry),
            circle(e, ey + 0.1 * ry, 0.38 * ry),
        ];
        let bt = v("brow_thickness");
        let rb = 0.008 + 0.060 * bt;
        let bl = 0.09 + 0.04 * bt;
        let by = -0.19;
        // Left brow: s = −1 is its outer end; right brow: s = +1. The outer end is thinner and
        // a little lower.
        let brows = [
            Curve::horizontal(
                -(e + 0.01),
                bl,
                [by - 0.035, -0.008, 0.035, 0.0],
                [rb * 0.85, rb * 0.25, 0.004],
            ),
            Curve::horizontal(
                e + 0.01,
                bl,
                [by - 0.035, 0.008, 0.035, 0.0],
                [rb * 0.85, -rb * 0.25, 0.004],
            ),
        ];

        // Nose: shaded on its right side, a side line, the base and nostrils.
        let tip = 0.08 + 0.22 * v("nose_length");
        let nose_shadow = RoundBox {
            cx: 0.05,
            cy: 0.5 * (-0.04 + tip),
            hx: 0.034,
            hy: 0.5 * (tip + 0.04),
            r: 0.02,
        };
        let nose_side = Curve::vertical(
            0.5 * (-0.03 + tip - 0.02),
            0.5 * (tip + 0.01),
            [0.074, 0.004, 0.006, 0.0],
            [0.009, 0.002, 0.0],
        );
        let nose_base = Curve::horizontal(
            0.0,
            0.075,
            [tip + 0.028, 0.0, -0.028, 0.0],
            [0.009, 0.0, 0.002],
        );
        let nostrils = [
            Ellipse {
                cx: -0.038,
                cy: tip + 0.006,
                rx: 0.022,
                ry: 0.012,
            },
            Ellipse {
                cx: 0.038,
                cy: tip + 0.006,
                rx: 0.022,
                ry: 0.012,
            },
        ];

        // Mouth: the top edge follows a parabola (corners up for a smile); a smile opens it
        // downwards into a crescent.
        let smile = v("smile");
        let hw = 0.12 + 0.10 * v("mouth_width");
        let c = -0.08 + 0.20 * smile;
        let open = 0.17 * smile;
        let ym = 0.42;
        // centre line g = ym + c(0.5 − s²) + 0.5·open(1 − s²); radius r0 + 0.5·open(1 − s²).
        let mouth = Curve::horizontal(
            0.0,
            hw,
            [ym + 0.5 * c + 0.5 * open, 0.0, -c - 0.5 * open, 0.0],
            [0.016, 0.0, 0.5 * open],
        );
        // Upper teeth, showing as the mouth opens: a band just under the top edge.
        let t_r = 0.16 * open;
        let teeth = Curve::horizontal(
            0.0,
            0.75 * hw,
            [ym + 0.5 * c + 0.004 + t_r, 0.0, -c * 0.5625 - t_r, 0.0],
            [0.0, 0.0, t_r],
        );

        // Age marks.
        let age = v("age");
        let rw = 0.006 + 0.018 * age;
        let mut wrinkles = Vec::new();
        for (i, y) in [-0.335f32, -0.285].into_iter().enumerate() {
            let half = 0.12 + 0.06 * age - 0.02 * i as f32;
            wrinkles.push(Curve::horizontal(
                0.0,
                half,
                [y, 0.0, 0.018, 0.0],
                [rw, 0.0, 0.004],
            ));
        }
        for side in [-1.0f32, 1.0] {
            // Nasolabial fold from the nose wing to beside the mouth corner.
            let (ya, yb) = (tip + 0.03, ym + 0.01);
            let xa = side * 0.085;
            let xb = side * (hw + 0.045);
            wrinkles.push(Curve::vertical(
                0.5 * (ya + yb),
                0.5 * (yb - ya),
                [
                    0.5 * (xa + xb) + side * 0.02,
                    0.5 * (xb - xa),
                    -side * 0.02,
                    0.0,
                ],
                [rw, 0.0, 0.003],
            ));
            // Eye bag below the eye.
            let ex = side * e;
            wrinkles.push(Curve::horizontal(
                ex,
                0.65 * rx,
                [ey + ry + 0.045, 0.0, -0.02, 0.0],
                [rw * 0.9, 0.0, 0.002],
            ));
            // Crow's feet: two short strokes at the outer corner.
            let xo = ex + side * (rx + 0.04);
            wrinkles.push(Curve::horizontal(
                xo,
                0.03,
                [ey - 0.018, side * 0.012, 0.0, 0.0],
                [rw * 0.8, 0.0, 0.0],
            ));
            wrinkles.push(Curve::horizontal(
                xo,
                0.03,
                [ey + 0.022, -side * 0.012, 0.0, 0.0],
                [rw * 0.8, 0.0, 0.0],
            ));
            // Marionette line below the mouth corner.
            let xm = side * (hw + 0.015);
            wrinkles.push(Curve::vertical(
                ym + 0.10,
                0.055,
                [xm, side * 0.012, 0.0, 0.0],
                [rw * 0.9, 0.0, 0.0],
            ));
        }

        Face {
            skin,
            hair,
            age,
            ears: [
                Ellipse {
                    cx: -(w + 0.015),
                    cy: 0.02,
                    rx: 0.065,
                    ry: 0.125,
                },
                Ellipse {
                    cx: w + 0.015,
                    cy: 0.02,
                    rx: 0.065,
                    ry: 0.125,
                },
            ],
            neck: RoundBox {
                cx: 0.0,
                cy: 0.78,
                hx: 0.16,
                hy: 0.34,
                r: 0.03,
            },
            shoulders: Ellipse {
                cx: 0.0,
                cy: 1.32,
                rx: 0.98,
                ry: 0.50,
            },
            head,
            back_hair,
            front_hair,
            parting,
            eyes,
            lids,
            irises,
            pupils,
            brows,
            nose_shadow,
            nose_side,
            nose_base,
            nostrils,
            mouth,
            teeth,
            wrinkles,
        }
    }

    fn draw(&self, canvas: &mut Canvas) {
        let ink = |hw: f32| {
            Some(Outline {
                value: INK,
                half_width: hw,
            })
        };
        canvas.paint(&self.shoulders, 0.30, 1.0, ink(OUTLINE));
        canvas.paint(&self.back_hair, self.hair, 1.0, ink(OUTLINE));
        canvas.paint(&self.neck, self.skin * 0.88, 1.0, ink(OUTLINE));
        for ear in &self.ears {
            canvas.paint(ear, self.skin, 1.0, ink(OUTLINE));
        }
        canvas.paint(&self.head, self.skin, 1.0, ink(FACE_INK));
        for w in &self.wrinkles {
            canvas.paint(w, 0.22, 0.9 * self.age, None);
        }
        canvas.paint(&self.nose_shadow, self.skin * 0.80, 1.0, None);
        canvas.paint(&self.nose_side, 0.22, 1.0, None);
        canvas.paint(&self.nose_base, 0.18, 1.0, None);
        for n in &self.nostrils {
            canvas.paint(n, INK, 1.0, None);
        }
        for ((eye, iris), pupil) in self.eyes.iter().zip(&self.irises).zip(&self.pupils) {
            canvas.paint(eye, 0.98, 1.0, ink(OUTLINE));
            canvas.paint(iris, 0.20, 1.0, None);
            canvas.paint(pupil, 0.0, 1.0, None);
        }
        for lid in &self.lids {
            canvas.paint(lid, INK, 1.0, None);
        }
        for brow in &self.brows {
            canvas.paint(brow, 0.08, 1.0, None);
        }
        canvas.paint(&self.mouth, 0.10, 1.0, None);
        canvas.paint(&self.teeth, 0.92, 1.0, None);
        canvas.paint(&self.front_hair, self.hair, 1.0, ink(HAIRLINE_INK));
        canvas.paint(&self.parting, self.skin, 0.9, None);
    }

    /// 80 landmarks in unit coordinates (see [`landmarks`]).
    fn landmarks(&self) -> Vec<(f32, f32)> {
        let mut out = Vec::with_capacity(N_LANDMARKS);
        let pi = std::f32::consts::PI;
        // 0–16: jaw line, from the viewer's left at ear height round the chin to the right.
        for i in 0..17 {
            out.push(self.head.point(pi * (1.0 - i as f32 / 16.0)));
        }
        // 17–26: brows, left (outer → inner) then right (inner → outer).
        for s in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
            out.push(self.brows[0].point(s));
        }
        for s in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
            out.push(self.brows[1].point(s));
        }
        // 27–30: the nose's side line, top to bottom.
        for s in [-1.0f32, -0.33, 0.33, 1.0] {
            out.push(self.nose_side.point(s));
        }
        // 31–35: the nose's base, left to right.
        for s in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
            out.push(self.nose_base.point(s));
        }
        // 36–47: eyes, six points on each outline: outer/inner corners, two above, two below.
        for eye in &self.eyes {
            for a in [180.0f32, 120.0, 60.0, 0.0, -60.0, -120.0] {
                let t = a.to_radians();
                out.push((
                    eye.cx + eye.rx * libm::cosf(t),
                    eye.cy - eye.ry * libm::sinf(t),
                ));
            }
        }
        // 48–59: the mouth's outer edge: left corner, five on the top edge, right corner, five on
        // the bottom edge (right to left).
        let m = &self.mouth;
        let edge = |s: f32, sign: f32| {
            let (x, y) = m.point(s);
            (x, y + sign * m.radius_at(s) * 0.8)
        };
        out.push(m.point(-1.0));
        for s in [-0.66f32, -0.33, 0.0, 0.33, 0.66] {
            out.push(edge(s, -1.0));
        }
        out.push(m.point(1.0));
        for s in [0.66f32, 0.33, 0.0, -0.33, -0.66] {
            out.push(edge(s, 1.0));
        }
        // 60–67: the mouth's centre line, left to right.
        for i in 0..8 {
            out.push(m.point(-0.9 + 1.8 * i as f32 / 7.0));
        }
        // 68–69: pupils.
        for p in &self.pupils {
            out.push((p.cx, p.cy));
        }
        // 70–73: ears: the outermost point and the lobe's outer-lower point.
        for (k, ear) in self.ears.iter().enumerate() {
            let side = if k == 0 { -1.0 } else { 1.0 };
            out.push((ear.cx + side * ear.rx, ear.cy));
            let t = 50.0f32.to_radians();
            out.push((
                ear.cx + side * ear.rx * libm::cosf(t),
                ear.cy + ear.ry * libm::sinf(t),
            ));
        }
        // 74–79: the hairline (the lower edge of the front hair), left to right.
        for x in [-0.30f32, -0.18, -0.06, 0.06, 0.18, 0.30] {
            out.push((x, self.front_hair.hairline.b(x)));
        }
        debug_assert_eq!(out.len(), N_LANDMARKS);
        out
    }
}

/// Renders one face at `size × size` pixels into `out` (row-major, 1 = white), drawing on a
/// grid `supersample` times finer and box-filtering down.
pub fn render_into(factors: &FaceFactors, size: usize, supersample: usize, out: &mut [f32]) {
    let k = supersample.max(1);
    let mut canvas = Canvas::new(size * k);
    Face::new(factors).draw(&mut canvas);
    canvas.downsample_into(k, out);
}

/// Renders one face (see [`render_into`]).
pub fn render(factors: &FaceFactors, size: usize, supersample: usize) -> Vec<f32> {
    let mut out = vec![0.0; size * size];
    render_into(factors, size, supersample, &mut out);
    out
}

/// The face's 80 landmarks in pixels of a `size × size` rendering: (x right, y down), the
/// image's top-left corner at (0, 0). Order: 0–16 jaw line (left → chin → right), 17–21 left
/// brow, 22–26 right brow, 27–30 nose side line, 31–35 nose base, 36–41 left eye, 42–47 right
/// eye, 48–59 outer mouth, 60–67 mouth centre line, 68–69 pupils, 70–73 ears, 74–79 hairline.
pub fn landmarks(factors: &FaceFactors, size: usize) -> Vec<(f32, f32)> {
    let scale = size as f32 / 2.0;
    Face::new(factors)
        .landmarks()
        .into_iter()
        .map(|(x, y)| ((x + 1.0) * scale, (y + 1.0) * scale))
        .collect()
}
