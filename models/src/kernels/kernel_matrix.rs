//! The stride-2 layers' weights as the kernel matrices their products use, and the kernel
//! matrices' gradients back in the weights' layouts.
//!
//! Weights keep PyTorch's layouts: `[out, in, 4, 4]` for the convolution, `[in, out, 4, 4]` for
//! the transposed one. The windows' columns run in (ky, kx, channel) order (`window`), so the
//! convolution's kernel matrix is `16 · in × out` with rows in that order, and the transposed
//! convolution's is `in × 16 · out` with columns in (ky, kx, out) order. At most 65,536 values:
//! a negligible copy per step.

/// `[O, C, 4, 4]` → `16 · C × O`, row (ky, kx, c).
pub fn conv_kernel(weight: &[f32], o: usize, c: usize) -> Vec<f32> {
    let mut k = vec![0f32; 16 * c * o];
    for oc in 0..o {
        for ci in 0..c {
            for tap in 0..16 {
                k[(tap * c + ci) * o + oc] = weight[(oc * c + ci) * 16 + tap];
            }
        }
    }
    k
}

/// The inverse of [`conv_kernel`]: a kernel matrix's gradient in the weight's layout.
pub fn conv_weight(k: &[f32], o: usize, c: usize) -> Vec<f32> {
    let mut w = vec![0f32; 16 * c * o];
    for oc in 0..o {
        for ci in 0..c {
            for tap in 0..16 {
                w[(oc * c + ci) * 16 + tap] = k[(tap * c + ci) * o + oc];
            }
        }
    }
    w
}

/// `[C, O, 4, 4]` → `C × 16 · O`, column (ky, kx, o).
pub fn deconv_kernel(weight: &[f32], c: usize, o: usize) -> Vec<f32> {
    let mut k = vec![0f32; 16 * c * o];
    for ci in 0..c {
        for oc in 0..o {
            for tap in 0..16 {
                k[ci * 16 * o + tap * o + oc] = weight[(ci * o + oc) * 16 + tap];
            }
        }
    }
    k
}

/// The inverse of [`deconv_kernel`].
pub fn deconv_weight(k: &[f32], c: usize, o: usize) -> Vec<f32> {
    let mut w = vec![0f32; 16 * c * o];
    for ci in 0..c {
        for oc in 0..o {
            for tap in 0..16 {
                w[(ci * o + oc) * 16 + tap] = k[ci * 16 * o + tap * o + oc];
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_change_is_undone_by_its_inverse() {
        let (o, c) = (3, 2);
        let w: Vec<f32> = (0..16 * o * c).map(|v| v as f32).collect();
        assert_eq!(conv_weight(&conv_kernel(&w, o, c), o, c), w);
        assert_eq!(deconv_weight(&deconv_kernel(&w, c, o), c, o), w);
    }

    #[test]
    fn the_convolution_kernel_row_of_a_tap_and_channel_holds_that_weight() {
        let (o, c) = (3, 2);
        let w: Vec<f32> = (0..16 * o * c).map(|v| v as f32).collect();
        let k = conv_kernel(&w, o, c);
        // weight[oc = 2, ci = 1, ky = 3, kx = 1] at row (3 · 4 + 1) · c + 1, column 2.
        assert_eq!(
            k[((3 * 4 + 1) * c + 1) * o + 2],
            w[((2 * c + 1) * 4 + 3) * 4 + 1]
        );
    }
}
