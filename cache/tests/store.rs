//! Publishing, looking up, locking, removing and verifying objects.

mod common;

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};

use common::{entries, key, publish, store};
use flow_cache::{Lookup, Store};

#[test]
fn open_creates_the_cache_layout() {
    let (_guard, store) = store();
    assert_eq!(
        entries(store.root()),
        [
            "index",
            "locks",
            "objects",
            "scratch",
            "stage-runs",
            "stat",
            "tmp"
        ]
    );
}

#[test]
fn publish_then_get_returns_present_with_port_digests() {
    let (_guard, store) = store();
    let published = publish(
        &store,
        key("a"),
        "table",
        &[
            ("out", "t.arrow", b"rows"),
            ("out", "sub/x.bin", b"xy"),
            ("log", "l.txt", b""),
        ],
    );
    let Lookup::Present(found) = store.get(&key("a")).unwrap() else {
        panic!("expected a present object");
    };
    assert_eq!(found.key, key("a"));
    assert_eq!(found.dir, published.dir);
    assert_eq!(found.manifest.ports, published.manifest.ports);
    assert_eq!(found.manifest.kind, "table");
    assert_eq!(found.manifest.format, 2);
    assert!(found.manifest.checksum.is_some());
    assert_eq!(found.bytes(), 6);

    let out = &found.manifest.ports["out"];
    let paths: Vec<&str> = out.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["sub/x.bin", "t.arrow"]);
    assert_eq!(out.bytes, 6);
    assert_eq!(
        fs::read(found.port_dir("out").join("t.arrow")).unwrap(),
        b"rows"
    );
    assert!(store.last_use(&key("a")).is_some());
}

#[test]
fn port_digest_follows_the_documented_formula() {
    let (_guard, store) = store();
    let object = publish(&store, key("a"), "k", &[("out", "f", b"abc")]);
    let mut hasher = blake3::Hasher::new();
    hasher.update(&1u64.to_le_bytes());
    hasher.update(b"f");
    hasher.update(&3u64.to_le_bytes());
    hasher.update(b"abc");
    assert_eq!(
        object.manifest.ports["out"].content,
        flow_cache::Digest::from_hash(hasher.finalize())
    );
}

#[test]
fn same_port_bytes_under_two_keys_give_the_same_content_digest() {
    let (_guard, store) = store();
    let a = publish(&store, key("a"), "k", &[("out", "f", b"same")]);
    let b = publish(&store, key("b"), "k", &[("out", "f", b"same")]);
    assert_eq!(
        a.manifest.ports["out"].content,
        b.manifest.ports["out"].content
    );
    assert_eq!(a.manifest.content, b.manifest.content);
}

#[test]
fn different_bytes_give_different_content_digests() {
    let (_guard, store) = store();
    let a = publish(&store, key("a"), "k", &[("out", "f", b"one")]);
    let b = publish(&store, key("b"), "k", &[("out", "f", b"two")]);
    assert_ne!(
        a.manifest.ports["out"].content,
        b.manifest.ports["out"].content
    );
}

#[test]
fn file_names_are_part_of_the_content_digest() {
    let (_guard, store) = store();
    let a = publish(&store, key("a"), "k", &[("out", "f", b"same")]);
    let b = publish(&store, key("b"), "k", &[("out", "g", b"same")]);
    assert_ne!(
        a.manifest.ports["out"].content,
        b.manifest.ports["out"].content
    );
}

#[test]
fn get_of_an_unknown_key_is_missing() {
    let (_guard, store) = store();
    assert!(matches!(
        store.get(&key("nothing")).unwrap(),
        Lookup::Missing
    ));
}

#[test]
fn abandoned_staging_leaves_nothing_behind() {
    let (_guard, store) = store();
    let staging = store.begin(&key("a")).unwrap();
    fs::write(staging.port_dir("out").unwrap().join("f"), b"half").unwrap();
    let dir = staging.dir().to_path_buf();
    assert!(dir.starts_with(store.root().join("tmp")));
    drop(staging);

    assert!(!dir.exists());
    assert!(entries(&store.root().join("tmp")).is_empty());
    assert!(entries(&store.root().join("objects")).is_empty());
    assert!(matches!(store.get(&key("a")).unwrap(), Lookup::Missing));
}

