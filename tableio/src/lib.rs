//! Table file I/O for `flow`.
//!
//! Every table in flow's cache is an Arrow IPC file ([`write_ipc`] /
//! [`read_ipc`]). This crate converts between the files users hand in or ask
//! for — NPY, Arrow IPC, Parquet, CSV and JSON — and
//! [`arrow_array::RecordBatch`]:
//!
//! * [`read_table`] / [`write_table`] pick the format from the extension
//!   ([`Format::from_path`]); writes are atomic (temp file + rename).
//! * [`read_npy_array`] reads an NPY file of any rank as an [`NdArray`].
//! * [`ensure_finite`] rejects NaN/inf with the column and row.
//! * [`batch_to_json_rows`] renders a batch as JSON row objects.
//!
//! All parsing and serialisation is delegated to arrow-rs, parquet and npyz.

mod check;
mod error;
mod format;
mod guard;
mod npy;
mod read;
mod write;

pub use check::ensure_finite;
pub use error::TableIoError;
pub use format::{Format, SUPPORTED_EXTENSIONS};
pub use npy::{NdArray, read_npy_array};
pub use read::{read_csv_with_text_columns, read_ipc, read_table};
pub use write::{batch_to_json_rows, write_ipc, write_ipc_unsynced, write_table};
