//! The Lasso along a path of penalties, solved exactly (docs/METHODS.md §1.3 and §1.9).
//!
//! The problem is scikit-learn's, min (1/(2m))‖y − Xw‖² + α‖w‖₁ with X and y centred on the m
//! fitting images, written in covariance form: with G = XᵀX/m and c = Xᵀy/m it is
//!
//! ```text
//!     min_w  ½ wᵀGw − cᵀw + α‖w‖₁          (optimality: g = c − Gw,  g_A = α·sign(w_A),  |g_j| ≤ α off A)
//! ```
//!
//! so one Gram matrix G per fold serves every neuron (only c differs), and nothing here touches
//! the n × p data. The minimiser is found by its KKT system (METHODS §1.9's "polish", used as
//! the solver itself), warm-started along a descending grid of α:
//!
//! 1. **Segment check.** An exact solution has an active set A with signs s; while A and s do
//!    not change, the minimiser is w_A(α) = u − αv with u = G_AA⁻¹c_A, v = G_AA⁻¹s_A, and the
//!    gradient is g(α) = a + αb (a = c − G_{·A}u, b = G_{·A}v). If the signs of u − αv agree with s
//!    and |a_j + αb_j| ≤ α(1 + 1e-11) off A, that *is* the exact minimiser at α: O(p) per α.
//! 2. **Active-set step.** Otherwise the check says what changed: coordinates whose sign
//!    flipped leave A, coordinates violating |g_j| ≤ α(1 + 1e-11) enter it with the sign of g_j;
//!    the KKT system G_AA w_A = c_A − α s_A is re-solved and re-checked until both conditions
//!    hold (one or two solves between grid points, as in the homotopy/LARS-Lasso algorithm of
//!    Osborne, Presnell & Turlach 2000 and Efron et al. 2004). The Cholesky factor of G_AA is
//!    updated by appending a column or deleting one with Givens rotations (Golub & Van Loan,
//!    *Matrix Computations*, 4th ed., §6.5), O(|A|²) per change: appending columns in turn is
//!    exactly the Cholesky factorisation, and deletions by rotations are backward stable, so the
//!    result is the unique minimiser up to rounding.
//! 3. **Fallback.** Should the active-set step not settle (a singular G_AA, e.g. duplicated
//!    units), covariance-update coordinate descent (glmnet's "covariance updates": Friedman,
//!    Hastie & Tibshirani 2010, J. Stat. Softw. 33(1) §2.2) is run from the warm start to a step
//!    of 1e-10 and the active-set step retried from its support; failing again, to 1e-15, and its
//!    iterate is used and counted as *unpolished*.
//!
//! The small factor updates are written here: faer (used for every Gram product) has no
//! column insert/delete for a Cholesky factor, and at |A| ≤ 50 a call's overhead would dominate.
//! Every method is `#[inline(always)]` so that a caller compiled for AVX2 (see `lasso-ve`'s
//! runtime dispatch) vectorises them too; no floating-point operation is fused or reordered by
//! that, so the results are the same bits on every x86-64 machine.

/// Relative slack of the KKT inequality |g_j| ≤ α(1 + KKT_REL) off the active set.
const KKT_REL: f64 = 1e-11;
/// Absolute slack (times max(1, |c|∞)) for rounding in the gradient when α is tiny.
const KKT_ABS: f64 = 1e-13;
/// CD stopping rule before the first retry (largest coordinate step × √G_jj).
const CD_TOL: f64 = 1e-10;
/// CD stopping rule of the last retry.
const CD_TOL_FINE: f64 = 1e-15;
const CD_MAX_SWEEPS: usize = 20_000;
/// A new pivot d² ≤ this × G_jj means G_AA is (numerically) singular.
const SINGULAR: f64 = 1e-12;

/// What breaks a segment: factor positions whose sign flipped, and coordinates that must enter
/// with the sign of their gradient.
type Changes = (Vec<usize>, Vec<(usize, f64)>);

