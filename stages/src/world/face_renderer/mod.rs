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
//! each, are recorded in `../face-world-experiments.md` (beside this directory).
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
//!
//! The parts, from the primitives up: `shapes.rs`, the signed distance functions of the
//! primitives (an ellipse, a rounded box, the face outline, a cubic stroke, the two hair shapes);
//! `canvas.rs`, the sample grid that composites shapes with their outlines and box-filters down;
//! `face.rs`, every part of one face placed by its factors; `look.rs`, the ink lines, shades and
//! painting order; `landmarks.rs`, the 80 landmark points on the drawn features. This file holds
//! the public API: the factors, [`render`], [`render_into`] and [`landmarks`].

mod canvas;
mod face;
mod landmarks;
mod look;
mod objects;
mod shapes;

use canvas::Canvas;
use face::Face;
pub use objects::{
    OBJECT_KINDS, ObjectKind, ObjectSpec, PART_KINDS, PART_MARGIN, PartKind, PartSpec, part_mask,
    part_mask_into, render_object, render_object_into,
};

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
