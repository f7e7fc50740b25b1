//! Tables ↔ matrices for the analysis stages: the one place that knows how a matrix, a vector,
//! a split or a per-unit mask sits in an Arrow table, how rows of different inputs are matched,
//! and how results are written back (JSON numbers, tables).
//!
//! Conventions (docs/METHODS.md, "Inputs of the analysis stages"):
//! - A **matrix** table has one row per image and one numeric column per matrix column, in
//!   column order (names don't matter). An optional column [`IMAGE_ID`] (Utf8 or integer) names
//!   the image of each row and is not part of the matrix. Float, integer and boolean columns are
//!   accepted (booleans as 0/1); nulls, NaN and ±inf are errors naming the port, column and row.
//! - A **vector** is a one-column table (besides `image_id`), or the column named by the caller.
//! - **Row matching**: each stage picks an *anchor* input (the responses: the analyses use
//!   exactly the images that have responses). If the anchor and another input both carry
//!   `image_id`, the other's rows are looked up by id (extra images are ignored, a missing one
//!   is an error naming it); otherwise rows align by position and the row counts must agree.
//! - **Split** tables carry boolean or 0/1 integer columns (`train`, `shared`) and an integer
//!   `fold` column, rows matched like a matrix.
//! - Results: [`num`] writes NaN/±inf as JSON `null`; matrices are written as lists of rows.
//!
//! The parts: [`Labeled`] and row/column selection (`labeled.rs`), reading matrices, vectors and
//! masks (`read.rs`), row matching (`rows.rs`), column statistics (`moments.rs`) and JSON in and
//! out (`json.rs`). Image ids, the casting of columns to numbers and the building of tables are
//! shared with the other stage kinds in [`crate::table`]; those the analysis stages use are
//! re-exported here.

mod json;
mod labeled;
mod moments;
mod read;
mod rows;
#[cfg(test)]
mod tests;

pub use json::{
    bools, field, json_bools, json_f64, json_matrix, json_vec, mat_rows, num, nums, opt_nums,
    rows_json, usizes,
};
pub use labeled::{Labeled, take_cols, take_rows};
pub use moments::{
    column_label, column_moments, column_stats, column_variances, reject_constant_columns,
    reject_zero_stds, zscore_columns, zscored_rows,
};
pub use read::{read_mask, read_matrix, read_vector};
pub use rows::{align_rows, align_to, pick, split_rows};

pub use crate::table::{IMAGE_ID, bool_column, bool_table, int_column, matrix_table};
