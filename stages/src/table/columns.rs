//! Arrow columns → numbers: the one place that casts a column of any integer, float or boolean
//! type to plain values, and the named-column readers built on it (f64 with nulls as NaN;
//! booleans given as booleans or 0/1; integers given as integers or whole floats).

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::DataType;
use flow_engine::StageError;

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

/// A numeric column as f64 values (ints, floats and booleans are cast; nulls become NaN),
/// naming the port on error. The casting is `f64_values`, shared by every stage.
pub fn f64_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<f64>, StageError> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let values = f64_values(col)
        .map_err(|()| StageError::input(port, format!("column `{name}` is not numeric")))?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
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
