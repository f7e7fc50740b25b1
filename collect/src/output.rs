//! A collected table to a file (the format from the extension) or to the terminal.

use std::path::Path;

use polars::prelude::*;

use crate::error::CollectError;

/// The formats `--to` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Arrow,
    Csv,
    Json,
}

impl Format {
    pub fn of(path: &Path) -> Result<Format, CollectError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("parquet") => Ok(Format::Parquet),
            Some("arrow" | "ipc" | "feather") => Ok(Format::Arrow),
            Some("csv") => Ok(Format::Csv),
            Some("json") => Ok(Format::Json),
            _ => Err(CollectError::UnknownFormat {
                path: path.display().to_string(),
            }),
        }
    }
}

/// Writes `frame` to `path`: into a temporary file beside it, renamed into place when complete,
/// so a crash never leaves half a table under the final name.
pub fn write(frame: &mut DataFrame, path: &Path) -> Result<(), CollectError> {
    let format = Format::of(path)?;
    let io = |e: std::io::Error| CollectError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path).map_err(io)?;
    {
        let file = &mut tmp.1;
        match format {
            Format::Parquet => {
                ParquetWriter::new(file).finish(frame)?;
            }
            Format::Arrow => IpcWriter::new(file).finish(frame)?,
            Format::Csv => CsvWriter::new(file).include_header(true).finish(frame)?,
            Format::Json => JsonWriter::new(file)
                .with_json_format(JsonFormat::Json)
                .finish(frame)?,
        }
    }
    tmp.1.sync_all().map_err(io)?;
    std::fs::rename(&tmp.0, path).map_err(io)?;
    Ok(())
}

/// A fresh file `.NAME.partial-PID` in `dir`.
fn tempfile_in(dir: &Path, path: &Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .map_or("table".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let file = std::fs::File::create(&tmp)?;
    Ok((tmp, file))
}

/// Hex digits of a cache key shown on the terminal (files get the whole key).
const SHORT_KEY: usize = 12;

/// The table as polars formats it for a terminal (rows and columns elided past the limits of
/// `POLARS_FMT_MAX_ROWS` / `POLARS_FMT_MAX_COLS`), cache keys shortened to their first 12 hex
/// digits as `flow plan` shows them.
pub fn render(frame: &DataFrame) -> Result<String, CollectError> {
    let mut shown = frame.clone();
    let keys: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| n == "key" || n.ends_with(".key"))
        .collect();
    for name in keys {
        let column = frame.column(&name)?;
        if let Ok(text) = column.str() {
            let short: Vec<Option<String>> = text
                .iter()
                .map(|k| k.map(|k| k.chars().take(SHORT_KEY).collect()))
                .collect();
            shown.with_column(Column::new(name.as_str().into(), short))?;
        }
    }
    Ok(format!("{shown}"))
}
