//! Arrow tables ↔ plain values, shared by every stage kind: image ids (`ids.rs`), columns read as
//! numbers (`columns.rs`) and tables built from values (`build.rs`). The analysis stages' matrices
//! are built on these in [`crate::matrix`].

mod build;
mod columns;
mod ids;

pub use build::{Column, bool_table, f64_table, matrix_table, table};
pub(crate) use columns::f64_values;
pub use columns::{bool_column, f64_column, int_column};
pub use ids::{IMAGE_ID, image_ids, require_image_ids};
