//! Small helpers between Arrow tables and plain numbers, shared by stage kinds.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
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

/// A numeric column as f64 values (ints, floats and booleans are cast; nulls become NaN),
/// naming the port on error. The casting is [`crate::matrix`]'s, shared by every stage.
pub fn f64_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<f64>, StageError> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let values = crate::matrix::f64_values(col)
        .map_err(|()| StageError::input(port, format!("column `{name}` is not numeric")))?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}
