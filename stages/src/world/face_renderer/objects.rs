//! Simple objects that are not faces (a cup, a box, a lamp, a leaf), drawn with the face
//! renderer's primitives and look (white background, mid-gray bodies, thin ink outlines), and
//! the face parts that `synthetic-objects` plants on them: a dark hair-like cap, a pair of eyes
//! and a smiling mouth, each drawn as the faces draw it. A part's *mask* is the part drawn alone
//! (every shape of it, outlines included, in black on a white canvas), downsampled, and
//! thresholded at coverage ≥ 0.5.
//!
//! Every object and part is set by a few numbers `u` in [0, 1) drawn from a random stream (and,
//! for a part, its centre), so the same draws give the same picture at any size. Geometry, in
//! unit coordinates (x right, y down, the image spanning [−1, 1]²):
//!
//! | kind | drawn | `u[4..8]` |
//! |---|---|---|
//! | cup | a handle ring, a body tapering towards its foot, a darker rim ellipse on top | width, height, handle height |
//! | box | a body, a darker and wider lid with an ink seam, a lighter label on the front | width, height, lid depth, label place |
//! | lamp | a stem, a flat base, a trapezoid shade | shade width, stem length, shade flare |
//! | leaf | a stalk, a lens (radius r₂·(1 − s²)) along a bent cubic, a midrib and four veins | length, width, bend, tilt and upright |
//! | cap | the top half of an ellipse in hair shade with the hairline's broad ink line | width, height, shade (`u[0..3]`) |
//! | eyes | two white ellipses with ink outlines, lids, dark irises, black pupils | size, spacing (`u[0..2]`) |
//! | mouth | the face's mouth: a dark arc (0.10) opening into a crescent, with upper teeth | width, smile (`u[0..2]`) |
//!
//! Every object also draws its centre (x ± 0.10, y ± 0.08), scale (1.05–1.40) and shade
//! (0.50–0.92) from `u[0..4]`; outlines are the faces' thin ink line. Parts are centred on
//! (`cx`, `cy`), the centre of everything they paint, which stays at least [`PART_MARGIN`]
//! inside the image's edge.

use flow_numeric::rng::Rng;

use super::canvas::{Canvas, Outline};
use super::shapes::{Curve, Ellipse, RoundBox, Sdf};

/// The ink of outlines and lines (as the faces').
const INK: f32 = 0.06;
/// The half-width of the thin outlines (as the faces').
const OUTLINE: f32 = 0.014;
/// The half-width of the cap's broad ink line (as the faces' hairline).
const CAP_INK: f32 = 0.04;
/// How far inside the image's edge (unit coordinates) a part's painted extent stays.
pub const PART_MARGIN: f32 = 0.04;

/// The object kinds' names, in [`ObjectKind::ALL`]'s order.
pub const OBJECT_KINDS: [&str; 4] = ["cup", "box", "lamp", "leaf"];
/// The part kinds' names, in [`PartKind::ALL`]'s order.
pub const PART_KINDS: [&str; 3] = ["cap", "eyes", "mouth"];

/// What an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Cup,
    Box,
    Lamp,
    Leaf,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 4] = [
        ObjectKind::Cup,
        ObjectKind::Box,
        ObjectKind::Lamp,
        ObjectKind::Leaf,
    ];

    pub fn name(self) -> &'static str {
        OBJECT_KINDS[self as usize]
    }

    pub fn from_name(name: &str) -> Option<ObjectKind> {
        OBJECT_KINDS
            .iter()
            .position(|&n| n == name)
            .map(|i| ObjectKind::ALL[i])
    }
}

/// Which face part is planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    Cap,
    Eyes,
    Mouth,
}

impl PartKind {
    pub const ALL: [PartKind; 3] = [PartKind::Cap, PartKind::Eyes, PartKind::Mouth];

    pub fn name(self) -> &'static str {
        PART_KINDS[self as usize]
    }

    pub fn from_name(name: &str) -> Option<PartKind> {
        PART_KINDS
            .iter()
            .position(|&n| n == name)
            .map(|i| PartKind::ALL[i])
    }
}

/// One object: its kind and the numbers in [0, 1) that set its place, size, shade and shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectSpec {
    pub kind: ObjectKind,
    pub u: [f32; 8],
}

impl ObjectSpec {
    /// An object of `kind` with its numbers drawn from `rng` (8 uniforms).
    pub fn random(kind: ObjectKind, rng: &mut Rng) -> ObjectSpec {
        ObjectSpec {
            kind,
            u: std::array::from_fn(|_| rng.uniform() as f32),
        }
    }
}

