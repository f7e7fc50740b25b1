//! Unit tests of the matrix helpers: reading a matrix, matching rows, naming bad values, boolean
//! columns.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};

use super::*;

fn table(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

#[test]
fn matrix_skips_image_id_and_keeps_column_order() {
    let t = table(vec![
        ("b", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        (IMAGE_ID, Arc::new(Int64Array::from(vec![7, 9]))),
        ("a", Arc::new(Int64Array::from(vec![3, 4]))),
    ]);
    let m = read_matrix(&t, "units").unwrap();
    assert_eq!(m.ids, Some(vec!["7".to_string(), "9".to_string()]));
    assert_eq!(m.columns, vec!["b", "a"]);
    assert_eq!(m.data[(1, 1)], 4.0);
}

#[test]
fn align_by_id_and_by_position() {
    let a = vec!["x".to_string(), "y".to_string()];
    let o = vec!["y".to_string(), "z".to_string(), "x".to_string()];
    assert_eq!(
        align_rows("responses", Some(&a), 2, "units", Some(&o), 3).unwrap(),
        vec![2, 0]
    );
    let err = align_rows("responses", Some(&o), 3, "units", Some(&a), 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("units") && err.contains("`z`"), "{err}");
    let err = align_rows("responses", None, 3, "units", None, 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("2 rows") && err.contains("3"), "{err}");
}

#[test]
fn nan_and_duplicates_are_named() {
    let t = table(vec![(
        "0",
        Arc::new(Float64Array::from(vec![1.0, f64::NAN])),
    )]);
    let err = read_matrix(&t, "responses").unwrap_err().to_string();
    assert!(
        err.contains("responses") && err.contains("NaN") && err.contains("row 1"),
        "{err}"
    );
    let t = table(vec![
        (IMAGE_ID, Arc::new(StringArray::from(vec!["a", "a"]))),
        ("0", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]);
    assert!(
        read_matrix(&t, "units")
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
}

#[test]
fn bool_columns_accept_zero_one() {
    let t = table(vec![("train", Arc::new(Int64Array::from(vec![0, 1, 1])))]);
    assert_eq!(
        bool_column(&t, "train", "split").unwrap(),
        Some(vec![false, true, true])
    );
    let t = table(vec![("train", Arc::new(Int64Array::from(vec![0, 2])))]);
    assert!(bool_column(&t, "train", "split").is_err());
}
