//! Writing a [`RecordBatch`] to a table file, atomically.
//!
//! Every writer goes to a temporary file in the destination's directory which
//! is synced and then renamed over the destination, so a crash leaves either
//! the old file or the complete new one, never a half-written one.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::RecordBatch;
use arrow_ipc::writer::FileWriter;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::TableIoError;
use crate::format::Format;
use crate::npy::write_npy_matrix;

/// Write `batch` to `path` in the format given by its extension:
///
/// * `.parquet`/`.pq`: Parquet, zstd-compressed.
/// * `.arrow`/`.ipc`/`.feather`: Arrow IPC file format (as [`write_ipc`]).
/// * `.csv`: CSV with a header row.
/// * `.json`: a JSON array of row objects; NaN and ±inf become `null`.
/// * `.npy`: a 2-D float64 matrix `(rows, columns)`; only if every column has
///   the same numeric type.
pub fn write_table(batch: &RecordBatch, path: &Path) -> Result<(), TableIoError> {
    match Format::from_path(path)? {
        Format::Arrow => write_ipc(batch, path),
        Format::Parquet => write_atomically(path, |out| write_parquet(batch, out, path)),
        Format::Csv => write_atomically(path, |out| {
            let mut writer = arrow_csv::WriterBuilder::new().with_header(true).build(out);
            writer
                .write(batch)
                .map_err(|e| TableIoError::arrow(path, e))?;
            writer
                .into_inner()
                .flush()
                .map_err(|e| write_error(path, e))
        }),
        Format::Json => write_atomically(path, |out| {
            write_json(batch, &mut *out).map_err(|e| TableIoError::arrow(path, e))?;
            out.write_all(b"\n").map_err(|e| write_error(path, e))
        }),
        Format::Npy => write_atomically(path, |out| write_npy_matrix(batch, out, path)),
    }
}

/// Write `batch` as an uncompressed Arrow IPC *file* — the cache's format.
///
/// The bytes depend only on the batch (schema, metadata and values), so
/// writing the same batch twice produces identical files. Atomic like
/// [`write_table`].
pub fn write_ipc(batch: &RecordBatch, path: &Path) -> Result<(), TableIoError> {
    write_atomically(path, |out| {
        let mut writer =
            FileWriter::try_new(out, &batch.schema()).map_err(|e| TableIoError::arrow(path, e))?;
        writer
            .write(batch)
            .and_then(|()| writer.finish())
            .map_err(|e| TableIoError::arrow(path, e))
    })
}

/// Write `batch` as an IPC file at `path` directly: no temporary file, no fsync. For files in
/// a private staging directory whose publisher makes the whole directory durable at once (the
/// cache does); anywhere else use [`write_ipc`].
pub fn write_ipc_unsynced(batch: &RecordBatch, path: &Path) -> Result<(), TableIoError> {
    let file = File::create(path).map_err(|e| write_error(path, e))?;
    let mut writer = FileWriter::try_new(BufWriter::new(file), &batch.schema())
        .map_err(|e| TableIoError::arrow(path, e))?;
    writer
        .write(batch)
        .and_then(|()| writer.finish())
        .map_err(|e| TableIoError::arrow(path, e))?;
    let out = writer
        .into_inner()
        .map_err(|e| TableIoError::arrow(path, e))?;
    out.into_inner()
        .map_err(|e| write_error(path, e.into_error()))?;
    Ok(())
}

/// Convert `batch` to a JSON array of row objects (`[{"col": value, ...}]`),
/// keys in column order, nulls explicit, NaN and ±inf as `null`.
pub fn batch_to_json_rows(batch: &RecordBatch) -> Result<serde_json::Value, TableIoError> {
    let mut bytes = Vec::new();
    write_json(batch, &mut bytes).map_err(|source| TableIoError::Encode {
        what: "converting a table to JSON rows".to_string(),
        source,
    })?;
    Ok(serde_json::from_slice(&bytes).expect("arrow-json writes valid JSON"))
}

fn write_json<W: Write>(batch: &RecordBatch, out: W) -> Result<(), arrow_schema::ArrowError> {
    let mut writer = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow_json::writer::JsonArray>(out);
    writer.write(batch)?;
    writer.finish()
}

fn write_parquet<W: Write + Send>(
    batch: &RecordBatch,
    out: W,
    path: &Path,
) -> Result<(), TableIoError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props))
        .map_err(|e| TableIoError::parquet(path, e))?;
    writer
        .write(batch)
        .map_err(|e| TableIoError::parquet(path, e))?;
    writer
        .close()
        .map(|_| ())
        .map_err(|e| TableIoError::parquet(path, e))
}

/// An I/O error while writing `path` (never [`TableIoError::NotFound`],
/// which would wrongly suggest the destination should already exist).
fn write_error(path: &Path, source: std::io::Error) -> TableIoError {
    TableIoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Removes the temporary file unless it was renamed into place.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Create a fresh temporary file next to `path`.
fn create_temp(path: &Path) -> Result<(File, TempGuard), TableIoError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "table".to_string());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.tmp.{}.{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => {
                return Ok((
                    file,
                    TempGuard {
                        path: temp,
                        armed: true,
                    },
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // Report the destination: the temp name means nothing to users.
            Err(e) => return Err(write_error(path, e)),
        }
    }
}

/// Run `write` on a buffered temporary file, then sync it and rename it to
/// `path`. On any error the temporary file is removed and `path` untouched.
fn write_atomically<F>(path: &Path, write: F) -> Result<(), TableIoError>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), TableIoError>,
{
    let (file, mut guard) = create_temp(path)?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file = out
        .into_inner()
        .map_err(|e| write_error(path, e.into_error()))?;
    file.sync_all().map_err(|e| write_error(path, e))?;
    drop(file);
    std::fs::rename(&guard.path, path).map_err(|e| write_error(path, e))?;
    guard.armed = false;
    // Make the rename itself durable; not all platforms allow syncing a
    // directory, so this is best effort.
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}
