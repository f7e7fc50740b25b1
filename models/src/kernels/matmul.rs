//! [`Matrix`] and [`matmul`]: a matrix product on strided f32 views, written into (or added to)
//! a contiguous row-major destination, through the `gemm` crate that burn's flex backend uses.
//!
//! Strides let one buffer serve as a matrix or its transpose without a copy (the backward
//! passes use `Aᵀ` and `Bᵀ` of the forward's operands). `gemm` picks its micro-kernels at run
//! time from the CPU's features (AVX-512 where `x86-v4` is built in and the CPU has it, AVX2/FMA
//! otherwise); it splits the product over rayon's threads by blocks of the destination, never
//! along the summed dimension, so the sums, and the bits, are the same for any thread count.

/// A read-only matrix view: element (r, c) is `data[r · row_stride + c · column_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub columns: usize,
    pub row_stride: usize,
    pub column_stride: usize,
}

impl<'a> Matrix<'a> {
    /// A contiguous row-major `rows × columns` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, columns: usize) -> Matrix<'a> {
        Matrix {
            data,
            rows,
            columns,
            row_stride: columns,
            column_stride: 1,
        }
    }

    /// The transpose (a view of the same data).
    pub fn t(self) -> Matrix<'a> {
        Matrix {
            data: self.data,
            rows: self.columns,
            columns: self.rows,
            row_stride: self.column_stride,
            column_stride: self.row_stride,
        }
    }

    /// The largest index the view reads, plus one.
    fn extent(&self) -> usize {
        if self.rows == 0 || self.columns == 0 {
            0
        } else {
            (self.rows - 1) * self.row_stride + (self.columns - 1) * self.column_stride + 1
        }
    }
}

/// Products smaller than this many multiply-adds run on one thread (splitting costs more).
const PARALLEL_WORK: usize = 1 << 18;

/// Where a product runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Split over rayon's pool when large enough.
    Pool,
    /// On the calling thread (a caller that already runs blocks in parallel).
    One,
}

/// `dst = lhs · rhs`, or `dst += lhs · rhs` with `accumulate`; `dst` is row-major
/// `lhs.rows × rhs.columns`.
pub fn matmul(dst: &mut [f32], accumulate: bool, lhs: Matrix, rhs: Matrix) {
    matmul_on(Threads::Pool, dst, accumulate, lhs, rhs)
}

/// [`matmul`] on the given threads.
pub fn matmul_on(threads: Threads, dst: &mut [f32], accumulate: bool, lhs: Matrix, rhs: Matrix) {
    assert_eq!(
        dst.len(),
        lhs.rows * rhs.columns,
        "matmul: destination size"
    );
    // SAFETY: `dst` is an initialised buffer of the product's size.
    unsafe { gemm_into(dst.as_mut_ptr(), accumulate, lhs, rhs, threads) }
}

/// `lhs · rhs` in a new row-major buffer, written once (never zero-filled first).
pub fn product(lhs: Matrix, rhs: Matrix) -> Vec<f32> {
    product_on(Threads::Pool, lhs, rhs)
}

/// [`product`] on the given threads.
pub fn product_on(threads: Threads, lhs: Matrix, rhs: Matrix) -> Vec<f32> {
    new_product(threads, lhs, rhs, Layout::RowMajor)
}

/// `(lhs · rhs)ᵀ`, row-major (the product stored column by column). Some shapes run several
/// times faster this way: `gemm` prefers a column-major destination, and turns a row-major one
/// into the transposed problem, whose operands may then be packed slowly (a `16 × 256` by
/// `256 × 1,024` product with a transposed right operand: ~290 µs row-major, ~80 µs so).
pub fn product_transposed(lhs: Matrix, rhs: Matrix) -> Vec<f32> {
    new_product(Threads::Pool, lhs, rhs, Layout::ColumnMajor)
}

/// How a destination is laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    RowMajor,
    ColumnMajor,
}

fn new_product(threads: Threads, lhs: Matrix, rhs: Matrix, layout: Layout) -> Vec<f32> {
    let len = lhs.rows * rhs.columns;
    let mut out = Vec::with_capacity(len);
    // SAFETY: the capacity holds the product; without `accumulate` gemm only stores into the
    // destination (its α = 0 path), so every element is written and none read before.
    unsafe {
        gemm_into_layout(
            out.spare_capacity_mut().as_mut_ptr().cast(),
            false,
            lhs,
            rhs,
            threads,
            layout,
        );
        out.set_len(len);
    }
    out
}

