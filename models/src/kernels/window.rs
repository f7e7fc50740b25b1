//! [`Windows`]: the 4 × 4, stride-2, padding-1 windows of the paper's convolutions, gathered
//! into the rows of a matrix ([`Windows::unfold`], "im2col") and scattered back with addition
//! ([`Windows::fold_add`], "col2im", its adjoint).
//!
//! Both layers of the paper use the same geometry between a *fine* grid (2H × 2W) and a *coarse*
//! one (H × W), channels last: coarse pixel (i, j) sees the fine pixels (2i + ky − 1, 2j + kx − 1)
//! for ky, kx ∈ 0..4, and those outside the fine grid are the zero padding. A convolution reads
//! the fine grid (its input) and writes the coarse one; a transposed convolution is its adjoint,
//! reading the coarse grid and writing the fine one. One row of the window matrix per coarse
//! pixel, in (image, i, j) order; its 16 · C columns in (ky, kx, channel) order.
//!
//! Images are independent, so both passes split the batch over rayon's threads; within an image
//! the order of additions is fixed, so the results do not depend on the thread count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

fn zero(values: &mut [MaybeUninit<f32>]) {
    for v in values {
        v.write(0.0);
    }
}

/// The geometry: `images` fine grids of `2 · height × 2 · width` pixels, `channels` per pixel,
/// and the `height × width` coarse grid of window positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    pub images: usize,
    /// The coarse grid's height (the fine grid's is twice this).
    pub height: usize,
    /// The coarse grid's width.
    pub width: usize,
    pub channels: usize,
}

impl Windows {
    /// Values in one image's fine grid.
    pub fn fine_len(&self) -> usize {
        4 * self.height * self.width * self.channels
    }

    /// Rows of the window matrix (coarse pixels of all images).
    pub fn rows(&self) -> usize {
        self.images * self.height * self.width
    }

    /// Columns of the window matrix.
    pub fn columns(&self) -> usize {
        16 * self.channels
    }

    /// The fine row (or column) a tap `k` of coarse position `i` lands on, if inside the grid.
    fn fine(i: usize, k: usize, extent: usize) -> Option<usize> {
        (2 * i + k).checked_sub(1).filter(|&p| p < 2 * extent)
    }

    /// The window matrix (`rows × columns`, row-major) of `fine` (`images` fine grids, NHWC).
    /// Every entry is written once: the taps, or zeros on the padding.
    pub fn unfold(&self, fine: &[f32]) -> Vec<f32> {
        assert_eq!(fine.len(), self.images * self.fine_len());
        let c = self.channels;
        let (h, w) = (self.height, self.width);
        let row = self.columns();
        let len = self.rows() * row;
        let mut out = Vec::with_capacity(len);
        if len > 0 {
            out.spare_capacity_mut()[..len]
                .par_chunks_mut(h * w * row)
                .zip(fine.par_chunks(self.fine_len()))
                .for_each(|(out, image)| {
                    for i in 0..h {
                        for ky in 0..4 {
                            let y = Self::fine(i, ky, h);
                            for j in 0..w {
                                let dst = &mut out[(i * w + j) * row + ky * 4 * c..][..4 * c];
                                let Some(y) = y else {
                                    zero(dst); // the padding
                                    continue;
                                };
                                let line = &image[y * 2 * w * c..(y + 1) * 2 * w * c];
                                if j > 0 && j + 1 < w {
                                    // Interior: the four taps are four adjacent pixels.
                                    dst.write_copy_of_slice(
                                        &line[(2 * j - 1) * c..(2 * j + 3) * c],
                                    );
                                    continue;
                                }
                                for (kx, dst) in dst.chunks_exact_mut(c).enumerate() {
                                    match Self::fine(j, kx, w) {
                                        Some(x) => {
                                            dst.write_copy_of_slice(&line[x * c..(x + 1) * c]);
                                        }
                                        None => zero(dst),
                                    }
                                }
                            }
                        }
                    }
                });
        }
        // SAFETY: the loops above wrote all `len` values: each row's 4 × 4 taps of `c` values,
        // for every row of every image.
        unsafe { out.set_len(len) };
        out
    }

