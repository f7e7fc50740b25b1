//! Garbage collection, disk usage and stale staging cleanup.

mod common;

use std::collections::HashSet;
use std::fs::{self, File};
use std::time::{Duration, SystemTime};

use common::{entries, key, publish, store};
use flow_cache::{Digest, GcPolicy, Object, Store};

/// Publishes `name` with `size` bytes, last used `age` ago.
fn object(store: &Store, name: &str, size: usize, age: Duration) -> Object {
    let object = publish(store, key(name), "k", &[("out", "f", &vec![7u8; size])]);
    let when = SystemTime::now() - age;
    File::options()
        .write(true)
        .open(object.dir.join("last-use"))
        .unwrap()
        .set_modified(when)
        .unwrap();
    object
}

fn remaining(store: &Store) -> HashSet<Digest> {
    store
        .objects()
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect()
}

fn removed(report: &flow_cache::GcReport) -> HashSet<Digest> {
    report.removed.iter().map(|r| r.key).collect()
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn gc_keep_removes_exactly_the_objects_not_kept() {
    let (_guard, store) = store();
    for name in ["a", "b", "c"] {
        object(&store, name, 10, HOUR);
    }
    let policy = GcPolicy {
        keep: Some(HashSet::from([key("a"), key("c")])),
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(removed(&report), HashSet::from([key("b")]));
    assert_eq!(report.removed[0].bytes, 10);
    assert_eq!(report.removed[0].kind, "k");
    assert_eq!(remaining(&store), HashSet::from([key("a"), key("c")]));
    assert_eq!((report.kept_objects, report.kept_bytes), (2, 20));
}

#[test]
fn gc_max_age_removes_only_objects_unused_for_longer() {
    let (_guard, store) = store();
    object(&store, "old", 10, 48 * HOUR);
    object(&store, "new", 10, HOUR);
    let policy = GcPolicy {
        max_age: Some(24 * HOUR),
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(removed(&report), HashSet::from([key("old")]));
    assert_eq!(remaining(&store), HashSet::from([key("new")]));
}

#[test]
fn gc_max_size_removes_least_recently_used_first() {
    let (_guard, store) = store();
    object(&store, "oldest", 100, 3 * HOUR);
    object(&store, "middle", 100, 2 * HOUR);
    object(&store, "newest", 100, HOUR);
    let policy = GcPolicy {
        max_size: Some(150),
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(
        removed(&report),
        HashSet::from([key("oldest"), key("middle")])
    );
    assert_eq!(remaining(&store), HashSet::from([key("newest")]));
    assert_eq!(report.kept_bytes, 100);
}

#[test]
fn get_refreshes_last_use_so_gc_keeps_what_was_read() {
    let (_guard, store) = store();
    object(&store, "read", 100, 3 * HOUR);
    object(&store, "unread", 100, 2 * HOUR);
    store.get(&key("read")).unwrap();
    let policy = GcPolicy {
        max_size: Some(100),
        ..GcPolicy::default()
    };
    store.gc(&policy).unwrap();
    assert_eq!(remaining(&store), HashSet::from([key("read")]));
}

#[test]
fn gc_never_removes_an_object_whose_lock_is_held() {
    let (_guard, store) = store();
    object(&store, "busy", 10, 48 * HOUR);
    object(&store, "idle", 10, 48 * HOUR);
    let _held = Store::open(store.root())
        .unwrap()
        .lock(&key("busy"))
        .unwrap();
    let policy = GcPolicy {
        keep: Some(HashSet::new()),
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(removed(&report), HashSet::from([key("idle")]));
    assert_eq!(remaining(&store), HashSet::from([key("busy")]));
}

#[test]
fn gc_dry_run_reports_but_removes_nothing() {
    let (_guard, store) = store();
    object(&store, "a", 10, HOUR);
    let stale = store.root().join("tmp").join("x.999999999.1");
    fs::create_dir(&stale).unwrap();
    let policy = GcPolicy {
        keep: Some(HashSet::new()),
        dry_run: true,
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(removed(&report), HashSet::from([key("a")]));
    assert_eq!(report.stale_staging, 1);
    assert_eq!(remaining(&store), HashSet::from([key("a")]));
    assert!(stale.exists());
}

#[test]
fn clean_stale_staging_removes_dead_pids_and_keeps_live_ones() {
    let (_guard, store) = store();
    let tmp = store.root().join("tmp");
    let dead = tmp.join(format!("{}.999999999.123", key("a")));
    let live = tmp.join(format!("{}.{}.123", key("b"), std::process::id()));
    let unrelated = tmp.join("notes");
    for dir in [&dead, &live, &unrelated] {
        fs::create_dir(dir).unwrap();
    }
    fs::write(dead.join("partial"), b"x").unwrap();
    let open_staging = store.begin(&key("c")).unwrap();

    assert_eq!(store.clean_stale_staging().unwrap(), 1);
    assert!(!dead.exists());
    assert!(live.exists() && unrelated.exists() && open_staging.dir().exists());
}

#[test]
fn du_reports_objects_and_bytes_per_kind_largest_first() {
    let (_guard, store) = store();
    publish(&store, key("t1"), "train", &[("w", "f", &[0u8; 100])]);
    publish(&store, key("t2"), "train", &[("w", "f", &[1u8; 50])]);
    publish(&store, key("u"), "udr", &[("t", "f", &[0u8; 10])]);
    let rows = store.du().unwrap();
    let rows: Vec<_> = rows
        .iter()
        .map(|r| (r.kind.as_str(), r.objects, r.bytes))
        .collect();
    assert_eq!(rows, [("train", 2, 150), ("udr", 1, 10)]);
}

#[test]
fn gc_with_no_policy_keeps_every_object() {
    let (_guard, store) = store();
    object(&store, "a", 10, 1000 * HOUR);
    let report = store.gc(&GcPolicy::default()).unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(report.kept_objects, 1);
    assert_eq!(entries(&store.root().join("tmp")), Vec::<String>::new());
}

/// A scratch directory for `name` holding one `bytes`-byte checkpoint, last changed `age` ago.
fn scratch(store: &Store, name: &str, bytes: usize, age: Duration) -> std::path::PathBuf {
    let dir = store.scratch(&key(name));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("checkpoint.bin");
    fs::write(&file, vec![1u8; bytes]).unwrap();
    let when = SystemTime::now() - age;
    File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(when)
        .unwrap();
    fs::File::open(&dir).unwrap().set_modified(when).unwrap();
    dir
}

#[test]
fn gc_reclaims_orphaned_scratch_by_age_and_keeps_recent_or_locked_scratch() {
    let (_guard, store) = store();
    let old = scratch(&store, "abandoned", 100, 10 * 24 * HOUR);
    let recent = scratch(&store, "resumable", 100, HOUR);
    let running = scratch(&store, "running", 100, 10 * 24 * HOUR);
    let _lock = store.lock(&key("running")).unwrap();
    let policy = GcPolicy {
        scratch_max_age: Some(7 * 24 * HOUR),
        ..GcPolicy::default()
    };
    let report = store.gc(&policy).unwrap();
    assert_eq!(report.scratch, vec![(key("abandoned"), 100)]);
    assert!(!old.exists());
    assert!(recent.exists(), "a recent checkpoint may still be resumed");
    assert!(
        running.exists(),
        "a computation holding its key's lock is never touched"
    );
}

#[test]
fn gc_reclaims_the_scratch_of_a_published_key_whatever_its_age() {
    let (_guard, store) = store();
    publish(&store, key("done"), "k", &[("out", "f", b"x")]);
    let leftover = scratch(&store, "done", 10, Duration::ZERO);
    let report = store.gc(&GcPolicy::default()).unwrap();
    assert_eq!(report.scratch, vec![(key("done"), 10)]);
    assert!(!leftover.exists());
}

#[test]
fn a_dry_run_gc_reports_orphaned_scratch_without_removing_it() {
    let (_guard, store) = store();
    let old = scratch(&store, "abandoned", 5, 30 * 24 * HOUR);
    let policy = GcPolicy {
        scratch_max_age: Some(24 * HOUR),
        dry_run: true,
        ..GcPolicy::default()
    };
    assert_eq!(store.gc(&policy).unwrap().scratch.len(), 1);
    assert!(old.exists());
}