/// # Safety
/// `dst` must be valid for writes (and, with `accumulate`, reads) of `lhs.rows × rhs.columns`
/// values.
unsafe fn gemm_into(dst: *mut f32, accumulate: bool, lhs: Matrix, rhs: Matrix, threads: Threads) {
    // SAFETY: as the caller vouches.
    unsafe { gemm_into_layout(dst, accumulate, lhs, rhs, threads, Layout::RowMajor) }
}

/// # Safety
/// As [`gemm_into`].
unsafe fn gemm_into_layout(
    dst: *mut f32,
    accumulate: bool,
    lhs: Matrix,
    rhs: Matrix,
    threads: Threads,
    layout: Layout,
) {
    let (m, k, n) = (lhs.rows, lhs.columns, rhs.columns);
    let (dst_cs, dst_rs) = match layout {
        Layout::RowMajor => (1, n as isize),
        Layout::ColumnMajor => (m as isize, 1),
    };
    assert_eq!(rhs.rows, k, "matmul: inner dimensions differ");
    assert!(lhs.data.len() >= lhs.extent() && rhs.data.len() >= rhs.extent());
    if m == 0 || n == 0 {
        return;
    }
    let parallelism = if threads == Threads::Pool
        && m * n * k >= PARALLEL_WORK
        && rayon::current_num_threads() > 1
    {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the assert above keeps every index the views describe inside their slices; the
    // caller vouches for `dst`. `gemm` computes dst := α·dst + β·lhs·rhs, reading dst only with
    // `read_dst` (with k = 0 it stores α·dst, i.e. zeros without `accumulate`).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            dst_cs,
            dst_rs,
            accumulate,
            lhs.data.as_ptr(),
            lhs.column_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.column_stride as isize,
            rhs.row_stride as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(lhs: Matrix, rhs: Matrix) -> Vec<f32> {
        let mut out = vec![0f32; lhs.rows * rhs.columns];
        for r in 0..lhs.rows {
            for c in 0..rhs.columns {
                out[r * rhs.columns + c] = (0..lhs.columns)
                    .map(|k| {
                        lhs.data[r * lhs.row_stride + k * lhs.column_stride]
                            * rhs.data[k * rhs.row_stride + c * rhs.column_stride]
                    })
                    .sum();
            }
        }
        out
    }

    #[test]
    fn products_of_views_and_transposes_match_the_definition_exactly_on_integers() {
        let a: Vec<f32> = (0..35).map(|i| (i % 7) as f32 - 3.0).collect(); // 5 × 7
        let b: Vec<f32> = (0..28).map(|i| (i % 5) as f32 - 2.0).collect(); // 7 × 4
        let (a, b) = (Matrix::row_major(&a, 5, 7), Matrix::row_major(&b, 7, 4));
        let mut out = vec![0f32; 20];
        matmul(&mut out, false, a, b);
        assert_eq!(out, naive(a, b));
        // (bᵀ aᵀ)ᵀ = a b, through transposed views.
        let mut t = vec![0f32; 20];
        matmul(&mut t, false, b.t(), a.t());
        let back: Vec<f32> = (0..20).map(|i| t[(i % 4) * 5 + i / 4]).collect();
        assert_eq!(back, out);
    }

    #[test]
    fn accumulate_adds_the_product_to_the_destination() {
        let a = [1.0f32, 2.0, 3.0, 4.0];
        let (m, i) = (Matrix::row_major(&a, 2, 2), [1.0f32, 0.0, 0.0, 1.0]);
        let mut out = vec![10.0f32; 4];
        matmul(&mut out, true, m, Matrix::row_major(&i, 2, 2));
        assert_eq!(out, vec![11.0, 12.0, 13.0, 14.0]);
        matmul(&mut out, false, m, Matrix::row_major(&i, 2, 2));
        assert_eq!(out, a.to_vec());
        assert_eq!(product(m, Matrix::row_major(&i, 2, 2)), a.to_vec());
        assert_eq!(
            product_transposed(m, Matrix::row_major(&i, 2, 2)),
            vec![1.0, 3.0, 2.0, 4.0]
        );
    }
}
