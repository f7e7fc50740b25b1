//! Reading NPY files as tables and as n-dimensional arrays.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_schema::DataType;
use flow_tableio::{NdArray, read_npy_array, read_table};
use npyz::{AutoSerialize, Order, WriterBuilder};

/// Write `data` (already laid out in `order`) as an NPY array of `shape`.
fn write_npy<T: AutoSerialize>(path: &Path, shape: &[u64], order: Order, data: &[T]) {
    let file = BufWriter::new(File::create(path).unwrap());
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .order(order)
        .writer(file)
        .begin_nd()
        .unwrap();
    writer.extend(data.iter()).unwrap();
    writer.finish().unwrap();
}

fn f64_column(batch: &arrow_array::RecordBatch, name: &str) -> Vec<f64> {
    batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

#[test]
fn npy_2d_f64_becomes_numbered_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.npy");
    // [[1, 2, 3], [4, 5, 6]] in C order.
    write_npy(&path, &[2, 3], Order::C, &[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]);

    let batch = read_table(&path).unwrap();
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["0", "1", "2"]);
    assert_eq!(batch.num_rows(), 2);
    assert_eq!(f64_column(&batch, "0"), [1.0, 4.0]);
    assert_eq!(f64_column(&batch, "1"), [2.0, 5.0]);
    assert_eq!(f64_column(&batch, "2"), [3.0, 6.0]);
}

#[test]
fn npy_fortran_order_is_transposed_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    // The same [[1, 2, 3], [4, 5, 6]], stored column-major.
    write_npy(
        &path,
        &[2, 3],
        Order::Fortran,
        &[1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0],
    );

    let batch = read_table(&path).unwrap();
    assert_eq!(batch.num_columns(), 3);
    assert_eq!(f64_column(&batch, "0"), [1.0, 4.0]);
    assert_eq!(f64_column(&batch, "1"), [2.0, 5.0]);
    assert_eq!(f64_column(&batch, "2"), [3.0, 6.0]);

    assert_eq!(
        read_npy_array(&path).unwrap(),
        NdArray {
            shape: vec![2, 3],
            data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    );
}

#[test]
fn npy_1d_bool_and_i64_keep_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let bools = dir.path().join("b.npy");
    let ints = dir.path().join("i.npy");
    write_npy(&bools, &[3], Order::C, &[true, false, true]);
    write_npy(&ints, &[3], Order::C, &[-5i64, 0, 1 << 40]);

    let batch = read_table(&bools).unwrap();
    assert_eq!(batch.num_columns(), 1);
    assert_eq!(batch.schema_ref().field(0).name(), "0");
    assert_eq!(batch.column(0).data_type(), &DataType::Boolean);
    let values: Vec<bool> = batch
        .column(0)
        .as_boolean()
        .iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(values, [true, false, true]);

    let batch = read_table(&ints).unwrap();
    assert_eq!(batch.column(0).data_type(), &DataType::Int64);
    assert_eq!(
        batch
            .column(0)
            .as_primitive::<Int64Type>()
            .values()
            .to_vec(),
        [-5, 0, 1 << 40]
    );
}

#[test]
fn npy_f32_stays_f32() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.npy");
    write_npy(&path, &[2], Order::C, &[0.5f32, 1.5]);
    let batch = read_table(&path).unwrap();
    assert_eq!(batch.column(0).data_type(), &DataType::Float32);
}

#[test]
fn npy_3d_table_is_rejected_with_its_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cube.npy");
    write_npy(&path, &[2, 3, 4], Order::C, &[0.0f64; 24]);

    let message = read_table(&path).unwrap_err().to_string();
    assert!(message.contains("cube.npy"), "{message}");
    assert!(message.contains("(2, 3, 4)"), "{message}");
}

#[test]
fn npy_3d_fortran_array_reads_in_c_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cube.npy");
    // value = 100 i + 10 j + k for shape (2, 3, 2), stored column-major.
    let mut fortran = Vec::new();
    for k in 0..2u8 {
        for j in 0..3u8 {
            for i in 0..2u8 {
                fortran.push(100 * i + 10 * j + k);
            }
        }
    }
    write_npy(&path, &[2, 3, 2], Order::Fortran, &fortran);

    let array = read_npy_array(&path).unwrap();
    assert_eq!(array.shape, [2, 3, 2]);
    let mut expected = Vec::new();
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..2 {
                expected.push(f64::from(100 * i + 10 * j + k));
            }
        }
    }
    assert_eq!(array.data, expected);
}
