//! Where training images come from: anything that can write sample `i` into a buffer.
//!
//! The stage decides what a sample is (a plain image, or a translated copy of one for the
//! classifier); the trainer only asks for pixels and labels.

/// An indexed set of grayscale images of one size (values in [0, 1]).
pub trait Samples: Sync {
    /// The number of samples.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Writes sample `i`'s `height × width` pixels, row-major, into `out`.
    fn write(&self, i: usize, out: &mut [f32]);
    /// Sample `i`'s class (classifier training), if labelled.
    fn label(&self, _i: usize) -> Option<usize> {
        None
    }
}

/// Images held contiguously, `len × area` values.
pub struct ImageArray<'a> {
    pub pixels: &'a [f32],
    pub area: usize,
}

impl Samples for ImageArray<'_> {
    fn len(&self) -> usize {
        self.pixels.len() / self.area
    }

    fn write(&self, i: usize, out: &mut [f32]) {
        out.copy_from_slice(&self.pixels[i * self.area..(i + 1) * self.area]);
    }
}