/// The current segment of the path: w_A(α) = u − αv on the active set `active` (factor order);
/// `serial` changes whenever the segment does.
pub struct Segment<'a> {
    pub active: &'a [usize],
    pub u: &'a [f64],
    pub v: &'a [f64],
    pub serial: u64,
}

/// The Lasso path solver for one right-hand side `c` on a shared Gram matrix `g`.
pub struct LassoPath<'a> {
    p: usize,
    /// p × p, row-major (symmetric).
    g: &'a [f64],
    c: &'a [f64],
    kkt_abs: f64,
    /// The last solution (dense) and its gradient c − Gw.
    w: Vec<f64>,
    grad: Vec<f64>,
    // The active set, in factor order, its signs, and R (upper triangular, G_AA = RᵀR) stored
    // column-major in a p × p buffer.
    active: Vec<usize>,
    signs: Vec<f64>,
    r: Vec<f64>,
    in_active: Vec<bool>,
    /// R⁻ᵀc_A and R⁻ᵀs_A, kept in step with R (so a change costs one back substitution).
    yc: Vec<f64>,
    ys: Vec<f64>,
    // The segment: u, v (factor order) and a, b (all coordinates); valid when `segment`.
    u: Vec<f64>,
    v: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    segment: bool,
    serial: u64,
    last_alpha: f64,
    /// The current solution, sparse (indices in factor order).
    idx: Vec<usize>,
    val: Vec<f64>,
    /// Solutions that could not be certified by the KKT conditions (CD iterate used instead).
    pub unpolished: usize,
}

impl<'a> LassoPath<'a> {
    /// `g` is the p × p Gram matrix (row-major), `c` the correlations with y, both divided by m.
    #[inline(always)]
    pub fn new(g: &'a [f64], c: &'a [f64]) -> Self {
        let p = c.len();
        assert_eq!(g.len(), p * p, "Gram matrix is p × p");
        let cmax = c.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        LassoPath {
            p,
            g,
            c,
            kkt_abs: KKT_ABS * cmax.max(1.0),
            w: vec![0.0; p],
            grad: c.to_vec(),
            active: Vec::with_capacity(p),
            signs: Vec::with_capacity(p),
            r: vec![0.0; p * p],
            in_active: vec![false; p],
            yc: Vec::with_capacity(p),
            ys: Vec::with_capacity(p),
            u: Vec::with_capacity(p),
            v: Vec::with_capacity(p),
            a: vec![0.0; p],
            b: vec![0.0; p],
            segment: false,
            serial: 0,
            last_alpha: f64::INFINITY,
            idx: Vec::with_capacity(p),
            val: Vec::with_capacity(p),
            unpolished: 0,
        }
    }

    #[inline(always)]
    fn gjk(&self, j: usize, k: usize) -> f64 {
        self.g[j * self.p + k]
    }

    #[inline(always)]
    fn kkt_bound(&self, alpha: f64) -> f64 {
        alpha * (1.0 + KKT_REL) + self.kkt_abs
    }

    /// The exact minimiser at `alpha`, warm-started from the previous call (call with a
    /// decreasing sequence for speed). Returns the active indices and their values.
    #[inline(always)]
    pub fn solve(&mut self, alpha: f64) -> (&[usize], &[f64]) {
        self.advance(alpha);
        self.solution()
    }

    /// Moves the solution to `alpha` without materialising it (see [`Self::segment`] and
    /// [`Self::solution`]). Returns whether it is certified exact (false: the CD iterate).
    #[inline(always)]
    pub fn advance(&mut self, alpha: f64) -> bool {
        if self.segment && self.holds(alpha) {
            self.last_alpha = alpha;
            return true;
        }
        // The warm start is the previous exact solution.
        if self.segment {
            self.materialise(self.last_alpha);
        }
        self.last_alpha = alpha;
        if self.settle(alpha) {
            return true;
        }
        // Fallback: coordinate descent, then the active-set step from its support.
        self.coordinate_descent(alpha, CD_TOL);
        if self.restart_from_w() && self.settle(alpha) {
            return true;
        }
        self.coordinate_descent(alpha, CD_TOL_FINE);
        if self.restart_from_w() && self.settle(alpha) {
            return true;
        }
        self.unpolished += 1;
        self.segment = false;
        self.idx = (0..self.p).filter(|&j| self.w[j] != 0.0).collect();
        self.val = self.idx.iter().map(|&j| self.w[j]).collect();
        false
    }