/// One face part: its kind, its centre in unit coordinates, and the numbers in [0, 1) that set
/// its size and shade.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartSpec {
    pub kind: PartKind,
    pub cx: f32,
    pub cy: f32,
    pub u: [f32; 4],
}

impl PartSpec {
    /// A part of `kind` with its numbers drawn from `rng` (4 uniforms), then its centre drawn
    /// uniformly where everything it paints stays [`PART_MARGIN`] inside the image (2 more).
    pub fn random(kind: PartKind, rng: &mut Rng) -> PartSpec {
        let u: [f32; 4] = std::array::from_fn(|_| rng.uniform() as f32);
        let mut p = PartSpec {
            kind,
            cx: 0.0,
            cy: 0.0,
            u,
        };
        let [x0, y0, x1, y1] = p.extent();
        let lim = 1.0 - PART_MARGIN;
        let (hx, hy) = ((x1 - x0) * 0.5, (y1 - y0) * 0.5);
        let mut place = |h: f32| {
            let v = rng.uniform() as f32;
            if h < lim {
                (h - lim) + v * 2.0 * (lim - h)
            } else {
                0.0
            }
        };
        p.cx = place(hx);
        p.cy = place(hy);
        p
    }

    /// Everything the part paints (outlines included) lies in [x0, y0, x1, y1], unit
    /// coordinates, centred on (`cx`, `cy`).
    pub fn extent(&self) -> [f32; 4] {
        let (hx, hy) = half_extent(self.kind, &self.u);
        [self.cx - hx, self.cy - hy, self.cx + hx, self.cy + hy]
    }

    /// The part's centre in pixels of a `size × size` image (x right, y down, the top-left
    /// corner at (0, 0)).
    pub fn centre_pixels(&self, size: usize) -> (f32, f32) {
        let s = size as f32 / 2.0;
        ((self.cx + 1.0) * s, (self.cy + 1.0) * s)
    }
}

/// Renders `object`, with `part` painted over it if given, at `size × size` pixels into `out`
/// (row-major, 1 = white), drawing on a grid `supersample` times finer and box-filtering down.
pub fn render_object_into(
    object: &ObjectSpec,
    part: Option<&PartSpec>,
    size: usize,
    supersample: usize,
    out: &mut [f32],
) {
    let k = supersample.max(1);
    let mut canvas = Canvas::new(size * k);
    draw_object(object, &mut canvas);
    if let Some(p) = part {
        draw_part(p, &mut canvas, false);
    }
    canvas.downsample_into(k, out);
}

/// Renders an object (see [`render_object_into`]).
pub fn render_object(
    object: &ObjectSpec,
    part: Option<&PartSpec>,
    size: usize,
    supersample: usize,
) -> Vec<f32> {
    let mut out = vec![0.0; size * size];
    render_object_into(object, part, size, supersample, &mut out);
    out
}

/// The part's mask at `size × size` into `out`: the part drawn alone, every shape of it
/// (outlines included) in black on white, at `supersample`× and box-filtered down; a pixel is
/// 1.0 where that coverage is ≥ 0.5, else 0.0.
pub fn part_mask_into(part: &PartSpec, size: usize, supersample: usize, out: &mut [f32]) {
    let k = supersample.max(1);
    let mut canvas = Canvas::new(size * k);
    draw_part(part, &mut canvas, true);
    canvas.downsample_into(k, out);
    for v in out.iter_mut() {
        *v = if 1.0 - *v >= 0.5 { 1.0 } else { 0.0 };
    }
}

