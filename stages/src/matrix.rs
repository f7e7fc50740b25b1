//! Tables ↔ matrices for the analysis stages: the one place that knows how a matrix, a vector,
//! a split or a per-unit mask sits in an Arrow table, how rows of different inputs are matched,
//! and how results are written back (JSON numbers, tables).
//!
//! Conventions (docs/METHODS.md, "Inputs of the analysis stages"):
//! - A **matrix** table has one row per image and one numeric column per matrix column, in
//!   column order (names don't matter). An optional column [`IMAGE_ID`] (Utf8 or integer) names
//!   the image of each row and is not part of the matrix. Float, integer and boolean columns are
//!   accepted (booleans as 0/1); nulls, NaN and ±inf are errors naming the port, column and row.
//! - A **vector** is a one-column table (besides `image_id`), or the column named by the caller.
//! - **Row matching**: each stage picks an *anchor* input (the responses: the analyses use
//!   exactly the images that have responses). If the anchor and another input both carry
//!   `image_id`, the other's rows are looked up by id (extra images are ignored, a missing one
//!   is an error naming it); otherwise rows align by position and the row counts must agree.
//! - **Split** tables carry boolean or 0/1 integer columns (`train`, `shared`) and an integer
//!   `fold` column, rows matched like a matrix.
//! - Results: [`num`] writes NaN/±inf as JSON `null`; matrices are written as lists of rows.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use faer::Mat;
use flow_engine::StageError;

use crate::table::image_ids;
use serde_json::Value;

/// The name of the image-id column.
pub const IMAGE_ID: &str = "image_id";

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

/// Integer columns as `Option<i64>` values, or `None` if the column is not an integer type.
pub(crate) fn integer_values(col: &ArrayRef) -> Option<Vec<Option<i64>>> {
    macro_rules! ints {
        ($t:ty) => {
            col.as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|v| v as i64))
                .collect()
        };
    }
    Some(match col.data_type() {
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        _ => return None,
    })
}

/// A numeric (or boolean) column as f64 values; `None` entries are nulls. `Err(())` if the
/// column's type is not numeric.
pub(crate) fn f64_values(col: &ArrayRef) -> Result<Vec<Option<f64>>, ()> {
    if let Some(ints) = integer_values(col) {
        return Ok(ints.into_iter().map(|v| v.map(|v| v as f64)).collect());
    }
    Ok(match col.data_type() {
        DataType::Float64 => col.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => col
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| v.map(f64::from))
            .collect(),
        DataType::Float16 => col
            .as_primitive::<Float16Type>()
            .iter()
            .map(|v| v.map(|v| v.to_f64()))
            .collect(),
        DataType::Boolean => col
            .as_boolean()
            .iter()
            .map(|v| v.map(|b| if b { 1.0 } else { 0.0 }))
            .collect(),
        _ => return Err(()),
    })
}

/// Describes a row for error messages: its index and, if known, its image id.
fn row_name(ids: Option<&[String]>, row: usize) -> String {
    match ids {
        Some(ids) => format!("row {row} (image `{}`)", ids[row]),
        None => format!("row {row}"),
    }
}

/// The data columns of a table (all but `image_id`), checked: numeric, no nulls, finite.
fn data_columns(
    batch: &RecordBatch,
    port: &str,
    ids: Option<&[String]>,
) -> Result<(Vec<String>, Vec<Vec<f64>>), StageError> {
    let schema = batch.schema();
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        if field.name() == IMAGE_ID {
            continue;
        }
        // Fast path: a float64 column without nulls.
        if let Some(f) = col.as_primitive_opt::<Float64Type>()
            && f.null_count() == 0
        {
            let v = f.values();
            if let Some(row) = v.iter().position(|x| !x.is_finite()) {
                return Err(StageError::input(
                    port,
                    format!(
                        "column `{}` has {} at {}",
                        field.name(),
                        v[row],
                        row_name(ids, row)
                    ),
                ));
            }
            names.push(field.name().clone());
            columns.push(v.to_vec());
            continue;
        }
        let values = f64_values(col).map_err(|_| {
            StageError::input(
                port,
                format!(
                    "column `{}` is not numeric ({})",
                    field.name(),
                    col.data_type()
                ),
            )
        })?;
        let mut out = Vec::with_capacity(values.len());
        for (row, v) in values.into_iter().enumerate() {
            match v {
                None => {
                    return Err(StageError::input(
                        port,
                        format!(
                            "column `{}` has a missing value at {}",
                            field.name(),
                            row_name(ids, row)
                        ),
                    ));
                }
                Some(x) if !x.is_finite() => {
                    return Err(StageError::input(
                        port,
                        format!(
                            "column `{}` has {x} at {}",
                            field.name(),
                            row_name(ids, row)
                        ),
                    ));
                }
                Some(x) => out.push(x),
            }
        }
        names.push(field.name().clone());
        columns.push(out);
    }
    Ok((names, columns))
}

