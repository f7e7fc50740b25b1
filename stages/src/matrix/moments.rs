//! Statistics on a matrix's columns: means and population stds (ddof 0), z-scoring, and the
//! checks that reject a constant column naming it.

use faer::Mat;
use flow_engine::StageError;

use super::labeled::Labeled;

/// Mean and population std (ddof 0) of column `j` of `m` over `rows` (all rows if `None`);
/// two passes.
#[inline(always)]
pub fn column_moments(m: &Mat<f64>, j: usize, rows: Option<&[usize]>) -> (f64, f64) {
    let col = m.col_as_slice(j);
    match rows {
        Some(r) => {
            let n = r.len() as f64;
            let mean = r.iter().map(|&i| col[i]).sum::<f64>() / n;
            (
                mean,
                (r.iter().map(|&i| (col[i] - mean).powi(2)).sum::<f64>() / n).sqrt(),
            )
        }
        None => {
            let n = col.len() as f64;
            let mean = col.iter().sum::<f64>() / n;
            (
                mean,
                (col.iter().map(|&x| (x - mean).powi(2)).sum::<f64>() / n).sqrt(),
            )
        }
    }
}

/// Means and population stds of every column over `rows` (all rows if `None`).
#[inline(always)]
pub fn column_stats(m: &Mat<f64>, rows: Option<&[usize]>) -> (Vec<f64>, Vec<f64>) {
    (0..m.ncols()).map(|j| column_moments(m, j, rows)).unzip()
}

/// Population variance (ddof 0) of every column over all rows.
pub fn column_variances(m: &Mat<f64>) -> Vec<f64> {
    (0..m.ncols())
        .map(|j| column_moments(m, j, None).1.powi(2))
        .collect()
}

/// Z-scores every column of `m` in place with the mean and population std over `rows` (all if
/// `None`); columns with `keep[j] == false` or zero std are set to 0. Returns the stds.
pub fn zscore_columns(m: &mut Mat<f64>, rows: Option<&[usize]>, keep: Option<&[bool]>) -> Vec<f64> {
    let mut stds = Vec::with_capacity(m.ncols());
    for j in 0..m.ncols() {
        let (mean, std) = column_moments(m, j, rows);
        let used = keep.is_none_or(|k| k[j]) && std > 0.0;
        for x in m.col_as_slice_mut(j) {
            *x = if used { (*x - mean) / std } else { 0.0 };
        }
        stds.push(std);
    }
    stds
}

/// The rows `rows` of `m`, each column z-scored with the given means and stds.
#[inline(always)]
pub fn zscored_rows(m: &Mat<f64>, rows: &[usize], means: &[f64], stds: &[f64]) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(rows.len(), m.ncols());
    for j in 0..m.ncols() {
        let (src, mu, sd) = (m.col_as_slice(j), means[j], stds[j]);
        for (d, &r) in out.col_as_slice_mut(j).iter_mut().zip(rows) {
            *d = (src[r] - mu) / sd;
        }
    }
    out
}

/// Rejects the first column whose std (from [`column_stats`]) is zero, naming it as `what`.
pub fn reject_zero_stds(
    m: &Labeled,
    stds: &[f64],
    port: &str,
    what: &str,
    over: &str,
) -> Result<(), StageError> {
    match stds.iter().position(|&s| s <= 0.0 || !s.is_finite()) {
        Some(j) => Err(StageError::input(
            port,
            format!("{what} {} has zero variance{over}", column_label(m, j)),
        )),
        None => Ok(()),
    }
}

/// The name of a column for messages: `"name"` if the table named it, else its index.
pub fn column_label(m: &Labeled, j: usize) -> String {
    let name = &m.columns[j];
    if name == &j.to_string() {
        format!("{j}")
    } else {
        format!("{j} (`{name}`)")
    }
}

/// Rejects a zero-variance column of `m` (over `rows`, or all rows), naming it as `what`.
pub fn reject_constant_columns(
    m: &Labeled,
    rows: Option<&[usize]>,
    port: &str,
    what: &str,
) -> Result<(), StageError> {
    for j in 0..m.ncols() {
        let (_, std) = column_moments(&m.data, j, rows);
        if std <= 0.0 || !std.is_finite() {
            let over = if rows.is_some() {
                " over the images used for standardising"
            } else {
                ""
            };
            return Err(StageError::input(
                port,
                format!("{what} {} has zero variance{over}", column_label(m, j)),
            ));
        }
    }
    Ok(())
}
