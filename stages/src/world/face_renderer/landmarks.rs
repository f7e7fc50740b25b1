//! The face's 80 landmark points on the drawn features, in unit coordinates (the public
//! `landmarks` converts them to pixels and documents their order).

use super::N_LANDMARKS;
use super::face::Face;

impl Face {
    /// 80 landmarks in unit coordinates (see [`landmarks()`](super::landmarks())).
    pub(super) fn landmarks(&self) -> Vec<(f32, f32)> {
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
