//! Reading the analysis stages' inputs from tables: a matrix, a vector and a per-unit mask, every
//! value checked (numeric, present, finite) and every error naming the port, column and row.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use faer::Mat;
use flow_engine::StageError;

use super::labeled::Labeled;
use crate::table::{IMAGE_ID, bool_column, f64_values, image_ids};

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
