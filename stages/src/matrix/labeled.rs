//! A matrix read from a table ([`Labeled`]: the numbers with their image ids and column names),
//! and selecting rows and columns of a matrix.

use faer::Mat;

/// A matrix read from a table, with its image ids (if the table had them) and column names.
#[derive(Clone, Debug)]
pub struct Labeled {
    pub data: Mat<f64>,
    pub ids: Option<Vec<String>>,
    pub columns: Vec<String>,
}

impl Labeled {
    pub fn nrows(&self) -> usize {
        self.data.nrows()
    }

    pub fn ncols(&self) -> usize {
        self.data.ncols()
    }

    /// This matrix with its rows reordered/selected by `rows` (ids follow).
    #[inline(always)]
    pub fn take_rows(&self, rows: &[usize]) -> Labeled {
        Labeled {
            data: take_rows(&self.data, rows),
            ids: self
                .ids
                .as_ref()
                .map(|ids| rows.iter().map(|&r| ids[r].clone()).collect()),
            columns: self.columns.clone(),
        }
    }
}

/// The rows `rows` of `m`, in that order.
pub fn take_rows(m: &Mat<f64>, rows: &[usize]) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(rows.len(), m.ncols());
    for j in 0..m.ncols() {
        let src = m.col_as_slice(j);
        for (d, &r) in out.col_as_slice_mut(j).iter_mut().zip(rows) {
            *d = src[r];
        }
    }
    out
}

/// The columns `cols` of `m`, in that order.
#[inline(always)]
pub fn take_cols(m: &Mat<f64>, cols: &[usize]) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(m.nrows(), cols.len());
    for (k, &j) in cols.iter().enumerate() {
        out.col_as_slice_mut(k).copy_from_slice(m.col_as_slice(j));
    }
    out
}
