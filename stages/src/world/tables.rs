//! Small table helpers shared by the world's stages: tables keyed by `image_id`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::StageError;

/// A typed column for [`table`].
pub enum Column {
    Str(Vec<String>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    I32(Vec<i32>),
}

/// A table from named columns (all non-nullable), in the given order.
pub fn table(columns: Vec<(String, Column)>) -> Result<RecordBatch, StageError> {
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (name, col) in columns {
        let (ty, array): (DataType, ArrayRef) = match col {
            Column::Str(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
            Column::F64(v) => (DataType::Float64, Arc::new(Float64Array::from(v))),
            Column::Bool(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v))),
            Column::I32(v) => (DataType::Int32, Arc::new(Int32Array::from(v))),
        };
        fields.push(Field::new(name, ty, false));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| StageError::failed(format!("building a table: {e}")))
}

/// A boolean column (nulls are an error).
pub fn bool_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<bool>, StageError> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let b = col.as_boolean_opt().ok_or_else(|| {
        StageError::input(
            port,
            format!("column `{name}` must be boolean, found {}", col.data_type()),
        )
    })?;
    if b.null_count() > 0 {
        return Err(StageError::input(
            port,
            format!("column `{name}` has null values"),
        ));
    }
    Ok((0..b.len()).map(|i| b.value(i)).collect())
}

/// An Int32 column (nulls are an error).
pub fn i32_column(batch: &RecordBatch, name: &str, port: &str) -> Result<Vec<i32>, StageError> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| StageError::input(port, format!("has no column `{name}`")))?;
    let a = col.as_primitive_opt::<Int32Type>().ok_or_else(|| {
        StageError::input(
            port,
            format!("column `{name}` must be Int32, found {}", col.data_type()),
        )
    })?;
    if a.null_count() > 0 {
        return Err(StageError::input(
            port,
            format!("column `{name}` has null values"),
        ));
    }
    Ok(a.values().to_vec())
}

/// Zero-padded ids `prefix0000`, `prefix0001`, … (at least four digits).
pub fn numbered_ids(prefix: &str, n: usize) -> Vec<String> {
    let digits = n.saturating_sub(1).to_string().len().max(4);
    (0..n).map(|i| format!("{prefix}{i:0digits$}")).collect()
}
