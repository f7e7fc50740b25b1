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

#[test]
fn hash_dir_uses_the_port_formula_so_a_folder_and_a_port_with_the_same_files_agree() {
    let (_guard, store) = store();
    let folder = tempfile::tempdir().unwrap();
    fs::create_dir_all(folder.path().join("sub")).unwrap();
    fs::write(folder.path().join("a.png"), b"pixels").unwrap();
    fs::write(folder.path().join("sub/b.png"), b"more pixels").unwrap();
    let published = common::publish(
        &store,
        common::key("same files"),
        "k",
        &[
            ("out", "a.png", b"pixels"),
            ("out", "sub/b.png", b"more pixels"),
        ],
    );
    assert_eq!(
        store.hash_dir(folder.path()).unwrap(),
        published.manifest.ports["out"].content
    );
}

#[test]
fn hash_dir_follows_a_symbolic_link_to_a_file_or_a_folder() {
    let (_guard, store) = store();
    let real = tempfile::tempdir().unwrap();
    fs::write(real.path().join("a.png"), b"pixels").unwrap();
    let linked = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(real.path().join("a.png"), linked.path().join("a.png")).unwrap();
    assert_eq!(
        store.hash_dir(linked.path()).unwrap(),
        store.hash_dir(real.path()).unwrap()
    );
    let outer = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(real.path(), outer.path().join("images")).unwrap();
    let copy = tempfile::tempdir().unwrap();
    fs::create_dir(copy.path().join("images")).unwrap();
    fs::write(copy.path().join("images/a.png"), b"pixels").unwrap();
    assert_eq!(
        store.hash_dir(outer.path()).unwrap(),
        store.hash_dir(copy.path()).unwrap()
    );
}

#[test]
fn hash_dir_reports_a_symbolic_link_loop_instead_of_walking_forever() {
    let (_guard, store) = store();
    let folder = tempfile::tempdir().unwrap();
    fs::create_dir(folder.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(folder.path(), folder.path().join("sub/back")).unwrap();
    let err = store.hash_dir(folder.path()).unwrap_err().to_string();
    assert!(err.contains("sub/back"), "{err}");
    assert!(err.contains("symbolic link loop"), "{err}");
}

#[test]
fn a_read_only_store_creates_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    let store = flow_cache::Store::open_read_only(&root);
    let file = dir.path().join("input.bin");
    write_with_mtime(&file, b"bytes", SystemTime::now() - Duration::from_secs(60));
    assert_eq!(store.hash_file(&file).unwrap(), Digest::of_bytes(b"bytes"));
    assert!(store.objects().unwrap().is_empty());
    assert!(!root.exists(), "a read-only store must not create its root");
}
