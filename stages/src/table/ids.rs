//! Image ids: the `image_id` column that keys tables about images, read and checked in one
//! place (text of any Arrow string type, or integers written in decimal; never null, empty or
//! repeated).

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_schema::DataType;
use flow_engine::StageError;

use super::columns::integer_values;

/// The name of the image-id column.
pub const IMAGE_ID: &str = "image_id";

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
        _ => match integer_values(col) {
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
