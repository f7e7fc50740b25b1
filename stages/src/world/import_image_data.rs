//! `import-image-data`: a table about images — neural responses, landmarks, an external model's
//! unit activations, or generative factors — from CSV, Parquet, Arrow or NPY, with every image
//! id checked against the images before anything trains.
//!
//! The real-data import of DESIGN.md §2 ("neural responses from CSV, Parquet, Arrow or NPY with
//! an image-id column, landmarks from a table, unit activations of any external model from the
//! same formats … Missing ids, NaNs, shape mismatches: a clear error naming the file and row,
//! before any training starts"), for the data of Higgins et al. 2021, Online Methods
//! ("Neurophysiological data"; the AAM's 80 landmarks in "Baseline models").
//!
//! The file is a `path` parameter, so it is hashed by content into the cache key. Checks, each
//! an error naming the file and the data row (counting from 1, the header not counted) or id:
//! - the id column (`id_column`, default `image_id`) exists, and every row has a non-empty id;
//!   integer ids are accepted and written in decimal; in a CSV file the id column is read as
//!   text, so ids such as `007` keep their zeros;
//! - no id appears twice;
//! - with the optional `images` input connected (any table with an `image_id` column: an image
//!   table, a `split`, the factors), every id matches an image, and — with `coverage = "all"` —
//!   every image has a row (`"auto"`: all for landmarks, activations and factors; a subset is
//!   allowed for responses, since images without neural data are the paper's model-only faces);
//! - every other column is numeric, with no empty, NaN or infinite value;
//! - shapes: `columns` (when > 0) is the number of value columns expected; landmarks need an
//!   even number (x, y pairs).
//!
//! NPY files carry no ids: a 2-D array (images × values; for landmarks also images × points × 2)
//! is aligned with the `images` input by row position, which must then be connected and have as
//! many rows.
//!
//! Output: `image_id` (Utf8) and one Float64 column per value, rows in the order of `images`
//! when connected (else of the file). Column names: landmarks are always renamed `x00, y00,
//! x01, y01, …` (the file's columns in order, alternating x and y); other tables keep their
//! names; NPY columns are named `n000…` (responses), `u000…` (activations) or `f00…` (factors).

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use flow_engine::{
    ArtifactType, Inputs, Outputs, ParamSpec, ParamType, ParamValue, Params, PortSpec, RunContext,
    StageError, StageKind,
};

use crate::table::require_image_ids;
use crate::world::tables::{Column, table};

pub struct ImportImageData;

/// `import-image-data`'s params. `columns` is an `i64` so that `check` can report a negative
/// count; `run` relies on the check.
#[derive(Debug, Clone, serde::Deserialize)]
struct ImportImageDataParams {
    path: std::path::PathBuf,
    /// One of [`WHAT`].
    what: String,
    id_column: String,
    coverage: Coverage,
    columns: i64,
}

/// Must every image have a row?
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Coverage {
    /// Yes, except for responses.
    Auto,
    All,
    Subset,
}

const WHAT: &[&str] = &["responses", "landmarks", "activations", "factors"];

/// A parsed file: ids (None for NPY), value column names and values (column-major).
struct Parsed {
    ids: Option<Vec<String>>,
    names: Vec<String>,
    values: Vec<Vec<f64>>,
}

fn err(file: &str, message: impl std::fmt::Display) -> StageError {
    StageError::param("path", format!("{file}: {message}"))
}

