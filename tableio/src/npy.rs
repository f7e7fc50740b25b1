//! NumPy `.npy` files: reading them as tables or as n-dimensional arrays, and
//! writing an all-numeric table as a 2-D float64 matrix.
//!
//! Parsing and serialisation are done by `npyz`; this module only maps dtypes
//! and shapes onto Arrow and reorders Fortran-order data.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, PrimitiveArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use npyz::{DType, NpyFile, Order, TypeChar, WriterBuilder};

use crate::error::TableIoError;

/// An n-dimensional array read from an NPY file, converted to `f64`, with
/// `data` in C (row-major) order: element `[i, j, k]` of a `[a, b, c]` array
/// is `data[(i * b + j) * c + k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// Length of each axis, outermost first.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<f64>,
}

impl NdArray {
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
}

/// The element vector of an NPY file, typed by its dtype.
enum Elements {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    I16(Vec<i16>),
    I8(Vec<i8>),
    U64(Vec<u64>),
    U32(Vec<u32>),
    U16(Vec<u16>),
    U8(Vec<u8>),
    Bool(Vec<bool>),
}

/// Apply `$body` to the vector inside any [`Elements`] variant.
macro_rules! with_elements {
    ($elements:expr, $v:ident => $body:expr) => {
        match $elements {
            Elements::F64($v) => $body,
            Elements::F32($v) => $body,
            Elements::I64($v) => $body,
            Elements::I32($v) => $body,
            Elements::I16($v) => $body,
            Elements::I8($v) => $body,
            Elements::U64($v) => $body,
            Elements::U32($v) => $body,
            Elements::U16($v) => $body,
            Elements::U8($v) => $body,
            Elements::Bool($v) => $body,
        }
    };
}

/// An NPY file as stored: shape, memory order and elements.
struct RawNpy {
    shape: Vec<usize>,
    order: Order,
    elements: Elements,
}

const SUPPORTED_DTYPES: &str = "float64, float32, int64, int32, int16, int8, uint64, uint32, \
                                uint16, uint8, bool";

fn read_raw(path: &Path) -> Result<RawNpy, TableIoError> {
    let file = File::open(path).map_err(|e| TableIoError::io(path, e))?;
    let npy = NpyFile::new(BufReader::new(file))
        .map_err(|e| TableIoError::npy(path, format!("not a valid NPY file: {e}")))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&n| n as usize).collect();
    let order = npy.order();
    let dtype = npy.dtype();
    let unsupported = |dtype: &DType| {
        TableIoError::npy(
            path,
            format!(
                "unsupported NPY dtype {}; supported dtypes are {SUPPORTED_DTYPES}",
                dtype.descr()
            ),
        )
    };
    let DType::Plain(type_str) = &dtype else {
        return Err(unsupported(&dtype));
    };
    let read_err = |e: std::io::Error| TableIoError::npy(path, format!("reading NPY data: {e}"));
    let elements = match (type_str.type_char(), type_str.size_field()) {
        (TypeChar::Float, 8) => Elements::F64(npy.into_vec().map_err(read_err)?),
        (TypeChar::Float, 4) => Elements::F32(npy.into_vec().map_err(read_err)?),
        (TypeChar::Int, 8) => Elements::I64(npy.into_vec().map_err(read_err)?),
        (TypeChar::Int, 4) => Elements::I32(npy.into_vec().map_err(read_err)?),
        (TypeChar::Int, 2) => Elements::I16(npy.into_vec().map_err(read_err)?),
        (TypeChar::Int, 1) => Elements::I8(npy.into_vec().map_err(read_err)?),
        (TypeChar::Uint, 8) => Elements::U64(npy.into_vec().map_err(read_err)?),
        (TypeChar::Uint, 4) => Elements::U32(npy.into_vec().map_err(read_err)?),
        (TypeChar::Uint, 2) => Elements::U16(npy.into_vec().map_err(read_err)?),
        (TypeChar::Uint, 1) => Elements::U8(npy.into_vec().map_err(read_err)?),
        (TypeChar::Bool, 1) => Elements::Bool(npy.into_vec().map_err(read_err)?),
        _ => return Err(unsupported(&dtype)),
    };
    Ok(RawNpy {
        shape,
        order,
        elements,
    })
}