    /// The solution at the last `advance`: active indices and their values.
    #[inline(always)]
    pub fn solution(&mut self) -> (&[usize], &[f64]) {
        if self.segment {
            self.materialise(self.last_alpha);
        }
        (&self.idx, &self.val)
    }

    /// Writes the segment's solution at `alpha` into `w`, `idx` and `val`.
    #[inline(always)]
    fn materialise(&mut self, alpha: f64) {
        self.idx.clear();
        self.val.clear();
        self.w.iter_mut().for_each(|x| *x = 0.0);
        for (k, &j) in self.active.iter().enumerate() {
            let wj = self.u[k] - alpha * self.v[k];
            self.w[j] = wj;
            self.idx.push(j);
            self.val.push(wj);
        }
    }

    /// Whether the current segment's solution is the minimiser at `alpha` (no allocation).
    #[inline(always)]
    fn holds(&self, alpha: f64) -> bool {
        for k in 0..self.active.len() {
            if (self.u[k] - alpha * self.v[k]) * self.signs[k] <= 0.0 {
                return false;
            }
        }
        let bound = self.kkt_bound(alpha);
        (0..self.p).all(|j| self.in_active[j] || (self.a[j] + alpha * self.b[j]).abs() <= bound)
    }

    /// What breaks the current segment at `alpha`: (factor positions whose sign flipped,
    /// violating coordinates with the sign of their gradient); None if nothing does.
    #[inline(always)]
    fn changes(&self, alpha: f64) -> Option<Changes> {
        let wrong: Vec<usize> = (0..self.active.len())
            .filter(|&k| (self.u[k] - alpha * self.v[k]) * self.signs[k] <= 0.0)
            .collect();
        let bound = self.kkt_bound(alpha);
        let enter: Vec<(usize, f64)> = (0..self.p)
            .filter(|&j| !self.in_active[j])
            .filter_map(|j| {
                let g = self.a[j] + alpha * self.b[j];
                (g.abs() > bound).then_some((j, g.signum()))
            })
            .collect();
        if wrong.is_empty() && enter.is_empty() {
            None
        } else {
            Some((wrong, enter))
        }
    }

    /// Active-set steps at `alpha` from the current active set until the KKT conditions hold.
    #[inline(always)]
    fn settle(&mut self, alpha: f64) -> bool {
        if !self.segment && !self.solve_segment() {
            return false;
        }
        for _ in 0..(2 * self.p + 10) {
            let Some((wrong, enter)) = self.changes(alpha) else {
                return true;
            };
            // Leave: delete from the back so that positions stay valid.
            for &k in wrong.iter().rev() {
                self.delete(k);
            }
            for (j, s) in enter {
                if !self.append(j, s) {
                    self.segment = false;
                    return false;
                }
            }
            if !self.solve_segment() {
                return false;
            }
        }
        self.segment = false;
        false
    }

    /// Rebuilds the active set and factor from the support and signs of `self.w`.
    #[inline(always)]
    fn restart_from_w(&mut self) -> bool {
        for &j in &self.active {
            self.in_active[j] = false;
        }
        self.active.clear();
        self.signs.clear();
        self.yc.clear();
        self.ys.clear();
        self.segment = false;
        for j in 0..self.p {
            if self.w[j] != 0.0 && !self.append(j, self.w[j].signum()) {
                return false;
            }
        }
        true
    }

