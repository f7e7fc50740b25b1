//! Validation of table contents: rejecting NaN and infinite values.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type, Float64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use crate::error::TableIoError;

/// Fail on the first NaN or ±inf in any float column (columns are scanned
/// left to right, each from its first row). Nulls are not values and pass.
///
/// `source` names where the batch came from (usually the file path) and is
/// repeated in the error together with the column name and 0-based row.
pub fn ensure_finite(batch: &RecordBatch, source: &str) -> Result<(), TableIoError> {
    let schema = batch.schema();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let found = match field.data_type() {
            DataType::Float64 => first_non_finite(column.as_primitive::<Float64Type>(), |v| v),
            DataType::Float32 => first_non_finite(column.as_primitive::<Float32Type>(), f64::from),
            DataType::Float16 => {
                first_non_finite(column.as_primitive::<Float16Type>(), |v| v.to_f64())
            }
            _ => None,
        };
        if let Some((row, value)) = found {
            return Err(TableIoError::NonFinite {
                origin: source.to_string(),
                column: field.name().clone(),
                row,
                value,
            });
        }
    }
    Ok(())
}

/// Index and value of the first non-null, non-finite element.
fn first_non_finite<T, F>(array: &arrow_array::PrimitiveArray<T>, to_f64: F) -> Option<(usize, f64)>
where
    T: arrow_array::ArrowPrimitiveType,
    F: Fn(T::Native) -> f64,
{
    array
        .values()
        .iter()
        .enumerate()
        .find(|&(i, &v)| !to_f64(v).is_finite() && array.is_valid(i))
        .map(|(i, &v)| (i, to_f64(v)))
}