/// A numeric array as optional f64 values (None: null), or None when it is not numeric.
fn to_f64(a: &dyn Array) -> Option<Vec<Option<f64>>> {
    use arrow_array::types::*;
    macro_rules! prim {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            Some(
                (0..p.len())
                    .map(|i| (!p.is_null(i)).then(|| p.value(i) as f64))
                    .collect(),
            )
        }};
    }
    match a.data_type() {
        DataType::Float64 => prim!(Float64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float16 => {
            let p = a.as_primitive::<Float16Type>();
            Some(
                (0..p.len())
                    .map(|i| (!p.is_null(i)).then(|| p.value(i).to_f64()))
                    .collect(),
            )
        }
        DataType::Int64 => prim!(Int64Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int8 => prim!(Int8Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::Boolean => {
            let b = a.as_boolean();
            Some(
                (0..b.len())
                    .map(|i| (!b.is_null(i)).then(|| if b.value(i) { 1.0 } else { 0.0 }))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// A text column whose every non-empty entry parses as a number (NaN and infinities included,
/// so that they are reported as such rather than as text).
fn parse_text_numbers(a: &dyn Array) -> Option<Vec<Option<f64>>> {
    if a.data_type() != &DataType::Utf8 {
        return None;
    }
    let s = a.as_string::<i32>();
    (0..s.len())
        .map(|i| {
            if s.is_null(i) || s.value(i).trim().is_empty() {
                Some(None)
            } else {
                s.value(i).trim().parse::<f64>().ok().map(Some)
            }
        })
        .collect()
}

/// Ids of a column of any integer or text type.
fn id_strings(a: &dyn Array) -> Option<Vec<Option<String>>> {
    use arrow_array::types::*;
    macro_rules! ints {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            Some(
                (0..p.len())
                    .map(|i| (!p.is_null(i)).then(|| p.value(i).to_string()))
                    .collect(),
            )
        }};
    }
    match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            Some(
                (0..s.len())
                    .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                    .collect(),
            )
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            Some(
                (0..s.len())
                    .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                    .collect(),
            )
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            Some(
                (0..s.len())
                    .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                    .collect(),
            )
        }
        DataType::Int64 => ints!(Int64Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int8 => ints!(Int8Type),
        DataType::UInt64 => ints!(UInt64Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt8 => ints!(UInt8Type),
        _ => None,
    }
}

fn parse_table(batch: &RecordBatch, file: &str, id_column: &str) -> Result<Parsed, StageError> {
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let id_col = batch.column_by_name(id_column).ok_or_else(|| {
        let hint = flow_engine::diagnostic::did_you_mean(id_column, names.iter().copied())
            .map(|s| format!("; did you mean `{s}`? (set `id_column`)"))
            .unwrap_or_default();
        err(
            file,
            format!(
                "has no image-id column `{id_column}`{hint} (columns: {})",
                names.join(", ")
            ),
        )
    })?;
    let raw_ids = id_strings(id_col.as_ref()).ok_or_else(|| {
        err(
            file,
            format!(
                "the image-id column `{id_column}` must hold text or integers, found {}",
                id_col.data_type()
            ),
        )
    })?;
    let mut ids = Vec::with_capacity(raw_ids.len());
    let mut seen = std::collections::HashMap::new();
    for (row, id) in raw_ids.into_iter().enumerate() {
        let id = match id {
            Some(s) if !s.trim().is_empty() => s,
            _ => {
                return Err(err(
                    file,
                    format!(
                        "data row {} has no image id (column `{id_column}` is empty)",
                        row + 1
                    ),
                ));
            }
        };
        if let Some(first) = seen.insert(id.clone(), row) {
            return Err(err(
                file,
                format!(
                    "image id `{id}` appears twice (data rows {} and {})",
                    first + 1,
                    row + 1
                ),
            ));
        }
        ids.push(id);
    }
    let mut out_names = Vec::new();
    let mut values = Vec::new();
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        if field.name() == id_column {
            continue;
        }
        let v = to_f64(col.as_ref())
            .or_else(|| parse_text_numbers(col.as_ref()))
            .ok_or_else(|| {
                err(
                    file,
                    format!(
                        "column `{}` is not numeric ({}); every column but the id column must be",
                        field.name(),
                        field.data_type()
                    ),
                )
            })?;
        let mut clean = Vec::with_capacity(v.len());
        for (row, x) in v.into_iter().enumerate() {
            match x {
                None => {
                    return Err(err(
                        file,
                        format!(
                            "column `{}` is empty at data row {} (image `{}`)",
                            field.name(),
                            row + 1,
                            ids[row]
                        ),
                    ));
                }
                Some(x) if !x.is_finite() => {
                    return Err(err(
                        file,
                        format!(
                            "column `{}` has a non-finite value ({x}) at data row {} (image `{}`)",
                            field.name(),
                            row + 1,
                            ids[row]
                        ),
                    ));
                }
                Some(x) => clean.push(x),
            }
        }
        out_names.push(field.name().clone());
        values.push(clean);
    }
    Ok(Parsed {
        ids: Some(ids),
        names: out_names,
        values,
    })
}

fn parse_npy(path: &Path, file: &str, what: &str) -> Result<Parsed, StageError> {
    let array =
        flow_tableio::read_npy_array(path).map_err(|e| StageError::param("path", e.to_string()))?;
    let (rows, cols) = match (array.shape.as_slice(), what) {
        ([r, c], _) => (*r, *c),
        ([r, k, 2], "landmarks") => (*r, k * 2),
        (shape, _) => {
            let want = if what == "landmarks" {
                "2-D (images × values) or 3-D (images × points × 2)"
            } else {
                "2-D (images × values)"
            };
            return Err(err(
                file,
                format!("an NPY array of {what} must be {want}, found shape {shape:?}"),
            ));
        }
    };
    let mut values = vec![Vec::with_capacity(rows); cols];
    for r in 0..rows {
        for (c, col) in values.iter_mut().enumerate() {
            let x = array.data[r * cols + c];
            if !x.is_finite() {
                return Err(err(
                    file,
                    format!("non-finite value ({x}) at row {r}, column {c} (0-based)"),
                ));
            }
            col.push(x);
        }
    }
    let names = match what {
        "responses" => (0..cols).map(|c| format!("n{c:03}")).collect(),
        "activations" => (0..cols).map(|c| format!("u{c:03}")).collect(),
        "factors" => (0..cols).map(|c| format!("f{c:02}")).collect(),
        _ => Vec::new(), // renamed below
    };
    Ok(Parsed {
        ids: None,
        names,
        values,
    })
}

impl StageKind for ImportImageData {
    fn name(&self) -> &'static str {
        "import-image-data"
    }

    fn version(&self) -> u32 {
        1
    }

    fn summary(&self) -> &'static str {
        "Import responses, landmarks, activations or factors keyed by image id, with every id and value checked"
    }

    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required(
                "path",
                ParamType::Path,
                "the file (CSV, Parquet, Arrow or NPY), relative to the pipeline file",
            ),
            ParamSpec::with_default(
                "what",
                ParamType::Choice(WHAT),
                ParamValue::Str("responses".into()),
                "what the file holds",
            ),
            ParamSpec::with_default(
                "id_column",
                ParamType::Str,
                ParamValue::Str("image_id".into()),
                "the column holding image ids",
            ),
            ParamSpec::with_default(
                "coverage",
                ParamType::Choice(&["auto", "all", "subset"]),
                ParamValue::Str("auto".into()),
                "must every image have a row? auto: yes, except for responses",
            ),
            ParamSpec::with_default(
                "columns",
                ParamType::Int,
                ParamValue::Int(0),
                "expected number of value columns (0: any)",
            ),
        ]
    }

    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one(
                "images",
                ArtifactType::Table,
                "any table with an `image_id` column: the images the ids must match",
            )
            .optional(),
        ]
    }

    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one(
            "table",
            ArtifactType::Table,
            "image_id + one Float64 column per value",
        )]
    }

    fn check(
        &self,
        params: &Params,
        _connected: &flow_engine::ConnectedPorts,
    ) -> Result<(), StageError> {
        let p: ImportImageDataParams = params.parse()?;
        if p.columns < 0 {
            return Err(StageError::param("columns", "must be ≥ 0"));
        }
        Ok(())
    }

    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: ImportImageDataParams = ctx.params().parse()?;
        let path = p.path.as_path();
        let file = path.display().to_string();
        let what = p.what.as_str();
        let id_column = p.id_column.as_str();
        let is_npy = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));

        let mut parsed = if is_npy {
            parse_npy(path, &file, what)?
        } else {
            let batch = if is_csv {
                flow_tableio::read_csv_with_text_columns(path, &[id_column])
                    .map_err(|e| StageError::param("path", e.to_string()))?
            } else {
                flow_tableio::read_table(path)
                    .map_err(|e| StageError::param("path", e.to_string()))?
            };
            parse_table(&batch, &file, id_column)?
        };
        let rows = parsed
            .values
            .first()
            .map_or(parsed.ids.as_ref().map_or(0, Vec::len), Vec::len);
        if rows == 0 {
            return Err(err(&file, "has no rows"));
        }
        let cols = parsed.values.len();
        if cols == 0 {
            return Err(err(
                &file,
                format!("has no value columns besides the id column `{id_column}`"),
            ));
        }
        let expected = p.columns as usize;
        if expected > 0 && cols != expected {
            return Err(err(
                &file,
                format!("has {cols} value columns, expected {expected} (`columns`)"),
            ));
        }
        if what == "landmarks" {
            if cols % 2 != 0 {
                return Err(err(
                    &file,
                    format!(
                        "landmarks need x, y pairs, but there are {cols} value columns (an odd number)"
                    ),
                ));
            }
            parsed.names = (0..cols)
                .map(|c| format!("{}{:02}", if c % 2 == 0 { 'x' } else { 'y' }, c / 2))
                .collect();
        }

        // Ids against the images.
        let images = if inputs.is_connected("images") {
            Some(require_image_ids(inputs.table("images")?, "images")?)
        } else {
            None
        };
        let source = inputs
            .all("images")
            .first()
            .map(|a| a.node.clone())
            .unwrap_or_default();
        let order: Vec<usize> = match (&parsed.ids, &images) {
            (None, None) => {
                return Err(err(
                    &file,
                    "an NPY file has no image ids: connect the `images` input so that its rows align with the images by position",
                ));
            }
            (None, Some(imgs)) => {
                if imgs.len() != rows {
                    return Err(err(
                        &file,
                        format!(
                            "has {rows} rows but there are {} images (from {source}); an NPY file's rows must match the images one to one",
                            imgs.len()
                        ),
                    ));
                }
                parsed.ids = Some(imgs.clone());
                (0..rows).collect()
            }
            (Some(_), None) => (0..rows).collect(),
            (Some(ids), Some(imgs)) => {
                let index: std::collections::HashMap<&str, usize> = ids
                    .iter()
                    .enumerate()
                    .map(|(r, s)| (s.as_str(), r))
                    .collect();
                let known: std::collections::HashSet<&str> =
                    imgs.iter().map(String::as_str).collect();
                for (row, id) in ids.iter().enumerate() {
                    if !known.contains(id.as_str()) {
                        let hint = flow_engine::diagnostic::did_you_mean(
                            id,
                            imgs.iter().map(String::as_str),
                        )
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                        return Err(err(
                            &file,
                            format!(
                                "data row {}: image id `{id}` matches no image of the {} images (from {source}){hint}",
                                row + 1,
                                imgs.len()
                            ),
                        ));
                    }
                }
                let all = match p.coverage {
                    Coverage::All => true,
                    Coverage::Subset => false,
                    Coverage::Auto => what != "responses",
                };
                let missing: Vec<&str> = imgs
                    .iter()
                    .map(String::as_str)
                    .filter(|s| !index.contains_key(s))
                    .collect();
                if all && !missing.is_empty() {
                    let shown: Vec<String> =
                        missing.iter().take(5).map(|s| format!("`{s}`")).collect();
                    return Err(err(
                        &file,
                        format!(
                            "has no row for {} of the {} images (from {source}), e.g. {}; every image needs one (set coverage = \"subset\" to allow this)",
                            missing.len(),
                            imgs.len(),
                            shown.join(", ")
                        ),
                    ));
                }
                imgs.iter()
                    .filter_map(|s| index.get(s.as_str()).copied())
                    .collect()
            }
        };
        let ids = parsed.ids.expect("ids set");
        let mut columns = vec![(
            "image_id".to_string(),
            Column::Str(order.iter().map(|&r| ids[r].clone()).collect()),
        )];
        for (name, v) in parsed.names.into_iter().zip(parsed.values) {
            columns.push((name, Column::F64(order.iter().map(|&r| v[r]).collect())));
        }
        Ok(Outputs::new().table("table", table(columns)?))
    }
}