/// The part's mask (see [`part_mask_into`]).
pub fn part_mask(part: &PartSpec, size: usize, supersample: usize) -> Vec<f32> {
    let mut out = vec![0.0; size * size];
    part_mask_into(part, size, supersample, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Shapes the faces do not need.

/// An isosceles trapezoid with half-widths `top` (at `cy − hh`) and `bottom` (at `cy + hh`),
/// its corners rounded by `round` (Quílez's exact trapezoid distance, minus the rounding).
struct Trapezoid {
    cx: f32,
    cy: f32,
    top: f32,
    bottom: f32,
    hh: f32,
    round: f32,
}

impl Sdf for Trapezoid {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        let px = (x - self.cx).abs();
        let py = y - self.cy;
        let (r1, r2, he) = (self.top, self.bottom, self.hh);
        let (k1x, k1y) = (r2, he);
        let (k2x, k2y) = (r2 - r1, 2.0 * he);
        let cax = px - px.min(if py < 0.0 { r1 } else { r2 });
        let cay = py.abs() - he;
        let t = (((k1x - px) * k2x + (k1y - py) * k2y) / (k2x * k2x + k2y * k2y)).clamp(0.0, 1.0);
        let cbx = px - k1x + k2x * t;
        let cby = py - k1y + k2y * t;
        let s = if cbx < 0.0 && cay < 0.0 { -1.0 } else { 1.0 };
        s * (cax * cax + cay * cay).min(cbx * cbx + cby * cby).sqrt() - self.round
    }
    fn bbox(&self) -> [f32; 4] {
        let w = self.top.max(self.bottom) + self.round;
        [
            self.cx - w,
            self.cy - self.hh - self.round,
            self.cx + w,
            self.cy + self.hh + self.round,
        ]
    }
}

/// The top half of an ellipse (cut along its centre line): the hair-like cap.
struct Dome {
    e: Ellipse,
}

impl Sdf for Dome {
    #[inline]
    fn sdf(&self, x: f32, y: f32) -> f32 {
        self.e.sdf(x, y).max(y - self.e.cy)
    }
    fn bbox(&self) -> [f32; 4] {
        let [x0, y0, x1, _] = self.e.bbox();
        [x0, y0, x1, self.e.cy]
    }
}

fn ink(half_width: f32) -> Option<Outline> {
    Some(Outline {
        value: INK,
        half_width,
    })
}

// ---------------------------------------------------------------------------------------------
// Objects.

fn draw_object(o: &ObjectSpec, canvas: &mut Canvas) {
    let u = &o.u;
    let ox = -0.10 + 0.20 * u[0];
    let oy = -0.08 + 0.16 * u[1];
    let sc = 1.05 + 0.35 * u[2];
    let shade = 0.50 + 0.42 * u[3];
    match o.kind {
        ObjectKind::Cup => {
            let hx = sc * (0.28 + 0.10 * u[4]);
            let hy = sc * (0.30 + 0.12 * u[5]);
            let (bx, by) = (ox - 0.10 * sc, oy + 0.08 * sc);
            let body = Trapezoid {
                cx: bx,
                cy: by,
                top: hx - 0.06 * sc,
                bottom: 0.80 * hx - 0.06 * sc,
                hh: hy - 0.06 * sc,
                round: 0.06 * sc,
            };
            // The handle: a ring half hidden behind the body's right side.
            let (hcx, hcy) = (bx + 0.88 * hx, by - 0.04 * sc);
            let (hrx, hry) = (0.20 * sc, sc * (0.16 + 0.08 * u[6]));
            let t = 0.065 * sc;
            canvas.paint(
                &Ellipse {
                    cx: hcx,
                    cy: hcy,
                    rx: hrx,
                    ry: hry,
                },
                shade,
                1.0,
                ink(OUTLINE),
            );
            canvas.paint(
                &Ellipse {
                    cx: hcx,
                    cy: hcy,
                    rx: hrx - t,
                    ry: hry - t,
                },
                1.0,
                1.0,
                ink(OUTLINE),
            );
            canvas.paint(&body, shade, 1.0, ink(OUTLINE));
            // The rim: the cup's opening seen from a little above.
            let rim = Ellipse {
                cx: bx,
                cy: by - hy + 0.01,
                rx: hx,
                ry: 0.075 * sc,
            };
            canvas.paint(&rim, shade * 0.62, 1.0, ink(OUTLINE));
        }
        ObjectKind::Box => {
            let hx = sc * (0.36 + 0.16 * u[4]);
            let hy = sc * (0.26 + 0.14 * u[5]);
            let lid_h = sc * (0.07 + 0.06 * u[6]);
            let (bx, by) = (ox, oy + 0.06);
            let body = RoundBox {
                cx: bx,
                cy: by,
                hx,
                hy,
                r: 0.03,
            };
            canvas.paint(&body, shade, 1.0, ink(OUTLINE));
            let lid = RoundBox {
                cx: bx,
                cy: by - hy + lid_h - 0.02,
                hx: hx + 0.04 * sc,
                hy: lid_h,
                r: 0.02,
            };
            canvas.paint(&lid, shade * 0.82, 1.0, ink(OUTLINE));
            // The lid's seam, a broad line along its bottom edge.
            let seam_y = by - hy + 2.0 * lid_h - 0.02;
            canvas.paint(
                &Curve::horizontal(
                    bx,
                    hx + 0.03 * sc,
                    [seam_y, 0.0, 0.0, 0.0],
                    [0.012, 0.0, 0.0],
                ),
                INK,
                1.0,
                None,
            );
            // A label on the front.
            let label = RoundBox {
                cx: bx + 0.30 * hx * (u[7] - 0.5),
                cy: 0.5 * (seam_y + by + hy) + 0.02,
                hx: 0.35 * hx,
                hy: 0.22 * (by + hy - seam_y),
                r: 0.015,
            };
            canvas.paint(&label, (shade + 0.30).min(0.97), 1.0, ink(OUTLINE));
        }
        ObjectKind::Lamp => {
            let top = sc * (0.10 + 0.06 * u[4]);
            let bottom = top + sc * (0.14 + 0.12 * u[6]);
            let hh = sc * 0.20;
            let shade_y = oy - 0.32 * sc;
            let base_y = oy + sc * (0.36 + 0.14 * u[5]);
            let stem = RoundBox {
                cx: ox,
                cy: 0.5 * (shade_y + base_y),
                hx: 0.035 * sc,
                hy: 0.5 * (base_y - shade_y),
                r: 0.01,
            };
            canvas.paint(&stem, shade * 0.55, 1.0, ink(OUTLINE));
            let base = RoundBox {
                cx: ox,
                cy: base_y,
                hx: 0.26 * sc,
                hy: 0.06 * sc,
                r: 0.05 * sc,
            };
            canvas.paint(&base, shade * 0.70, 1.0, ink(OUTLINE));
            let lampshade = Trapezoid {
                cx: ox,
                cy: shade_y,
                top: top - 0.02,
                bottom: bottom - 0.02,
                hh: hh - 0.02,
                round: 0.02,
            };
            canvas.paint(&lampshade, shade, 1.0, ink(OUTLINE));
        }
        ObjectKind::Leaf => {
            let half = sc * (0.40 + 0.14 * u[4]);
            let width = sc * (0.16 + 0.12 * u[5]);
            let bend = sc * (-0.16 + 0.32 * u[6]);
            let upright = u[7] < 0.5;
            // Along x, or along y (`upright`), tilted and bent.
            let tilt = 0.24 * sc * ((2.0 * u[7]).fract() - 0.5);
            let g = [if upright { ox } else { oy }, tilt, bend, 0.0];
            let tc = if upright { oy } else { ox };
            let make = |tc: f32, half: f32, g: [f32; 4], r: [f32; 3]| {
                if upright {
                    Curve::vertical(tc, half, g, r)
                } else {
                    Curve::horizontal(tc, half, g, r)
                }
            };
            let blade = make(tc, half, g, [0.0, 0.0, width]);
            let at = |s: f32| g[0] + s * (g[1] + s * (g[2] + s * g[3]));
            let slope = |s: f32| g[1] + s * (2.0 * g[2] + 3.0 * s * g[3]);
            // The stalk: a straight stroke continuing the centre line beyond s = −1.
            let stalk_half = 0.08 * sc;
            let stalk_c = at(-1.0) - slope(-1.0) * stalk_half / half;
            let stalk = make(
                tc - half - stalk_half + 0.02,
                stalk_half,
                [stalk_c, slope(-1.0) * stalk_half / half, 0.0, 0.0],
                [0.016, 0.0, 0.0],
            );
            canvas.paint(&stalk, shade * 0.45, 1.0, None);
            canvas.paint(&blade, shade, 1.0, ink(OUTLINE));
            let rib = make(
                tc,
                half * 0.92,
                [g[0], g[1] * 0.92, g[2] * 0.8464, 0.0],
                [0.008, 0.004, 0.0],
            );
            canvas.paint(&rib, shade * 0.45, 1.0, None);
            // Veins: short strokes from the midrib towards the edge, two per side.
            for (k, s0) in [-0.45f32, 0.15].into_iter().enumerate() {
                for side in [-1.0f32, 1.0] {
                    let (t0, u0) = (tc + s0 * half, at(s0));
                    let len = 0.22 * half * (1.0 - 0.3 * k as f32);
                    let reach = side * width * (0.55 - 0.15 * k as f32);
                    let g1 = 0.5 * reach + slope(s0) * 0.5 * len / half;
                    let vein = make(
                        t0 + 0.5 * len,
                        0.5 * len,
                        [u0 + g1, g1, 0.0, 0.0],
                        [0.006, -0.002, 0.0],
                    );
                    canvas.paint(&vein, shade * 0.55, 1.0, None);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parts.

/// The cap's dome radii and hair shade.
fn cap_dims(u: &[f32; 4]) -> (f32, f32, f32) {
    let rx = 0.26 + 0.22 * u[0];
    let ry = rx * (0.55 + 0.35 * u[1]);
    (rx, ry, 0.02 + 0.33 * u[2])
}

/// The eyes' radii and the half-distance between their centres.
fn eye_dims(u: &[f32; 4]) -> (f32, f32, f32) {
    let rx = 0.08 + 0.06 * u[0];
    (rx, 0.52 * rx, rx + 0.06 + 0.10 * u[1])
}

/// The mouth's half-width, curvature `c`, opening and end radius (the face's, its smile
/// between 0.4 and 0.9, its line a little thicker).
fn mouth_dims(u: &[f32; 4]) -> (f32, f32, f32, f32) {
    let hw = 0.13 + 0.11 * u[0];
    let smile = 0.40 + 0.50 * u[1];
    (hw, -0.08 + 0.20 * smile, 0.17 * smile, 0.022)
}

/// The mouth centred at (`dx`, `dy`), as the face's: centre line
/// g = ym + c(0.5 − s²) + 0.5·open(1 − s²), radius r0 + 0.5·open(1 − s²). Its top is
/// ym − c/2 − r0 (at the corners) and its bottom ym + c/2 + open + r0 (in the middle), so
/// ym = dy − open/2 centres it.
fn mouth_curve(u: &[f32; 4], dx: f32, dy: f32) -> Curve {
    let (hw, c, open, r0) = mouth_dims(u);
    let ym = dy - 0.5 * open;
    Curve::horizontal(
        dx,
        hw,
        [ym + 0.5 * c + 0.5 * open, 0.0, -c - 0.5 * open, 0.0],
        [r0, 0.0, 0.5 * open],
    )
}

/// Half the width and height of what a part paints, around its centre.
fn half_extent(kind: PartKind, u: &[f32; 4]) -> (f32, f32) {
    match kind {
        PartKind::Cap => {
            let (rx, ry, _) = cap_dims(u);
            (rx + CAP_INK, 0.5 * ry + CAP_INK)
        }
        PartKind::Eyes => {
            let (rx, ry, e) = eye_dims(u);
            (e + rx + OUTLINE, ry + OUTLINE)
        }
        PartKind::Mouth => {
            let (hw, c, open, r0) = mouth_dims(u);
            (hw + r0, 0.5 * (c + open) + r0)
        }
    }
}

/// Paints the part; for its mask (`mask`), every shape and outline in black.
fn draw_part(p: &PartSpec, canvas: &mut Canvas, mask: bool) {
    let v = |value: f32| if mask { 0.0 } else { value };
    let line = |hw: f32| {
        Some(Outline {
            value: v(INK),
            half_width: hw,
        })
    };
    match p.kind {
        PartKind::Cap => {
            let (rx, ry, hair) = cap_dims(&p.u);
            let dome = Dome {
                e: Ellipse {
                    cx: p.cx,
                    cy: p.cy + 0.5 * ry,
                    rx,
                    ry,
                },
            };
            canvas.paint(&dome, v(hair), 1.0, line(CAP_INK));
        }
        PartKind::Eyes => {
            let (rx, ry, e) = eye_dims(&p.u);
            let ey = p.cy;
            for side in [-1.0f32, 1.0] {
                let ex = p.cx + side * e;
                let eye = Ellipse {
                    cx: ex,
                    cy: ey,
                    rx,
                    ry,
                };
                let iris = Ellipse {
                    cx: ex,
                    cy: ey + 0.1 * ry,
                    rx: 0.78 * ry,
                    ry: 0.78 * ry,
                };
                let pupil = Ellipse {
                    cx: ex,
                    cy: ey + 0.1 * ry,
                    rx: 0.38 * ry,
                    ry: 0.38 * ry,
                };
                canvas.paint(&eye, v(0.98), 1.0, line(OUTLINE));
                canvas.paint(&iris, v(0.20), 1.0, None);
                canvas.paint(&pupil, v(0.0), 1.0, None);
                let lid = Curve::horizontal(
                    ex,
                    rx * 0.92,
                    [ey - ry * 0.92, 0.0, ry * 0.85, 0.0],
                    [0.012, 0.0, 0.006],
                );
                canvas.paint(&lid, v(INK), 1.0, None);
            }
        }
        PartKind::Mouth => {
            canvas.paint(&mouth_curve(&p.u, p.cx, p.cy), v(0.10), 1.0, None);
            // The upper teeth, a band just under the top edge (inside the mouth), as the face's.
            let (hw, c, open, _) = mouth_dims(&p.u);
            let ym = p.cy - 0.5 * open;
            let t_r = 0.16 * open;
            let teeth = Curve::horizontal(
                p.cx,
                0.75 * hw,
                [ym + 0.5 * c + 0.004 + t_r, 0.0, -c * 0.5625 - t_r, 0.0],
                [0.0, 0.0, t_r],
            );
            canvas.paint(&teeth, v(0.92), 1.0, None);
        }
    }
}