/// A matrix (rows = table rows, columns = the data columns in order).
pub fn read_matrix(batch: &RecordBatch, port: &str) -> Result<Labeled, StageError> {
    let ids = image_ids(batch, port)?;
    let (columns, values) = data_columns(batch, port, ids.as_deref())?;
    if columns.is_empty() {
        return Err(StageError::input(
            port,
            "has no data columns (besides `image_id`)",
        ));
    }
    if batch.num_rows() == 0 {
        return Err(StageError::input(port, "has no rows"));
    }
    let mut data = Mat::<f64>::zeros(batch.num_rows(), columns.len());
    for (j, v) in values.iter().enumerate() {
        data.col_as_slice_mut(j).copy_from_slice(v);
    }
    Ok(Labeled { data, ids, columns })
}

/// A vector: the only data column of a table, or its column `prefer` if it has one.
pub fn read_vector(
    batch: &RecordBatch,
    port: &str,
    prefer: Option<&str>,
) -> Result<(Vec<f64>, Option<Vec<String>>), StageError> {
    let ids = image_ids(batch, port)?;
    let (names, mut values) = data_columns(batch, port, ids.as_deref())?;
    if let Some(name) = prefer
        && let Some(k) = names.iter().position(|n| n == name)
    {
        return Ok((values.swap_remove(k), ids));
    }
    match values.len() {
        1 => Ok((values.pop().unwrap_or_default(), ids)),
        0 => Err(StageError::input(
            port,
            "has no data column (a vector needs one column)",
        )),
        n => Err(StageError::input(
            port,
            format!(
                "has {n} columns ({}); a vector needs one column{}",
                names.join(", "),
                prefer
                    .map(|p| format!(" or one named `{p}`"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// For each row of the anchor, the row of `other` holding the same image: by `image_id` when
/// both have ids, else by position (row counts must agree).
pub fn align_rows(
    anchor_port: &str,
    anchor_ids: Option<&[String]>,
    anchor_rows: usize,
    other_port: &str,
    other_ids: Option<&[String]>,
    other_rows: usize,
) -> Result<Vec<usize>, StageError> {
    match (anchor_ids, other_ids) {
        (Some(a), Some(o)) => {
            let index: HashMap<&str, usize> = o
                .iter()
                .enumerate()
                .map(|(r, id)| (id.as_str(), r))
                .collect();
            a.iter()
                .map(|id| {
                    index.get(id.as_str()).copied().ok_or_else(|| {
                        StageError::input(
                            other_port,
                            format!("has no row for image `{id}` (which `{anchor_port}` has)"),
                        )
                    })
                })
                .collect()
        }
        _ => {
            if other_rows != anchor_rows {
                return Err(StageError::input(
                    other_port,
                    format!(
                        "has {other_rows} rows but `{anchor_port}` has {anchor_rows} (rows align by position unless both have an `{IMAGE_ID}` column)"
                    ),
                ));
            }
            Ok((0..anchor_rows).collect())
        }
    }
}

/// `other` with its rows matched to the anchor's (see [`align_rows`]).
pub fn align_to(
    anchor_port: &str,
    anchor: &Labeled,
    other_port: &str,
    other: &Labeled,
) -> Result<Labeled, StageError> {
    let rows = align_rows(
        anchor_port,
        anchor.ids.as_deref(),
        anchor.nrows(),
        other_port,
        other.ids.as_deref(),
        other.nrows(),
    )?;
    Ok(other.take_rows(&rows))
}

/// The rows of a split table matched to the anchor's images (by `image_id` when both have ids,
/// else by position).
pub fn split_rows(
    split: &RecordBatch,
    port: &str,
    anchor_port: &str,
    anchor: &Labeled,
) -> Result<Vec<usize>, StageError> {
    let ids = image_ids(split, port)?;
    align_rows(
        anchor_port,
        anchor.ids.as_deref(),
        anchor.nrows(),
        port,
        ids.as_deref(),
        split.num_rows(),
    )
}

/// `values` at `rows`, in that order.
pub fn pick<T: Clone>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&r| values[r].clone()).collect()
}

/// A boolean column: booleans, or integers/floats that are 0 or 1. `Ok(None)` if absent.
pub fn bool_column(
    batch: &RecordBatch,
    name: &str,
    port: &str,
) -> Result<Option<Vec<bool>>, StageError> {
    let Some(col) = batch.column_by_name(name) else {
        return Ok(None);
    };
    let values = f64_values(col).map_err(|_| {
        StageError::input(
            port,
            format!(
                "column `{name}` must be boolean (or 0/1), not {}",
                col.data_type()
            ),
        )
    })?;
    values
        .into_iter()
        .enumerate()
        .map(|(row, v)| match v {
            Some(0.0) => Ok(false),
            Some(1.0) => Ok(true),
            Some(x) => Err(StageError::input(
                port,
                format!("column `{name}` must be boolean (or 0/1), has {x} at row {row}"),
            )),
            None => Err(StageError::input(
                port,
                format!("column `{name}` has a missing value at row {row}"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// An integer column (floats must be whole numbers). `Ok(None)` if absent.
pub fn int_column(
    batch: &RecordBatch,
    name: &str,
    port: &str,
) -> Result<Option<Vec<i64>>, StageError> {
    let Some(col) = batch.column_by_name(name) else {
        return Ok(None);
    };
    let values = f64_values(col).map_err(|_| {
        StageError::input(
            port,
            format!(
                "column `{name}` must hold integers, not {}",
                col.data_type()
            ),
        )
    })?;
    values
        .into_iter()
        .enumerate()
        .map(|(row, v)| match v {
            Some(x) if x.fract() == 0.0 && x.is_finite() => Ok(x as i64),
            Some(x) => Err(StageError::input(
                port,
                format!("column `{name}` must hold integers, has {x} at row {row}"),
            )),
            None => Err(StageError::input(
                port,
                format!("column `{name}` has a missing value at row {row}"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A per-unit boolean mask (the optional `informative` port): a column named `informative`,
/// or the only data column; its length must be `n_units`.
pub fn read_mask(batch: &RecordBatch, port: &str, n_units: usize) -> Result<Vec<bool>, StageError> {
    let mask = match bool_column(batch, "informative", port)? {
        Some(m) => m,
        None => {
            let names: Vec<String> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .filter(|n| n != IMAGE_ID)
                .collect();
            if names.len() != 1 {
                return Err(StageError::input(
                    port,
                    format!(
                        "needs one boolean column (or one named `informative`), has {}",
                        names.len()
                    ),
                ));
            }
            bool_column(batch, &names[0], port)?.unwrap_or_default()
        }
    };
    if mask.len() != n_units {
        return Err(StageError::input(
            port,
            format!("has {} entries but there are {n_units} units", mask.len()),
        ));
    }
    Ok(mask)
}

// ---- statistics on columns ----

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

// ---- JSON out ----

/// A number, NaN/±inf as `null`.
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A list of numbers.
pub fn nums(xs: &[f64]) -> Value {
    Value::Array(xs.iter().map(|&x| num(x)).collect())
}

/// A list of optional numbers (`None` → null).
pub fn opt_nums(xs: &[Option<f64>]) -> Value {
    Value::Array(xs.iter().map(|x| x.map_or(Value::Null, num)).collect())
}

/// A matrix as a list of rows.
pub fn mat_rows(m: &Mat<f64>) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|i| Value::Array((0..m.ncols()).map(|j| num(m[(i, j)])).collect()))
            .collect(),
    )
}

/// Nested rows of numbers.
pub fn rows_json(rows: &[Vec<f64>]) -> Value {
    Value::Array(rows.iter().map(|r| nums(r)).collect())
}

pub fn usizes(xs: &[usize]) -> Value {
    Value::Array(xs.iter().map(|&x| Value::from(x)).collect())
}

pub fn bools(xs: &[bool]) -> Value {
    Value::Array(xs.iter().map(|&x| Value::Bool(x)).collect())
}

// ---- JSON in (results of other stages) ----

/// A field of a JSON object, or an input error naming it.
pub fn field<'a>(value: &'a Value, name: &str, port: &str) -> Result<&'a Value, StageError> {
    value
        .get(name)
        .ok_or_else(|| StageError::input(port, format!("has no field `{name}`")))
}

/// A JSON number (null → NaN).
pub fn json_f64(value: &Value, what: &str, port: &str) -> Result<f64, StageError> {
    match value {
        Value::Null => Ok(f64::NAN),
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| StageError::input(port, format!("`{what}` is not a number"))),
        _ => Err(StageError::input(port, format!("`{what}` is not a number"))),
    }
}

/// A JSON list of numbers (null → NaN).
pub fn json_vec(value: &Value, what: &str, port: &str) -> Result<Vec<f64>, StageError> {
    let items = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list")))?;
    items.iter().map(|v| json_f64(v, what, port)).collect()
}

/// A JSON list of booleans.
pub fn json_bools(value: &Value, what: &str, port: &str) -> Result<Vec<bool>, StageError> {
    let items = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list")))?;
    items
        .iter()
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| StageError::input(port, format!("`{what}` holds a non-boolean")))
        })
        .collect()
}

/// A JSON matrix (a list of equally long rows of numbers).
pub fn json_matrix(value: &Value, what: &str, port: &str) -> Result<Mat<f64>, StageError> {
    let rows = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list of rows")))?;
    let rows: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| json_vec(r, what, port))
        .collect::<Result<_, _>>()?;
    let ncols = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != ncols) {
        return Err(StageError::input(
            port,
            format!("`{what}` has rows of different lengths"),
        ));
    }
    Ok(Mat::from_fn(rows.len(), ncols, |i, j| rows[i][j]))
}

// ---- tables out ----

/// A table of f64 columns, with an `image_id` column first if `ids` is given.
pub fn matrix_table(
    m: &Mat<f64>,
    ids: Option<&[String]>,
    names: &[String],
) -> Result<RecordBatch, StageError> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    if let Some(ids) = ids {
        fields.push(Field::new(IMAGE_ID, DataType::Utf8, false));
        arrays.push(Arc::new(StringArray::from_iter_values(ids.iter())));
    }
    for (j, name) in names.iter().enumerate() {
        fields.push(Field::new(name, DataType::Float64, false));
        arrays.push(Arc::new(Float64Array::from_iter_values(
            m.col(j).iter().copied(),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| StageError::failed(e.to_string()))
}

/// A one-column boolean table.
pub fn bool_table(name: &str, values: &[bool]) -> Result<RecordBatch, StageError> {
    let fields = vec![Field::new(name, DataType::Boolean, false)];
    let arrays: Vec<ArrayRef> = vec![Arc::new(BooleanArray::from(values.to_vec()))];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| StageError::failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int64Array;

    fn table(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            cols.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap()
    }

    #[test]
    fn matrix_skips_image_id_and_keeps_column_order() {
        let t = table(vec![
            ("b", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
            (IMAGE_ID, Arc::new(Int64Array::from(vec![7, 9]))),
            ("a", Arc::new(Int64Array::from(vec![3, 4]))),
        ]);
        let m = read_matrix(&t, "units").unwrap();
        assert_eq!(m.ids, Some(vec!["7".to_string(), "9".to_string()]));
        assert_eq!(m.columns, vec!["b", "a"]);
        assert_eq!(m.data[(1, 1)], 4.0);
    }

    #[test]
    fn align_by_id_and_by_position() {
        let a = vec!["x".to_string(), "y".to_string()];
        let o = vec!["y".to_string(), "z".to_string(), "x".to_string()];
        assert_eq!(
            align_rows("responses", Some(&a), 2, "units", Some(&o), 3).unwrap(),
            vec![2, 0]
        );
        let err = align_rows("responses", Some(&o), 3, "units", Some(&a), 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("units") && err.contains("`z`"), "{err}");
        let err = align_rows("responses", None, 3, "units", None, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 rows") && err.contains("3"), "{err}");
    }

    #[test]
    fn nan_and_duplicates_are_named() {
        let t = table(vec![(
            "0",
            Arc::new(Float64Array::from(vec![1.0, f64::NAN])),
        )]);
        let err = read_matrix(&t, "responses").unwrap_err().to_string();
        assert!(
            err.contains("responses") && err.contains("NaN") && err.contains("row 1"),
            "{err}"
        );
        let t = table(vec![
            (IMAGE_ID, Arc::new(StringArray::from(vec!["a", "a"]))),
            ("0", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        ]);
        assert!(
            read_matrix(&t, "units")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn bool_columns_accept_zero_one() {
        let t = table(vec![("train", Arc::new(Int64Array::from(vec![0, 1, 1])))]);
        assert_eq!(
            bool_column(&t, "train", "split").unwrap(),
            Some(vec![false, true, true])
        );
        let t = table(vec![("train", Arc::new(Int64Array::from(vec![0, 2])))]);
        assert!(bool_column(&t, "train", "split").is_err());
    }
}
