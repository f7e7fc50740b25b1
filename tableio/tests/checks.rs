//! Finite-value checks and JSON export.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, Int64Array, RecordBatch};
use flow_tableio::{TableIoError, batch_to_json_rows, ensure_finite, write_table};
use serde_json::json;

#[test]
fn ensure_finite_names_column_and_row() {
    let batch = RecordBatch::try_from_iter([
        ("n", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
        (
            "v",
            Arc::new(Float32Array::from(vec![
                Some(1.0),
                None,
                Some(f32::INFINITY),
            ])) as ArrayRef,
        ),
    ])
    .unwrap();
    let err = ensure_finite(&batch, "spikes.csv").unwrap_err();
    match &err {
        TableIoError::NonFinite {
            origin,
            column,
            row,
            ..
        } => {
            assert_eq!(origin, "spikes.csv");
            assert_eq!(column, "v");
            assert_eq!(*row, 2);
        }
        other => panic!("unexpected error {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("spikes.csv"), "{message}");
    assert!(message.contains("\"v\""), "{message}");
    assert!(message.contains("row 2"), "{message}");

    let finite = batch.slice(0, 2);
    ensure_finite(&finite, "spikes.csv").unwrap();
}

#[test]
fn json_export_writes_null_for_nan() {
    let batch = RecordBatch::try_from_iter([
        ("t", Arc::new(Int64Array::from(vec![0, 1])) as ArrayRef),
        (
            "x",
            Arc::new(Float64Array::from(vec![f64::NAN, 2.5])) as ArrayRef,
        ),
        (
            "y",
            Arc::new(Float64Array::from(vec![Some(f64::NEG_INFINITY), None])) as ArrayRef,
        ),
    ])
    .unwrap();
    let expected = json!([
        {"t": 0, "x": null, "y": null},
        {"t": 1, "x": 2.5, "y": null},
    ]);
    assert_eq!(batch_to_json_rows(&batch).unwrap(), expected);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    write_table(&batch, &path).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written, expected);

    let empty = batch.slice(0, 0);
    assert_eq!(batch_to_json_rows(&empty).unwrap(), json!([]));
}