/// Format a shape the way NumPy prints it: `(3,)`, `(2, 3, 4)`.
pub(crate) fn shape_string(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// Reorder Fortran-order (column-major) elements of `shape` into C order.
fn fortran_to_c<T: Copy>(data: &[T], shape: &[usize]) -> Vec<T> {
    if shape.len() < 2 || data.is_empty() {
        return data.to_vec();
    }
    // Fortran stride of axis d is the product of the axes before it.
    let mut strides = Vec::with_capacity(shape.len());
    let mut stride = 1;
    for &n in shape {
        strides.push(stride);
        stride *= n;
    }
    let mut out = Vec::with_capacity(data.len());
    let mut index = vec![0usize; shape.len()];
    let mut offset = 0usize;
    for _ in 0..data.len() {
        out.push(data[offset]);
        // Advance the C-order odometer (last axis fastest).
        for d in (0..shape.len()).rev() {
            index[d] += 1;
            offset += strides[d];
            if index[d] < shape[d] {
                break;
            }
            offset -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
    out
}

/// Split a `rows × cols` matrix stored in `order` into its columns.
fn split_columns<T: Copy>(data: &[T], rows: usize, cols: usize, order: Order) -> Vec<Vec<T>> {
    (0..cols)
        .map(|j| match order {
            Order::Fortran => data[j * rows..(j + 1) * rows].to_vec(),
            Order::C => (0..rows).map(|i| data[i * cols + j]).collect(),
        })
        .collect()
}

/// Conversion of one column of NPY elements into an Arrow array.
trait ToArrow: Copy {
    fn to_arrow(values: Vec<Self>) -> ArrayRef;
}

macro_rules! primitive_to_arrow {
    ($($native:ty => $arrow:ty),* $(,)?) => {$(
        impl ToArrow for $native {
            fn to_arrow(values: Vec<Self>) -> ArrayRef {
                Arc::new(PrimitiveArray::<$arrow>::from(values))
            }
        }
    )*};
}

primitive_to_arrow!(
    f64 => Float64Type, f32 => Float32Type,
    i64 => Int64Type, i32 => Int32Type, i16 => Int16Type, i8 => Int8Type,
    u64 => UInt64Type, u32 => UInt32Type, u16 => UInt16Type, u8 => UInt8Type,
);

impl ToArrow for bool {
    fn to_arrow(values: Vec<Self>) -> ArrayRef {
        Arc::new(BooleanArray::from(values))
    }
}

fn columns_of<T: ToArrow>(data: &[T], shape: &[usize], order: Order) -> Vec<ArrayRef> {
    match *shape {
        [_] => vec![T::to_arrow(data.to_vec())],
        [rows, cols] => split_columns(data, rows, cols, order)
            .into_iter()
            .map(T::to_arrow)
            .collect(),
        _ => unreachable!("rank checked by caller"),
    }
}

/// Read a 1-D or 2-D NPY file as a table: a 1-D array becomes one column
/// named `"0"`, a 2-D array of shape `(rows, n)` becomes columns `"0"` to
/// `"n-1"`. The Arrow type follows the dtype (float32 stays float32).
pub(crate) fn read_npy_table(path: &Path) -> Result<RecordBatch, TableIoError> {
    let raw = read_raw(path)?;
    if !(1..=2).contains(&raw.shape.len()) {
        return Err(TableIoError::npy(
            path,
            format!(
                "NPY array has shape {} ({} dimensions); a table needs a 1-D or 2-D array",
                shape_string(&raw.shape),
                raw.shape.len()
            ),
        ));
    }
    let columns = with_elements!(&raw.elements, v => columns_of(v, &raw.shape, raw.order));
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Field::new(i.to_string(), c.data_type().clone(), true))
        .collect();
    let rows = raw.shape[0];
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| TableIoError::arrow(path, e))
}

/// Lossless-enough conversion of NPY elements to `f64`.
trait ToF64: Copy {
    fn to_f64(self) -> f64;
}

macro_rules! as_f64 {
    ($($t:ty),*) => {$(
        impl ToF64 for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

as_f64!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);

impl ToF64 for bool {
    fn to_f64(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
}

fn to_f64_c_order<T: ToF64>(data: &[T], shape: &[usize], order: Order) -> Vec<f64> {
    let values: Vec<f64> = data.iter().map(|v| v.to_f64()).collect();
    match order {
        Order::C => values,
        Order::Fortran => fortran_to_c(&values, shape),
    }
}

/// Read an NPY file of any rank as an [`NdArray`] of `f64` in C order
/// (Fortran-order files are reordered). Integer, unsigned, float and bool
/// dtypes are accepted; bools become 0.0/1.0.
pub fn read_npy_array(path: &Path) -> Result<NdArray, TableIoError> {
    crate::guard::without_panics(path, "NPY", || {
        let raw = read_raw(path)?;
        let data = with_elements!(&raw.elements, v => to_f64_c_order(v, &raw.shape, raw.order));
        Ok(NdArray {
            shape: raw.shape,
            data,
        })
    })
}

/// Write `batch` as a 2-D float64 NPY matrix of shape `(rows, columns)`.
///
/// Every column must have the same numeric type; nulls become NaN.
pub(crate) fn write_npy_matrix<W: Write>(
    batch: &RecordBatch,
    out: W,
    path: &Path,
) -> Result<(), TableIoError> {
    let schema = batch.schema();
    let Some(first) = schema.fields().first() else {
        return Err(TableIoError::unsupported(
            path,
            "cannot write a table with no columns as NPY",
        ));
    };
    let dtype = first.data_type();
    for field in schema.fields() {
        if !field.data_type().is_numeric() || field.data_type() != dtype {
            let types: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), f.data_type()))
                .collect();
            return Err(TableIoError::unsupported(
                path,
                format!(
                    "NPY output needs every column to have the same numeric type, but the \
                     columns are [{}]; write CSV, Parquet or Arrow instead",
                    types.join(", ")
                ),
            ));
        }
    }
    let columns: Vec<Float64Array> = batch
        .columns()
        .iter()
        .map(|c| {
            let cast = arrow_cast::cast(c, &DataType::Float64)
                .map_err(|e| TableIoError::arrow(path, e))?;
            Ok(cast
                .as_any()
                .downcast_ref::<Float64Array>()
                .expect("cast to Float64 yields a Float64Array")
                .clone())
        })
        .collect::<Result<_, TableIoError>>()?;
    let rows = batch.num_rows();
    let cols = columns.len();
    let npy_err = |e: std::io::Error| TableIoError::io(path, e);
    let mut writer = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(out)
        .begin_nd()
        .map_err(npy_err)?;
    for i in 0..rows {
        for column in &columns {
            let value = if column.is_null(i) {
                f64::NAN
            } else {
                column.value(i)
            };
            writer.push(&value).map_err(npy_err)?;
        }
    }
    writer.finish().map_err(npy_err)
}

#[cfg(test)]
mod tests {
    use super::{fortran_to_c, shape_string};

    #[test]
    fn fortran_3d_reorders_to_c() {
        // shape (2, 3, 2); value = 100*i + 10*j + k, stored column-major.
        let shape = [2, 3, 2];
        let mut fortran = Vec::new();
        for k in 0..2 {
            for j in 0..3 {
                for i in 0..2 {
                    fortran.push(100 * i + 10 * j + k);
                }
            }
        }
        let mut c = Vec::new();
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..2 {
                    c.push(100 * i + 10 * j + k);
                }
            }
        }
        assert_eq!(fortran_to_c(&fortran, &shape), c);
    }

    #[test]
    fn shapes_print_like_numpy() {
        assert_eq!(shape_string(&[3]), "(3,)");
        assert_eq!(shape_string(&[2, 3, 4]), "(2, 3, 4)");
        assert_eq!(shape_string(&[]), "()");
    }
}
