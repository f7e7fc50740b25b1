//! Error messages name the file and say what is wrong.

use std::path::Path;

use flow_tableio::{Format, TableIoError, read_table};

#[test]
fn unknown_extension_error_lists_supported_formats() {
    let err = Format::from_path(Path::new("data/table.xlsx")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("data/table.xlsx"), "{message}");
    for ext in [".npy", ".arrow", ".parquet", ".csv", ".json"] {
        assert!(message.contains(ext), "{message}");
    }
    assert!(matches!(
        read_table(Path::new("no_extension")),
        Err(TableIoError::UnknownExtension { .. })
    ));
}

#[test]
fn malformed_csv_row_error_mentions_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "a,b,c\n1,2,3\n4,5\n6,7,8\n").unwrap();
    let err = read_table(&path).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("bad.csv"), "{message}");
    assert!(message.contains("line 3"), "{message}");
    assert!(
        matches!(err, TableIoError::Csv { line: Some(3), .. }),
        "{err:?}"
    );
}

#[test]
fn missing_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.parquet");
    let err = read_table(&path).unwrap_err();
    assert!(matches!(err, TableIoError::NotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("absent.parquet"), "{message}");
    assert!(message.contains("not found"), "{message}");
}

#[test]
fn reading_json_is_not_supported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    std::fs::write(&path, "[]").unwrap();
    let message = read_table(&path).unwrap_err().to_string();
    assert!(message.contains("t.json"), "{message}");
    assert!(
        message.contains("reading .json tables is not supported"),
        "{message}"
    );
}

/// Found by tests/hostile_inputs.rs: arrow-rs's IPC reader panicked on a flipped byte in a
/// buffer offset. Every single-byte flip of a small Arrow file must now read as a table or fail
/// with an error naming the file.
#[test]
fn every_single_byte_flip_of_an_arrow_file_is_an_error_naming_it_or_a_table_never_a_panic() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.arrow");
    let schema = Schema::new(vec![
        Field::new("a", DataType::Float64, false),
        Field::new("b", DataType::Int64, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(vec![1.5, -2.0, 3.25])),
        Arc::new(Int64Array::from(vec![7, 8, 9])),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    flow_tableio::write_table(&batch, &path).unwrap();
    let seed = std::fs::read(&path).unwrap();
    let mutant = dir.path().join("mutant.arrow");
    let mut errors = 0;
    for i in 0..seed.len() {
        for mask in [0x01u8, 0x10, 0x80, 0xff] {
            let mut bytes = seed.clone();
            bytes[i] ^= mask;
            std::fs::write(&mutant, &bytes).unwrap();
            if let Err(e) = flow_tableio::read_table(&mutant) {
                errors += 1;
                assert!(e.to_string().contains("mutant.arrow"), "byte {i}: {e}");
            }
        }
    }
    assert!(errors > 0, "some flips must be refused");
}
