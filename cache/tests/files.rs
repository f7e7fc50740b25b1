//! The stat cache of `hash_file` and the run index.

mod common;

use std::fs::{self, File};
use std::time::{Duration, SystemTime};

use common::{entries, store};
use flow_cache::{CacheError, Digest};

fn write_with_mtime(path: &std::path::Path, bytes: &[u8], mtime: SystemTime) {
    fs::write(path, bytes).unwrap();
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn hash_file_is_the_blake3_of_the_bytes_and_records_a_stat_entry() {
    let (dir, store) = store();
    let path = dir.path().join("input.csv");
    write_with_mtime(
        &path,
        b"a,b\n1,2\n",
        SystemTime::now() - Duration::from_secs(60),
    );

    assert_eq!(
        store.hash_file(&path).unwrap(),
        Digest::of_bytes(b"a,b\n1,2\n")
    );
    let stat = entries(&store.root().join("stat"));
    assert_eq!(stat.len(), 1);
    let entry: serde_json::Value =
        serde_json::from_slice(&fs::read(store.root().join("stat").join(&stat[0])).unwrap())
            .unwrap();
    assert_eq!(entry["size"], 8);
    assert_eq!(entry["digest"], Digest::of_bytes(b"a,b\n1,2\n").to_string());
}

#[test]
fn hash_file_trusts_the_stat_entry_while_size_and_mtime_match() {
    let (dir, store) = store();
    let path = dir.path().join("input.bin");
    let mtime = SystemTime::now() - Duration::from_secs(60);
    write_with_mtime(&path, b"aaaa", mtime);
    let first = store.hash_file(&path).unwrap();

    // Same size, same mtime: the recorded digest is reused without reading the file.
    write_with_mtime(&path, b"bbbb", mtime);
    assert_eq!(store.hash_file(&path).unwrap(), first);
}

#[test]
fn hash_file_rehashes_a_file_whose_mtime_changed() {
    let (dir, store) = store();
    let path = dir.path().join("input.bin");
    write_with_mtime(&path, b"aaaa", SystemTime::now() - Duration::from_secs(60));
    store.hash_file(&path).unwrap();

    write_with_mtime(&path, b"bbbb", SystemTime::now() - Duration::from_secs(30));
    assert_eq!(store.hash_file(&path).unwrap(), Digest::of_bytes(b"bbbb"));
}

#[test]
fn hash_file_does_not_record_a_file_modified_just_now() {
    let (dir, store) = store();
    let path = dir.path().join("fresh.bin");
    fs::write(&path, b"fresh").unwrap();
    assert_eq!(store.hash_file(&path).unwrap(), Digest::of_bytes(b"fresh"));
    assert!(entries(&store.root().join("stat")).is_empty());
}

#[test]
fn hash_file_error_names_the_path() {
    let (dir, store) = store();
    let path = dir.path().join("no-such-file.csv");
    let err = store.hash_file(&path).unwrap_err();
    assert!(matches!(err, CacheError::Io { .. }));
    assert!(err.to_string().contains("no-such-file.csv"), "{err}");
}
