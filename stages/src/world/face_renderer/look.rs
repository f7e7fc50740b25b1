//! The face's look: the ink lines (outlines, the broad lines along the face's edge and the
//! hairline), the features' shades, and the order in which the parts are painted.

use super::canvas::{Canvas, Outline};
use super::face::Face;

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
/// on separate latents (issue 6, world v3 in `../face-world-experiments.md`).
const FACE_INK: f32 = 0.04;

impl Face {
    pub(super) fn draw(&self, canvas: &mut Canvas) {
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
}
