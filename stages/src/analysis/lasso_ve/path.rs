//! The Lasso path of one neuron on one fold's Gram matrix, with the validation error at every α
//! as a quadratic form on the fold's validation Gram matrix (no step touches the n × p data).

use flow_numeric::lasso_path::LassoPath;

/// The validation data of one fold for one neuron (see `Fold` in `compute.rs`).
pub(super) struct Validation<'a> {
    pub(super) h: &'a [f64],
    pub(super) v: &'a [f64],
    pub(super) yy: f64,
    pub(super) n_val: usize,
}

/// The Lasso path of one neuron on one Gram matrix over `grid`: the validation MSE at each α
/// (if `val` is given), the solution at the last α (dense), and the unpolished count. Runs the
/// AVX2 build of the same code where the CPU has it (bit-identical results: nothing is fused).
pub(super) fn run_path(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { run_path_avx2(g, c, grid, val) };
        }
    }
    run_path_impl(g, c, grid, val)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_path_avx2(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    run_path_impl(g, c, grid, val)
}

#[inline(always)]
fn run_path_impl(
    g: &[f64],
    c: &[f64],
    grid: &[f64],
    val: Option<&Validation>,
) -> (Vec<f64>, Vec<f64>, usize) {
    let p = c.len();
    let mut path = LassoPath::new(g, c);
    let mut quad = SegmentSse::default();
    let mut mse = Vec::with_capacity(if val.is_some() { grid.len() } else { 0 });
    for &a in grid {
        path.advance(a);
        if let Some(vd) = val {
            let sse = match path.segment() {
                Some(seg) => quad.at(
                    a, seg.serial, vd.yy, vd.h, vd.v, p, seg.active, seg.u, seg.v,
                ),
                None => {
                    let (idx, w) = path.solution();
                    validation_sse(vd.yy, vd.h, vd.v, p, idx, w)
                }
            };
            mse.push(sse / vd.n_val as f64);
        }
    }
    let mut w = vec![0.0; p];
    let (idx, values) = path.solution();
    for (&d, &x) in idx.iter().zip(values) {
        w[d] = x;
    }
    (mse, w, path.unpolished)
}

/// The validation SSE along one segment of the path, w(α) = u − αv on a fixed active set:
/// yᵀy − 2hᵀw + wᵀVw = q0 + α q1 + α² q2, the coefficients computed once per segment (two
/// contiguous axpys per active coordinate), then O(1) per α.
#[derive(Default)]
struct SegmentSse {
    serial: Option<u64>,
    q: [f64; 3],
    vu: Vec<f64>,
    vv: Vec<f64>,
}

impl SegmentSse {
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn at(
        &mut self,
        alpha: f64,
        serial: u64,
        yy: f64,
        h: &[f64],
        v_gram: &[f64],
        p: usize,
        active: &[usize],
        u: &[f64],
        v: &[f64],
    ) -> f64 {
        if self.serial != Some(serial) {
            self.vu.clear();
            self.vu.resize(p, 0.0);
            self.vv.clear();
            self.vv.resize(p, 0.0);
            for (r, &j) in active.iter().enumerate() {
                let row = &v_gram[j * p..(j + 1) * p];
                let (ur, vr) = (u[r], v[r]);
                for ((a, b), &x) in self.vu.iter_mut().zip(self.vv.iter_mut()).zip(row) {
                    *a += x * ur;
                    *b += x * vr;
                }
            }
            let (mut hu, mut hv, mut uvu, mut uvv, mut vvv) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (r, &j) in active.iter().enumerate() {
                hu += h[j] * u[r];
                hv += h[j] * v[r];
                uvu += u[r] * self.vu[j];
                uvv += u[r] * self.vv[j];
                vvv += v[r] * self.vv[j];
            }
            self.q = [yy - 2.0 * hu + uvu, 2.0 * hv - 2.0 * uvv, vvv];
            self.serial = Some(serial);
        }
        self.q[0] + alpha * self.q[1] + alpha * alpha * self.q[2]
    }
}

/// Σ_val (y − x·w)² = yᵀy − 2 hᵀw + wᵀVw for a sparse w (indices `idx`, values `val`).
#[inline(always)]
fn validation_sse(yy: f64, h: &[f64], v: &[f64], p: usize, idx: &[usize], val: &[f64]) -> f64 {
    let mut lin = 0.0;
    let mut quad = 0.0;
    for (a, (&ja, &wa)) in idx.iter().zip(val).enumerate() {
        lin += h[ja] * wa;
        let row = &v[ja * p..(ja + 1) * p];
        // Σ_{b<a} V_ab w_b with four independent accumulators.
        let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
        let (ib, wb) = (&idx[..a], &val[..a]);
        let chunks = a / 4;
        for c in 0..chunks {
            let o = 4 * c;
            s0 += row[ib[o]] * wb[o];
            s1 += row[ib[o + 1]] * wb[o + 1];
            s2 += row[ib[o + 2]] * wb[o + 2];
            s3 += row[ib[o + 3]] * wb[o + 3];
        }
        for o in 4 * chunks..a {
            s0 += row[ib[o]] * wb[o];
        }
        quad += wa * (row[ja] * wa + 2.0 * ((s0 + s1) + (s2 + s3)));
    }
    yy - 2.0 * lin + quad
}
