//! Small helpers between Arrow tables and plain numbers, shared by stage kinds.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::StageError;

/// A table of named f64 columns.
pub fn f64_table(columns: &[(&str, Vec<f64>)]) -> Result<RecordBatch, StageError> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, _)| Field::new(*n, DataType::Float64, false))
        .collect();
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, v)| Arc::new(Float64Array::from(v.clone())) as ArrayRef)
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| StageError::failed(e.to_string()))
}

/// A numeric column as f64 values (ints and floats are cast), naming the port on error.
pub fn f64_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<f64>, StageError> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let cast = arrow_cast_f64(col)
        .ok_or_else(|| StageError::input(port, format!("column `{name}` is not numeric")))?;
    Ok((0..cast.len())
        .map(|i| {
            if cast.is_null(i) {
                f64::NAN
            } else {
                cast.value(i)
            }
        })
        .collect())
}

fn arrow_cast_f64(col: &ArrayRef) -> Option<Float64Array> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    Some(match col.data_type() {
        DataType::Float64 => col.as_primitive::<Float64Type>().clone(),
        DataType::Float32 => col.as_primitive::<Float32Type>().unary(|v| v as f64),
        DataType::Int64 => col.as_primitive::<Int64Type>().unary(|v| v as f64),
        DataType::Int32 => col.as_primitive::<Int32Type>().unary(|v| v as f64),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().unary(|v| v as f64),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().unary(|v| v as f64),
        DataType::UInt64 => col.as_primitive::<UInt64Type>().unary(|v| v as f64),
        _ => return None,
    })
}
