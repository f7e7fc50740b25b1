//! Writing a batch and reading it back, per format.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use flow_tableio::{read_ipc, read_table, write_ipc, write_table};

fn sample() -> RecordBatch {
    RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
        (
            "rate",
            Arc::new(Float64Array::from(vec![0.5, -1.25, 1e-3])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from(vec!["a", "b, with comma", "c"])) as ArrayRef,
        ),
        (
            "ok",
            Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
        ),
    ])
    .unwrap()
}

fn round_trip(path: &Path) -> RecordBatch {
    write_table(&sample(), path).unwrap();
    read_table(path).unwrap()
}

fn no_temp_files_left(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp.")), "{names:?}");
}

#[test]
fn csv_round_trip_through_write_table_and_read_table() {
    let dir = tempfile::tempdir().unwrap();
    let back = round_trip(&dir.path().join("t.csv"));
    // CSV carries no schema: compare values (inferred types match here).
    assert_eq!(back.columns(), sample().columns());
    assert_eq!(
        back.schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>(),
        ["id", "rate", "label", "ok"]
    );
    no_temp_files_left(dir.path());
}

#[test]
fn csv_nan_reads_back_as_float() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.csv");
    std::fs::write(&path, "x,y\n1,2.5\nNaN,inf\n3,\n").unwrap();
    let batch = read_table(&path).unwrap();
    let x = batch
        .column(0)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert!(x.value(1).is_nan());
    let y = batch
        .column(1)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(y.value(1), f64::INFINITY);
    assert!(y.is_null(2));
}

#[test]
fn parquet_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(round_trip(&dir.path().join("t.parquet")), sample());
    no_temp_files_left(dir.path());
}

#[test]
fn arrow_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(round_trip(&dir.path().join("t.arrow")), sample());
    assert_eq!(round_trip(&dir.path().join("t.feather")), sample());
    let ipc = dir.path().join("cache.ipc");
    write_ipc(&sample(), &ipc).unwrap();
    assert_eq!(read_ipc(&ipc).unwrap(), sample());
}

#[test]
fn arrow_stream_format_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.arrow");
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(file, &sample().schema()).unwrap();
    writer.write(&sample()).unwrap();
    writer.write(&sample()).unwrap();
    writer.finish().unwrap();
    let back = read_table(&path).unwrap();
    assert_eq!(back.num_rows(), 6);
    assert_eq!(back.slice(3, 3), sample());
}

#[test]
fn write_ipc_is_byte_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.arrow");
    let b = dir.path().join("b.arrow");
    write_ipc(&sample(), &a).unwrap();
    write_ipc(&sample(), &b).unwrap();
    // Overwriting an existing file gives the same bytes too.
    write_ipc(&sample(), &b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn npy_write_makes_a_float64_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.npy");
    let batch = RecordBatch::try_from_iter([
        ("a", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("b", Arc::new(Int64Array::from(vec![3, 4])) as ArrayRef),
    ])
    .unwrap();
    write_table(&batch, &path).unwrap();
    let array = flow_tableio::read_npy_array(&path).unwrap();
    assert_eq!(array.shape, [2, 2]);
    assert_eq!(array.data, [1.0, 3.0, 2.0, 4.0]);

    let err = write_table(&sample(), &dir.path().join("mixed.npy")).unwrap_err();
    assert!(err.to_string().contains("same numeric type"), "{err}");
    assert!(!dir.path().join("mixed.npy").exists());
    no_temp_files_left(dir.path());
}
