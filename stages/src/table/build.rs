//! Building Arrow tables: from named f64 columns, from typed columns, from a matrix (with its
//! image ids), and a one-column boolean table.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use faer::Mat;
use flow_engine::StageError;

use super::ids::IMAGE_ID;

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
