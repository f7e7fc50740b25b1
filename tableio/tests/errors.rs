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