    /// Appends coordinate `j` (sign `s`) to the active set: R gains a last column.
    #[inline(always)]
    fn append(&mut self, j: usize, s: f64) -> bool {
        let (p, k) = (self.p, self.active.len());
        // Solve Rᵀz = G_{A,j} by forward substitution; z is written straight into column k of
        // R (column-major: row i of Rᵀ is column i of R, contiguous).
        let (head, tail) = self.r.split_at_mut(k * p);
        let z = &mut tail[..k];
        for i in 0..k {
            let col = &head[i * p..i * p + i + 1];
            z[i] = (self.g[self.active[i] * p + j] - dot(&col[..i], &z[..i])) / col[i];
        }
        let gjj = self.g[j * p + j];
        let d2 = gjj - dot(z, z);
        if d2.is_nan() || d2 <= SINGULAR * gjj {
            return false;
        }
        let d = d2.sqrt();
        let zc = dot(z, &self.yc);
        let zs = dot(z, &self.ys);
        tail[k] = d;
        self.yc.push((self.c[j] - zc) / d);
        self.ys.push((s - zs) / d);
        self.active.push(j);
        self.signs.push(s);
        self.in_active[j] = true;
        self.segment = false;
        true
    }

    /// Deletes factor position `q` from the active set; Givens rotations restore R.
    #[inline(always)]
    fn delete(&mut self, q: usize) {
        let (p, k) = (self.p, self.active.len());
        // Shift columns q+1.. left by one (column-major: whole columns move).
        for col in q..k - 1 {
            self.r
                .copy_within((col + 1) * p..(col + 1) * p + k, col * p);
        }
        // Column i (i ≥ q) now has a subdiagonal entry R[i+1, i]; rotate rows i, i+1 to remove it.
        for i in q..k - 1 {
            let (x, y) = (self.r[i * p + i], self.r[i * p + i + 1]);
            let h = x.hypot(y);
            let (cs, sn) = if h == 0.0 { (1.0, 0.0) } else { (x / h, y / h) };
            for col in i..k - 1 {
                let (top, bot) = (self.r[col * p + i], self.r[col * p + i + 1]);
                self.r[col * p + i] = cs * top + sn * bot;
                self.r[col * p + i + 1] = -sn * top + cs * bot;
            }
            for y in [&mut self.yc, &mut self.ys] {
                let (top, bot) = (y[i], y[i + 1]);
                y[i] = cs * top + sn * bot;
                y[i + 1] = -sn * top + cs * bot;
            }
        }
        self.yc.pop();
        self.ys.pop();
        let j = self.active.remove(q);
        self.signs.remove(q);
        self.in_active[j] = false;
        self.segment = false;
    }

    /// Back substitution R x = x, R y = y in place (column-oriented: contiguous axpys).
    #[inline(always)]
    fn back_substitute2(&self, x: &mut [f64], y: &mut [f64]) {
        let (p, k) = (self.p, x.len());
        for i in (0..k).rev() {
            let col = &self.r[i * p..i * p + i + 1];
            let (xi, yi) = (x[i] / col[i], y[i] / col[i]);
            x[i] = xi;
            y[i] = yi;
            for ((xl, yl), &rl) in x[..i].iter_mut().zip(y[..i].iter_mut()).zip(&col[..i]) {
                *xl -= rl * xi;
                *yl -= rl * yi;
            }
        }
    }

    /// u, v, a and b for the current active set and signs.
    #[inline(always)]
    fn solve_segment(&mut self) -> bool {
        let p = self.p;
        let (mut u, mut v) = (std::mem::take(&mut self.u), std::mem::take(&mut self.v));
        u.clear();
        u.extend_from_slice(&self.yc);
        v.clear();
        v.extend_from_slice(&self.ys);
        self.back_substitute2(&mut u, &mut v);
        if u.iter().chain(&v).any(|x| !x.is_finite()) {
            self.u = u;
            self.v = v;
            self.segment = false;
            return false;
        }
        // a = c − G_{·A}u, b = G_{·A}v: one contiguous axpy per active coordinate (row j of G
        // is its column). Entries on A are computed too and never read.
        self.a.copy_from_slice(self.c);
        self.b.iter_mut().for_each(|x| *x = 0.0);
        for (r, &j) in self.active.iter().enumerate() {
            let row = &self.g[j * p..(j + 1) * p];
            let (ur, vr) = (u[r], v[r]);
            for ((ai, bi), &gij) in self.a.iter_mut().zip(self.b.iter_mut()).zip(row) {
                *ai -= gij * ur;
                *bi += gij * vr;
            }
        }
        self.u = u;
        self.v = v;
        self.segment = true;
        self.serial += 1;
        true
    }

