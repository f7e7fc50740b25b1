//! Small helpers between Arrow tables and plain numbers, shared by stage kinds.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use flow_engine::StageError;

use crate::matrix::IMAGE_ID;

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

/// The image ids of a table, if it has an `image_id` column: the one reader of image ids. Text
/// of any Arrow string type, or integers (written in decimal); a null, empty or repeated id is an
/// error naming the port and row.
pub fn image_ids(batch: &RecordBatch, port: &str) -> Result<Option<Vec<String>>, StageError> {
    let Some(col) = batch.column_by_name(IMAGE_ID) else {
        return Ok(None);
    };
    let ids: Vec<String> = match col.data_type() {
        DataType::Utf8 => col
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect::<Option<_>>(),
        DataType::LargeUtf8 => col
            .as_string::<i64>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect::<Option<_>>(),
        DataType::Utf8View => col
            .as_string_view()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect::<Option<_>>(),
        _ => match crate::matrix::integer_values(col) {
            Some(values) => values
                .into_iter()
                .map(|v| v.map(|v| v.to_string()))
                .collect::<Option<_>>(),
            None => {
                return Err(StageError::input(
                    port,
                    format!(
                        "column `{IMAGE_ID}` must hold strings or integers, not {}",
                        col.data_type()
                    ),
                ));
            }
        },
    }
    .ok_or_else(|| {
        StageError::input(port, format!("column `{IMAGE_ID}` has a missing (null) id"))
    })?;
    let mut seen = std::collections::HashMap::with_capacity(ids.len());
    for (row, id) in ids.iter().enumerate() {
        if id.is_empty() {
            return Err(StageError::input(
                port,
                format!("row {row} has an empty image id"),
            ));
        }
        if let Some(first) = seen.insert(id.as_str(), row) {
            return Err(StageError::input(
                port,
                format!("image `{id}` appears twice (rows {first} and {row})"),
            ));
        }
    }
    Ok(Some(ids))
}

/// The image ids of a table that must have them (tables about images are keyed by `image_id`).
pub fn require_image_ids(batch: &RecordBatch, port: &str) -> Result<Vec<String>, StageError> {
    image_ids(batch, port)?.ok_or_else(|| {
        StageError::input(
            port,
            format!("has no column `{IMAGE_ID}` (tables about images are keyed by it)"),
        )
    })
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
