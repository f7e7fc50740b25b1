//! The face's geometry: every part of one face (head, ears, neck, shoulders, hair, eyes, brows,
//! nose, mouth, teeth and age marks) as a shape in unit coordinates, placed and sized by the
//! factors, with the skin and hair shades they set.

use super::FaceFactors;
use super::shapes::{BackHair, Curve, Ellipse, FaceShape, FrontHair, Hairline, RoundBox};

/// Every part of one face, in unit coordinates.
pub(super) struct Face {
    pub(super) skin: f32,
    pub(super) hair: f32,
    pub(super) age: f32,
    pub(super) head: FaceShape,
    pub(super) ears: [Ellipse; 2],
    pub(super) neck: RoundBox,
    pub(super) shoulders: Ellipse,
    pub(super) back_hair: BackHair,
    pub(super) front_hair: FrontHair,
    pub(super) parting: Curve,
    pub(super) eyes: [Ellipse; 2],
    pub(super) lids: [Curve; 2],
    pub(super) irises: [Ellipse; 2],
    pub(super) pupils: [Ellipse; 2],
    pub(super) brows: [Curve; 2],
    pub(super) nose_shadow: RoundBox,
    pub(super) nose_side: Curve,
    pub(super) nose_base: Curve,
    pub(super) nostrils: [Ellipse; 2],
    pub(super) mouth: Curve,
    pub(super) teeth: Curve,
    pub(super) wrinkles: Vec<Curve>,
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
    pub(super) fn new(f: &FaceFactors) -> Face {
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
}