    /// The active set (in factor order) and the segment's u and v, with w_A(α) = u − αv, if the
    /// last solution was exact; and a number that changes whenever the segment does.
    #[inline(always)]
    pub fn segment(&self) -> Option<Segment<'_>> {
        self.segment.then_some(Segment {
            active: &self.active,
            u: &self.u,
            v: &self.v,
            serial: self.serial,
        })
    }

    /// Covariance-update coordinate descent on `self.w` (gradient kept in step), from the last
    /// materialised solution.
    #[inline(always)]
    fn coordinate_descent(&mut self, alpha: f64, tol: f64) {
        let p = self.p;
        // The gradient of the current w, from scratch.
        for j in 0..p {
            let row = &self.g[j * p..(j + 1) * p];
            self.grad[j] = self.c[j] - row.iter().zip(&self.w).map(|(g, w)| g * w).sum::<f64>();
        }
        let mut sweeps = 0;
        loop {
            let delta = self.sweep(alpha, None);
            sweeps += 1;
            if delta < tol || sweeps >= CD_MAX_SWEEPS {
                return;
            }
            let active: Vec<usize> = (0..p).filter(|&j| self.w[j] != 0.0).collect();
            loop {
                let delta = self.sweep(alpha, Some(&active));
                sweeps += 1;
                if delta < tol || sweeps >= CD_MAX_SWEEPS {
                    break;
                }
            }
        }
    }

    /// One CD sweep; returns the largest step, scaled by √G_jj.
    #[inline(always)]
    fn sweep(&mut self, alpha: f64, only: Option<&[usize]>) -> f64 {
        let p = self.p;
        let mut largest = 0.0f64;
        let all: Vec<usize>;
        let set = match only {
            Some(s) => s,
            None => {
                all = (0..p).collect();
                &all
            }
        };
        for &j in set {
            let gjj = self.gjk(j, j);
            if gjj <= 0.0 {
                continue;
            }
            let old = self.w[j];
            let z = self.grad[j] + gjj * old;
            let new = soft_threshold(z, alpha) / gjj;
            let d = new - old;
            if d != 0.0 {
                self.w[j] = new;
                let row = &self.g[j * p..(j + 1) * p];
                for (gk, &gjk) in self.grad.iter_mut().zip(row) {
                    *gk -= gjk * d;
                }
                largest = largest.max(d.abs() * gjj.sqrt());
            }
        }
        largest
    }
}

