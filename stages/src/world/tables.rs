//! Table helpers shared by the world's stages: tables keyed by `image_id`, their ids numbered,
//! and the strict column readers for the world's own tables (the column exactly of the type the
//! world writes, no nulls; the lenient readers for inputs are in [`crate::table`]). Building a
//! table from typed columns ([`table`], [`Column`]) lives in [`crate::table`].

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use flow_engine::StageError;

pub use crate::table::{Column, table};

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