    /// Adds the window matrix `windows` (`rows × columns`) into `fine` (`images` fine grids,
    /// NHWC) at the pixels each entry was (or would be) gathered from; entries on the padding are
    /// dropped.
    pub fn fold_add(&self, windows: &[f32], fine: &mut [f32]) {
        assert_eq!(windows.len(), self.rows() * self.columns());
        assert_eq!(fine.len(), self.images * self.fine_len());
        let c = self.channels;
        let (h, w) = (self.height, self.width);
        let row = self.columns();
        if fine.is_empty() {
            return;
        }
        fine.par_chunks_mut(self.fine_len())
            .zip(windows.par_chunks(h * w * row))
            .for_each(|(image, windows)| {
                for i in 0..h {
                    for ky in 0..4 {
                        let Some(y) = Self::fine(i, ky, h) else {
                            continue;
                        };
                        let line = &mut image[y * 2 * w * c..(y + 1) * 2 * w * c];
                        for j in 0..w {
                            let src = &windows[(i * w + j) * row + ky * 4 * c..][..4 * c];
                            if j > 0 && j + 1 < w {
                                let dst = &mut line[(2 * j - 1) * c..(2 * j + 3) * c];
                                for (d, s) in dst.iter_mut().zip(src) {
                                    *d += s;
                                }
                            } else {
                                for kx in 0..4 {
                                    if let Some(x) = Self::fine(j, kx, w) {
                                        let dst = &mut line[x * c..(x + 1) * c];
                                        for (d, s) in dst.iter_mut().zip(&src[kx * c..]) {
                                            *d += s;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small geometry with every edge case: width 1 (no interior column), width 3.
    fn geometries() -> Vec<Windows> {
        let mut all = Vec::new();
        for (height, width, channels) in [(1, 1, 1), (2, 3, 2), (3, 1, 3), (2, 4, 1)] {
            all.push(Windows {
                images: 2,
                height,
                width,
                channels,
            });
        }
        all
    }

    /// The definition, entry by entry.
    fn unfold_by_definition(g: &Windows, fine: &[f32]) -> Vec<f32> {
        let (h, w, c) = (g.height, g.width, g.channels);
        let mut out = vec![0f32; g.rows() * g.columns()];
        for n in 0..g.images {
            for i in 0..h {
                for j in 0..w {
                    for ky in 0..4 {
                        for kx in 0..4 {
                            for ch in 0..c {
                                let y = 2 * i as isize + ky as isize - 1;
                                let x = 2 * j as isize + kx as isize - 1;
                                let inside =
                                    y >= 0 && x >= 0 && y < 2 * h as isize && x < 2 * w as isize;
                                let value = if inside {
                                    fine[n * g.fine_len()
                                        + ((y as usize * 2 * w) + x as usize) * c
                                        + ch]
                                } else {
                                    0.0
                                };
                                out[((n * h + i) * w + j) * g.columns() + (ky * 4 + kx) * c + ch] =
                                    value;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, salt: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 + salt * 11) % 23) as f32 - 11.0)
            .collect()
    }

    #[test]
    fn unfold_gathers_each_tap_or_zero_on_the_padding() {
        for g in geometries() {
            let fine = values(g.images * g.fine_len(), 1);
            assert_eq!(g.unfold(&fine), unfold_by_definition(&g, &fine), "{g:?}");
        }
    }

    #[test]
    fn fold_add_is_the_adjoint_of_unfold() {
        // ⟨unfold(a), b⟩ = ⟨a, fold(b)⟩ for integer-valued data (exact in f32).
        for g in geometries() {
            let a = values(g.images * g.fine_len(), 2);
            let b = values(g.rows() * g.columns(), 3);
            let left: f32 = g.unfold(&a).iter().zip(&b).map(|(x, y)| x * y).sum();
            let mut folded = vec![0f32; a.len()];
            g.fold_add(&b, &mut folded);
            let right: f32 = a.iter().zip(&folded).map(|(x, y)| x * y).sum();
            assert_eq!(left, right, "{g:?}");
        }
    }

    #[test]
    fn fold_add_adds_to_what_is_there() {
        let g = geometries()[1];
        let b = values(g.rows() * g.columns(), 4);
        let mut once = vec![0f32; g.images * g.fine_len()];
        g.fold_add(&b, &mut once);
        let mut twice = once.clone();
        g.fold_add(&b, &mut twice);
        let doubled: Vec<f32> = once.iter().map(|v| 2.0 * v).collect();
        assert_eq!(twice, doubled);
    }
}