/// Dot product with four accumulators (independent chains; the order is fixed, so results
/// are reproducible).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        for l in 0..4 {
            acc[l] += a[4 * c + l] * b[4 * c + l];
        }
    }
    let mut tail = 0.0;
    for i in 4 * chunks..n {
        tail += a[i] * b[i];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[inline(always)]
fn soft_threshold(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

/// `geomspace(start, stop, n)` exactly as numpy computes it (10 ** linspace(log10 start,
/// log10 stop, n), endpoints set to `start` and `stop`).
pub fn geomspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![start];
    }
    let (ls, le) = (start.log10(), stop.log10());
    let step = (le - ls) / (n - 1) as f64;
    let mut out: Vec<f64> = (0..n).map(|i| 10f64.powf(i as f64 * step + ls)).collect();
    out[0] = start;
    out[n - 1] = stop;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic problem: G = XᵀX/m, c = Xᵀy/m from a fixed pseudo-random X.
    fn problem(m: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let x: Vec<f64> = (0..m * p).map(|_| next()).collect();
        let y: Vec<f64> = (0..m)
            .map(|i| x[i * p] * 2.0 - x[i * p + 1] + 0.3 * next())
            .collect();
        let mut g = vec![0.0; p * p];
        let mut c = vec![0.0; p];
        for i in 0..m {
            for j in 0..p {
                c[j] += x[i * p + j] * y[i] / m as f64;
                for k in 0..p {
                    g[j * p + k] += x[i * p + j] * x[i * p + k] / m as f64;
                }
            }
        }
        (g, c)
    }

    fn objective(g: &[f64], c: &[f64], w: &[f64], alpha: f64) -> f64 {
        let p = c.len();
        let mut q = 0.0;
        for j in 0..p {
            for k in 0..p {
                q += w[j] * g[j * p + k] * w[k];
            }
        }
        0.5 * q - c.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()
            + alpha * w.iter().map(|x| x.abs()).sum::<f64>()
    }

    #[test]
    fn path_solutions_satisfy_kkt_and_beat_perturbations() {
        let (g, c) = problem(60, 8, 3);
        let amax = c.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let alphas = geomspace(amax, amax * 1e-3, 50);
        let mut path = LassoPath::new(&g, &c);
        for &a in &alphas {
            let (idx, val) = path.solve(a);
            let mut w = vec![0.0; 8];
            for (&j, &v) in idx.iter().zip(val) {
                w[j] = v;
            }
            // KKT from scratch.
            for j in 0..8 {
                let gj = c[j] - (0..8).map(|k| g[j * 8 + k] * w[k]).sum::<f64>();
                if w[j] != 0.0 {
                    assert!(
                        (gj - a * w[j].signum()).abs() < 1e-12,
                        "active KKT at {a}: {gj}"
                    );
                } else {
                    assert!(gj.abs() <= a * (1.0 + 1e-9), "inactive KKT at {a}: {gj}");
                }
            }
            let f = objective(&g, &c, &w, a);
            for j in 0..8 {
                for d in [1e-6, -1e-6] {
                    let mut w2 = w.clone();
                    w2[j] += d;
                    assert!(objective(&g, &c, &w2, a) >= f - 1e-15);
                }
            }
        }
        assert_eq!(path.unpolished, 0);
        // At alpha_max the solution is zero.
        let mut fresh = LassoPath::new(&g, &c);
        assert!(fresh.solve(amax).0.is_empty());
    }

    #[test]
    fn duplicated_units_fall_back_to_coordinate_descent() {
        // Column 1 duplicates column 0: G_AA is singular once both would be active, so the
        // active-set step cannot settle and the CD iterate (a minimiser, not unique) is used.
        let (g0, c0) = problem(60, 4, 5);
        let p = 5;
        let idx = [0usize, 0, 1, 2, 3];
        let g: Vec<f64> = (0..p * p)
            .map(|k| g0[idx[k / p] * 4 + idx[k % p]])
            .collect();
        let c: Vec<f64> = idx.iter().map(|&i| c0[i]).collect();
        let amax = c.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let mut path = LassoPath::new(&g, &c);
        for &a in &geomspace(amax, amax * 1e-3, 30) {
            let (ix, val) = path.solve(a);
            let mut w = vec![0.0; p];
            for (&j, &v) in ix.iter().zip(val) {
                w[j] = v;
            }
            let f = objective(&g, &c, &w, a);
            for j in 0..p {
                for d in [1e-5, -1e-5] {
                    let mut w2 = w.clone();
                    w2[j] += d;
                    assert!(
                        objective(&g, &c, &w2, a) >= f - 1e-12,
                        "not a minimiser at {a}"
                    );
                }
            }
        }
    }

    #[test]
    fn geomspace_matches_numpy_endpoints() {
        let g = geomspace(2.0, 0.002, 4);
        assert_eq!(g[0], 2.0);
        assert_eq!(g[3], 0.002);
        assert!((g[1] - 0.2).abs() < 1e-15 && (g[2] - 0.02).abs() < 1e-16);
    }
}