#[test]
fn publish_leaves_no_staging_directory() {
    let (_guard, store) = store();
    publish(&store, key("a"), "k", &[("out", "f", b"x")]);
    assert!(entries(&store.root().join("tmp")).is_empty());
}

#[test]
fn port_names_must_be_single_visible_components() {
    let (_guard, store) = store();
    let staging = store.begin(&key("a")).unwrap();
    for bad in ["", "..", ".hidden", "a/b"] {
        assert!(staging.port_dir(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn publish_of_an_existing_key_keeps_the_first_object() {
    let (_guard, store) = store();
    let first = publish(&store, key("a"), "k", &[("out", "f", b"first")]);
    let second = publish(&store, key("a"), "k", &[("out", "f", b"second")]);
    assert_eq!(second.manifest.content, first.manifest.content);
    assert_eq!(
        fs::read(second.port_dir("out").join("f")).unwrap(),
        b"first"
    );
    assert!(entries(&store.root().join("tmp")).is_empty());
}

#[test]
fn truncated_file_makes_get_report_corrupt_naming_the_file() {
    let (_guard, store) = store();
    let object = publish(&store, key("a"), "k", &[("out", "data.bin", b"0123456789")]);
    let file = object.port_dir("out").join("data.bin");
    OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(4)
        .unwrap();

    match store.get(&key("a")).unwrap() {
        Lookup::Corrupt { reason } => {
            assert!(reason.contains(&file.display().to_string()), "{reason}")
        }
        other => panic!("expected corrupt, got {other:?}"),
    }
}

#[test]
fn missing_manifest_makes_get_report_corrupt() {
    let (_guard, store) = store();
    let object = publish(&store, key("a"), "k", &[("out", "f", b"x")]);
    fs::remove_file(object.dir.join("manifest.json")).unwrap();
    assert!(matches!(
        store.get(&key("a")).unwrap(),
        Lookup::Corrupt { .. }
    ));
}

#[test]
fn verify_reports_a_flipped_byte_with_the_same_size() {
    let (_guard, store) = store();
    publish(&store, key("good"), "k", &[("out", "f", b"fine")]);
    let bad = publish(&store, key("bad"), "k", &[("out", "f", b"abcdef")]);
    assert!(store.verify().unwrap().is_empty());

    let mut file = OpenOptions::new()
        .write(true)
        .open(bad.port_dir("out").join("f"))
        .unwrap();
    file.seek(SeekFrom::Start(2)).unwrap();
    file.write_all(b"X").unwrap();
    drop(file);

    // The cheap check cannot see it; verify does.
    assert!(matches!(
        store.get(&key("bad")).unwrap(),
        Lookup::Present(_)
    ));
    let issues = store.verify().unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].key, key("bad"));
    assert_eq!(issues[0].dir, bad.dir);
    assert!(issues[0].problem.contains("out"), "{}", issues[0].problem);
}

#[test]
fn remove_deletes_the_object_and_leaves_no_trace_in_tmp() {
    let (_guard, store) = store();
    publish(&store, key("a"), "k", &[("out", "f", b"x")]);
    store.remove(&key("a")).unwrap();
    store.remove(&key("a")).unwrap(); // removing nothing is fine
    assert!(matches!(store.get(&key("a")).unwrap(), Lookup::Missing));
    assert!(entries(&store.root().join("tmp")).is_empty());
}

#[test]
fn try_lock_returns_none_while_another_handle_holds_the_key() {
    let (_guard, store) = store();
    let other = Store::open(store.root()).unwrap();
    let held = store.lock(&key("a")).unwrap();
    assert!(other.try_lock(&key("a")).unwrap().is_none());
    assert!(store.try_lock(&key("a")).unwrap().is_none());
    assert!(other.try_lock(&key("b")).unwrap().is_some());
    drop(held);
    assert!(other.try_lock(&key("a")).unwrap().is_some());
}

#[test]
fn lock_waits_for_the_holder_to_release() {
    let (_guard, store) = store();
    let held = store.lock(&key("a")).unwrap();
    let other = Store::open(store.root()).unwrap();
    let waiter = std::thread::spawn(move || {
        let _lock = other.lock(&key("a")).unwrap();
        std::time::Instant::now()
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let released = std::time::Instant::now();
    drop(held);
    assert!(waiter.join().unwrap() >= released);
}

#[test]
fn objects_lists_every_published_object() {
    let (_guard, store) = store();
    publish(&store, key("a"), "k", &[("out", "f", b"x")]);
    publish(&store, key("b"), "k", &[("out", "f", b"y")]);
    let mut keys: Vec<_> = store
        .objects()
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    let mut expected = vec![key("a"), key("b")];
    expected.sort();
    assert_eq!(keys, expected);
}

#[test]
fn concurrent_publishers_of_one_key_all_get_the_single_winner() {
    let (_guard, store) = store();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let store = Store::open(store.root()).unwrap();
                scope.spawn(move || {
                    let bytes = format!("writer {i}");
                    publish(&store, key("a"), "k", &[("out", "f", bytes.as_bytes())])
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let on_disk = fs::read(results[0].port_dir("out").join("f")).unwrap();
    for object in &results {
        assert_eq!(object.manifest.content, results[0].manifest.content);
    }
    assert!(on_disk.starts_with(b"writer "));
    assert!(entries(&store.root().join("tmp")).is_empty());
    assert!(store.verify().unwrap().is_empty());
}

/// Run in a child process by `a_lock_held_by_a_killed_process_is_released`.
#[test]
#[ignore = "helper process: holds a lock until killed"]
fn helper_hold_lock_until_killed() {
    let Ok(root) = std::env::var("FLOW_CACHE_TEST_ROOT") else {
        return;
    };
    let store = Store::open(root).unwrap();
    let _lock = store.lock(&key("a")).unwrap();
    println!("FLOW-LOCK-HELD");
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn a_lock_held_by_a_killed_process_is_released() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let (_guard, store) = store();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_hold_lock_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .env("FLOW_CACHE_TEST_ROOT", store.root())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let held = stdout
        .lines()
        .any(|line| line.is_ok_and(|l| l.contains("FLOW-LOCK-HELD")));
    assert!(held, "helper never took the lock");
    assert!(store.try_lock(&key("a")).unwrap().is_none());

    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert!(store.try_lock(&key("a")).unwrap().is_some());
}

/// Found by the corruption campaign (bench/reliability.py): a flipped byte in a manifest's
/// provenance (its node name, timings, inputs) went unnoticed. Every single-bit flip of a
/// manifest is now caught at read (the object is corrupt, never present) and by `verify`.
#[test]
fn every_flipped_bit_of_a_manifest_is_caught_at_read_and_by_verify() {
    let (_dir, store) = store();
    let k = key("manifest");
    let object = publish(
        &store,
        k,
        "demo",
        &[("table", "table.arrow", b"some bytes")],
    );
    let path = object.dir.join("manifest.json");
    let original = std::fs::read(&path).unwrap();
    for i in 0..original.len() {
        for bit in [0x01u8, 0x20] {
            let mut bytes = original.clone();
            bytes[i] ^= bit;
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                matches!(store.get(&k).unwrap(), Lookup::Corrupt { .. }),
                "byte {i} ^ {bit:#x} ({:?}) was not caught at read",
                original[i] as char
            );
            assert_eq!(
                store.verify().unwrap().len(),
                1,
                "byte {i} ^ {bit:#x}: verify"
            );
        }
    }
    std::fs::write(&path, &original).unwrap();
    assert!(matches!(store.get(&k).unwrap(), Lookup::Present(_)));
    assert!(store.verify().unwrap().is_empty());
}

#[test]
fn a_format_1_manifest_without_a_checksum_is_still_read() {
    let (_dir, store) = store();
    let k = key("old");
    let object = publish(&store, k, "demo", &[("table", "table.arrow", b"bytes")]);
    let path = object.dir.join("manifest.json");
    let mut value: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("checksum");
    value["format"] = 1.into();
    fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    assert!(matches!(store.get(&k).unwrap(), Lookup::Present(_)));
    assert!(store.verify().unwrap().is_empty());
}
