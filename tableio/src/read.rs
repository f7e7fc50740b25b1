//! Reading table files into a single [`RecordBatch`].
//!
//! Each format is decoded by its arrow-rs reader; multi-batch inputs are
//! concatenated so callers always get exactly one batch.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, RecordBatchReader};
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::TableIoError;
use crate::format::Format;
use crate::guard::without_panics;
use crate::npy::read_npy_table;

/// Read a table file, choosing the format by extension (see [`Format`]).
///
/// * NPY: 1-D → one column `"0"`; 2-D → columns `"0"`..`"n-1"`; other ranks
///   are rejected (use [`crate::read_npy_array`]).
/// * Arrow: IPC file format, falling back to IPC stream format.
/// * Parquet: all row groups.
/// * CSV: header row required; types inferred from all rows. Columns whose
///   only non-numeric entries are NaN/inf spellings are read as Float64.
/// * JSON: not supported for reading.
pub fn read_table(path: &Path) -> Result<RecordBatch, TableIoError> {
    match Format::from_path(path)? {
        Format::Npy => without_panics(path, "NPY", || read_npy_table(path)),
        Format::Arrow => read_ipc(path),
        Format::Parquet => without_panics(path, "Parquet", || read_parquet(path)),
        Format::Csv => without_panics(path, "CSV", || read_csv(path)),
        Format::Json => Err(TableIoError::unsupported(
            path,
            "reading .json tables is not supported; use CSV, Parquet, Arrow or NPY",
        )),
    }
}

fn open(path: &Path) -> Result<File, TableIoError> {
    File::open(path).map_err(|e| TableIoError::io(path, e))
}

/// Concatenate batches into one (an empty list gives an empty batch).
fn concat(
    path: &Path,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<RecordBatch, TableIoError> {
    match batches.len() {
        0 => Ok(RecordBatch::new_empty(schema)),
        1 => Ok(batches.into_iter().next().expect("one batch")),
        _ => arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| TableIoError::arrow(path, e)),
    }
}

/// Read an Arrow IPC file (the cache's format). Files in IPC *stream* format
/// are accepted too.
pub fn read_ipc(path: &Path) -> Result<RecordBatch, TableIoError> {
    without_panics(path, "Arrow IPC", || read_ipc_unguarded(path))
}

fn read_ipc_unguarded(path: &Path) -> Result<RecordBatch, TableIoError> {
    let mut file = open(path)?;
    let file_error = match read_ipc_file(BufReader::new(&mut file)) {
        Ok((schema, batches)) => return concat(path, schema, batches),
        Err(e) => e,
    };
    file.seek(SeekFrom::Start(0))
        .map_err(|e| TableIoError::io(path, e))?;
    match read_ipc_stream(BufReader::new(&mut file)) {
        Ok((schema, batches)) => concat(path, schema, batches),
        Err(stream_error) => Err(TableIoError::Arrow {
            path: path.to_path_buf(),
            source: ArrowError::IpcError(format!(
                "not a readable Arrow IPC file ({file_error}) or stream ({stream_error})"
            )),
        }),
    }
}

type Batches = (SchemaRef, Vec<RecordBatch>);

fn read_ipc_file<R: std::io::Read + Seek>(reader: R) -> Result<Batches, ArrowError> {
    let reader = FileReader::try_new(reader, None)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

fn read_ipc_stream<R: std::io::Read>(reader: R) -> Result<Batches, ArrowError> {
    let reader = StreamReader::try_new(reader, None)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

fn read_parquet(path: &Path) -> Result<RecordBatch, TableIoError> {
    // From memory, not from the file: the reader then slices pages out of the bytes it has, and
    // a damaged page header that claims half a gigabyte is an error at once instead of a buffer
    // of that size being allocated and filled (found by tests/hostile_inputs.rs: six bytes
    // inserted into a 2 KB file cost 1.6 s and 0.5 GB).
    let file = bytes::Bytes::from(std::fs::read(path).map_err(|e| TableIoError::io(path, e))?);
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| TableIoError::parquet(path, e))?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TableIoError::arrow(path, e))?;
    concat(path, schema, batches)
}

fn read_csv(path: &Path) -> Result<RecordBatch, TableIoError> {
    Ok(floats_with_non_finite(read_csv_with_text_columns(
        path,
        &[],
    )?))
}

/// Reads a CSV file (header row, inferred types) with the named columns read as text whatever
/// they look like (ids such as `007` stay `007`). Values are as arrow-csv reads them: unlike
/// [`read_table`], a column of "NaN"/"inf" entries stays text, for callers that check values
/// themselves and name the offending row.
pub fn read_csv_with_text_columns(
    path: &Path,
    text_columns: &[&str],
) -> Result<RecordBatch, TableIoError> {
    let mut file = BufReader::new(open(path)?);
    let (schema, _) = arrow_csv::reader::Format::default()
        .with_header(true)
        .infer_schema(&mut file, None)
        .map_err(|e| TableIoError::csv(path, e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| TableIoError::io(path, e))?;
    let fields: Vec<arrow_schema::Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if text_columns.contains(&f.name().as_str()) {
                f.as_ref()
                    .clone()
                    .with_data_type(arrow_schema::DataType::Utf8)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let schema = Arc::new(arrow_schema::Schema::new(fields));
    let reader = arrow_csv::ReaderBuilder::new(schema.clone())
        .with_header(true)
        .build(file)
        .map_err(|e| TableIoError::csv(path, e))?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TableIoError::csv(path, e))?;
    concat(path, schema, batches)
}

/// arrow-csv infers "NaN"/"inf" entries as text, turning a float column with
/// a missing value into a string column. Re-type string columns whose every
/// non-null entry parses as a float (NaN and infinities included) as Float64,
/// so such values stay numbers and can be caught by [`crate::ensure_finite`].
fn floats_with_non_finite(batch: RecordBatch) -> RecordBatch {
    let schema = batch.schema();
    let mut changed = false;
    let mut fields: Vec<Field> = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let parsed = (field.data_type() == &DataType::Utf8)
            .then(|| parse_all_floats(column))
            .flatten();
        match parsed {
            Some(floats) => {
                changed = true;
                fields.push(field.as_ref().clone().with_data_type(DataType::Float64));
                columns.push(Arc::new(floats));
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    if !changed {
        return batch;
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    RecordBatch::try_new(schema, columns).expect("same lengths, matching types")
}

fn parse_all_floats(column: &ArrayRef) -> Option<Float64Array> {
    let strings = column.as_string::<i32>();
    if strings.null_count() == strings.len() {
        return None;
    }
    strings
        .iter()
        .map(|s| match s {
            None => Ok(None),
            Some(s) => s.trim().parse::<f64>().map(Some),
        })
        .collect::<Result<Float64Array, _>>()
        .ok()
}
