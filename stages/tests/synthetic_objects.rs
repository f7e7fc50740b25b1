//! `synthetic-objects` (issue 21): simple non-face objects, some with a planted face part, and
//! the parts' masks — deterministic outputs, the planted count, masks that match what the part
//! changed, placebos, and refused params.
//!
//! Run with `--nocapture` to see how much of each part kind's mask the part changes.

mod common;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_schema::DataType;
use common::world::*;
use flow_engine::{Inputs, Outputs, ParamValue};
use flow_stages::images::ImageSet;
use flow_stages::world::face_renderer::{ObjectKind, PartKind, part_mask, render_object};
use flow_stages::world::synthetic_objects::{DrawnObject, SyntheticObjects, draw_objects};

const SEED: u64 = 7;

fn objects(set: &[(&str, ParamValue)], seed: u64, dir: &std::path::Path) -> Outputs {
    run(&SyntheticObjects, set, seed, Inputs::default(), dir).unwrap()
}

fn images(out: &Outputs, port: &str) -> ImageSet {
    ImageSet::from_table(table(out, port), port).unwrap()
}

fn planted_column(parts: &RecordBatch) -> Vec<bool> {
    let b = parts.column_by_name("planted").unwrap().as_boolean();
    (0..b.len()).map(|i| b.value(i)).collect()
}

/// What the stage drew for `n` objects at `SEED` with the default lists.
fn drawn(n: usize, part_fraction: f64) -> Vec<DrawnObject> {
    draw_objects(n, &ObjectKind::ALL, &PartKind::ALL, part_fraction, SEED)
}

/// The mask grown by one pixel in each of the 8 directions.
fn dilate(mask: &[f32], size: usize) -> Vec<bool> {
    let mut out = vec![false; size * size];
    for r in 0..size {
        for c in 0..size {
            if mask[r * size + c] > 0.5 {
                for rr in r.saturating_sub(1)..(r + 2).min(size) {
                    for cc in c.saturating_sub(1)..(c + 2).min(size) {
                        out[rr * size + cc] = true;
                    }
                }
            }
        }
    }
    out
}

#[test]
fn same_params_and_seed_give_identical_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let set = [("images", int(24)), ("size", int(32))];
    let (x, y) = (objects(&set, SEED, &a), objects(&set, SEED, &b));
    for port in ["images", "parts", "masks"] {
        assert_eq!(table(&x, port), table(&y, port), "{port} differs");
    }
    for sheet in ["contact-sheet.png", "masks.png"] {
        assert_eq!(
            std::fs::read(a.join("ports/sheets").join(sheet)).unwrap(),
            std::fs::read(b.join("ports/sheets").join(sheet)).unwrap(),
            "{sheet} differs between identical runs"
        );
    }
}

#[test]
fn another_seed_gives_different_images() {
    let tmp = tempfile::tempdir().unwrap();
    let set = [("images", int(24)), ("size", int(32))];
    let x = images(&objects(&set, SEED, &tmp.path().join("a")), "images");
    let y = images(&objects(&set, SEED + 1, &tmp.path().join("b")), "images");
    let same = (0..x.len()).filter(|&i| x.image(i) == y.image(i)).count();
    assert_eq!(same, 0, "{same} of 24 images equal under another seed");
}

#[test]
fn the_table_columns_and_ids_follow_the_convention() {
    let tmp = tempfile::tempdir().unwrap();
    let out = objects(&[("images", int(12)), ("size", int(32))], SEED, tmp.path());
    let parts = table(&out, "parts");
    let want = [
        ("image_id", DataType::Utf8),
        ("object", DataType::Utf8),
        ("part", DataType::Utf8),
        ("planted", DataType::Boolean),
        ("x", DataType::Float64),
        ("y", DataType::Float64),
        ("mask_pixels", DataType::Int64),
        ("mask_fraction", DataType::Float64),
    ];
    let got: Vec<(String, DataType)> = parts
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let want: Vec<(String, DataType)> = want
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect();
    assert_eq!(got, want);
    let (imgs, masks) = (images(&out, "images"), images(&out, "masks"));
    assert_eq!((imgs.len(), imgs.height, imgs.width), (12, 32, 32));
    assert_eq!(imgs.ids[0], "object0000");
    assert_eq!(imgs.ids, masks.ids, "masks: other ids or order");
    let id = parts.column_by_name("image_id").unwrap().as_string::<i32>();
    assert!((0..12).all(|i| id.value(i) == imgs.ids[i]));
    // The kinds named are the drawn ones.
    let d = drawn(12, 0.5);
    let (object, part) = (
        parts.column_by_name("object").unwrap().as_string::<i32>(),
        parts.column_by_name("part").unwrap().as_string::<i32>(),
    );
    for (i, d) in d.iter().enumerate() {
        assert_eq!(object.value(i), d.object.kind.name());
        assert_eq!(part.value(i), d.part.kind.name());
    }
}

#[test]
fn the_planted_count_matches_part_fraction() {
    let tmp = tempfile::tempdir().unwrap();
    let mut previous: Option<Vec<bool>> = None;
    for (k, f) in [0.0, 0.26, 0.5, 0.9, 1.0].into_iter().enumerate() {
        let out = objects(
            &[
                ("images", int(30)),
                ("size", int(16)),
                ("part_fraction", ParamValue::Float(f)),
                ("sheets", ParamValue::Bool(false)),
            ],
            SEED,
            &tmp.path().join(k.to_string()),
        );
        let planted = planted_column(table(&out, "parts"));
        let want = (f * 30.0_f64).round() as usize;
        assert_eq!(planted.iter().filter(|&&p| p).count(), want, "fraction {f}");
        // A larger fraction plants a superset of a smaller one's objects.
        if let Some(prev) = &previous {
            assert!(
                prev.iter().zip(&planted).all(|(a, b)| !a || *b),
                "fraction {f}"
            );
        }
        previous = Some(planted);
    }
}

#[test]
fn masks_match_the_drawn_part() {
    for size in [32, 64, 128] {
        masks_match_the_drawn_part_at(size);
    }
}

fn masks_match_the_drawn_part_at(size: usize) {
    let n = 120;
    let tmp = tempfile::tempdir().unwrap();
    let out = objects(
        &[("images", int(n as i64)), ("size", int(size as i64))],
        SEED,
        tmp.path(),
    );
    let (imgs, masks) = (images(&out, "images"), images(&out, "masks"));
    let d = drawn(n, 0.5);
    assert_eq!(
        planted_column(table(&out, "parts")),
        d.iter().map(|d| d.planted).collect::<Vec<_>>()
    );
    // Per part kind: mask pixels, those changed by > 0.05, those unchanged but white in both.
    let mut stats = [(0usize, 0usize, 0usize); 3];
    for (i, d) in d.iter().enumerate().filter(|(_, d)| d.planted) {
        let with = imgs.image(i);
        assert_eq!(
            with,
            render_object(&d.object, Some(&d.part), size, 2).as_slice()
        );
        assert_eq!(masks.image(i), part_mask(&d.part, size, 2).as_slice());
        let without = render_object(&d.object, None, size, 2);
        let mask = masks.image(i);
        let near = dilate(mask, size);
        for p in 0..size * size {
            let change = (with[p] - without[p]).abs();
            assert!(
                change <= 0.1 || near[p],
                "{}: pixel ({}, {}) changed by {change} outside the {} mask",
                imgs.ids[i],
                p % size,
                p / size,
                d.part.kind.name()
            );
            if mask[p] > 0.5 {
                let s = &mut stats[d.part.kind as usize];
                s.0 += 1;
                if change > 0.05 {
                    s.1 += 1;
                } else if with[p] >= 0.95 && without[p] >= 0.95 {
                    s.2 += 1;
                }
            }
        }
    }
    println!("{size} × {size}\npart    mask px   changed > 0.05   white on white");
    for kind in PartKind::ALL {
        let (m, c, w) = stats[kind as usize];
        let (fc, fw) = (c as f64 / m as f64, w as f64 / m as f64);
        println!("{:<7} {m:>8} {fc:>16.3} {fw:>16.3}", kind.name());
        assert!(m > 0, "no {} planted", kind.name());
        // The cap and the mouth are dark on lighter things: nearly all their mask changes. The
        // eyes' whites (0.98) on the white background do not; everything else of them does.
        match kind {
            PartKind::Eyes => assert!(fc + fw >= 0.9 && fc >= 0.8, "eyes: {fc:.3} + {fw:.3}"),
            _ => assert!(fc >= 0.9, "{}: {fc:.3}", kind.name()),
        }
    }
}

#[test]
fn unplanted_objects_are_the_object_alone_with_a_placebo_mask() {
    let (n, size) = (40, 48);
    let tmp = tempfile::tempdir().unwrap();
    let out = objects(
        &[("images", int(n as i64)), ("size", int(size as i64))],
        SEED,
        tmp.path(),
    );
    let (imgs, masks) = (images(&out, "images"), images(&out, "masks"));
    let d = drawn(n, 0.5);
    let mut seen = 0;
    for (i, d) in d.iter().enumerate().filter(|(_, d)| !d.planted) {
        seen += 1;
        assert_eq!(
            imgs.image(i),
            render_object(&d.object, None, size, 2).as_slice()
        );
        assert_eq!(masks.image(i), part_mask(&d.part, size, 2).as_slice());
        assert!(
            masks.image(i).contains(&1.0),
            "{}: empty placebo mask",
            imgs.ids[i]
        );
    }
    assert_eq!(seen, n / 2);
}

#[test]
fn every_mask_is_non_empty_and_inside_the_image() {
    let (n, size) = (100, 64);
    let tmp = tempfile::tempdir().unwrap();
    let out = objects(
        &[
            ("images", int(n as i64)),
            ("part_fraction", ParamValue::Float(0.3)),
        ],
        SEED,
        tmp.path(),
    );
    let masks = images(&out, "masks");
    let parts = table(&out, "parts");
    let count = parts
        .column_by_name("mask_pixels")
        .unwrap()
        .as_primitive::<Int64Type>();
    let frac = parts
        .column_by_name("mask_fraction")
        .unwrap()
        .as_primitive::<Float64Type>();
    let x = parts
        .column_by_name("x")
        .unwrap()
        .as_primitive::<Float64Type>();
    let y = parts
        .column_by_name("y")
        .unwrap()
        .as_primitive::<Float64Type>();
    for i in 0..n {
        let m = masks.image(i);
        assert!(m.iter().all(|&v| v == 0.0 || v == 1.0));
        let k = m.iter().filter(|&&v| v == 1.0).count();
        assert!(k > 0, "{}: empty mask", masks.ids[i]);
        assert_eq!(count.value(i), k as i64);
        assert_eq!(frac.value(i), k as f64 / (size * size) as f64);
        // Nothing on the image's border rows and columns.
        for t in 0..size {
            for p in [t, (size - 1) * size + t, t * size, t * size + size - 1] {
                assert_eq!(m[p], 0.0, "{}: mask on the border", masks.ids[i]);
            }
        }
        // The centre is inside the image and the mask's bounding box around it.
        let (cx, cy) = (x.value(i), y.value(i));
        assert!(cx > 0.0 && cx < size as f64 && cy > 0.0 && cy < size as f64);
        let cols: Vec<usize> = (0..size * size)
            .filter(|&p| m[p] == 1.0)
            .map(|p| p % size)
            .collect();
        let rows: Vec<usize> = (0..size * size)
            .filter(|&p| m[p] == 1.0)
            .map(|p| p / size)
            .collect();
        let (c0, c1) = (
            *cols.iter().min().unwrap() as f64,
            *cols.iter().max().unwrap() as f64 + 1.0,
        );
        let (r0, r1) = (
            *rows.iter().min().unwrap() as f64,
            *rows.iter().max().unwrap() as f64 + 1.0,
        );
        assert!((c0 - 1.0..=c1 + 1.0).contains(&cx) && (r0 - 1.0..=r1 + 1.0).contains(&cy));
        assert!(
            (cx - 0.5 * (c0 + c1)).abs() <= 1.5 && (cy - 0.5 * (r0 + r1)).abs() <= 1.5,
            "{}: centre ({cx}, {cy}) off the mask's box",
            masks.ids[i]
        );
    }
}

#[test]
fn pixels_are_in_the_unit_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let out = objects(
        &[
            ("images", int(40)),
            ("size", int(24)),
            ("supersample", int(3)),
        ],
        SEED,
        tmp.path(),
    );
    let imgs = images(&out, "images");
    assert!(imgs.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
    // The smallest size is drawn too.
    let tiny = objects(
        &[
            ("images", int(40)),
            ("size", int(8)),
            ("supersample", int(1)),
        ],
        SEED,
        &tmp.path().join("tiny"),
    );
    for port in ["images", "masks"] {
        assert!(
            images(&tiny, port)
                .pixels
                .iter()
                .all(|v| (0.0..=1.0).contains(v)),
            "{port}"
        );
    }
    // Objects are drawn: no image is blank.
    for i in 0..imgs.len() {
        assert!(
            imgs.image(i).iter().any(|&v| v < 0.8),
            "{} is blank",
            imgs.ids[i]
        );
    }
}

#[test]
fn bad_params_are_refused_naming_the_param() {
    let tmp = tempfile::tempdir().unwrap();
    let refuse = |set: &[(&str, ParamValue)]| {
        run(&SyntheticObjects, set, SEED, Inputs::default(), tmp.path()).unwrap_err()
    };
    let e = refuse(&[("parts", text("nose"))]);
    assert!(
        e.contains("parts") && e.contains("unknown name `nose`"),
        "{e}"
    );
    let e = refuse(&[("parts", text("cap,eys"))]);
    assert!(
        e.contains("parts") && e.contains("did you mean `eyes`?"),
        "{e}"
    );
    let e = refuse(&[("kinds", text("cup,lmap"))]);
    assert!(
        e.contains("kinds") && e.contains("did you mean `lamp`?"),
        "{e}"
    );
    for (param, set) in [
        ("parts", vec![("parts", text(" , "))]),
        ("parts", vec![("parts", text("cap,cap"))]),
        ("kinds", vec![("kinds", text(""))]),
        (
            "part_fraction",
            vec![("part_fraction", ParamValue::Float(1.5))],
        ),
        ("images", vec![("images", int(0))]),
        ("size", vec![("size", int(4))]),
        ("supersample", vec![("supersample", int(9))]),
    ] {
        let e = refuse(&set);
        assert!(e.contains(param), "{set:?}: {e}");
    }
}

#[test]
fn the_sheets_are_pngs() {
    let tmp = tempfile::tempdir().unwrap();
    objects(&[("images", int(10)), ("size", int(32))], SEED, tmp.path());
    for sheet in ["contact-sheet.png", "masks.png"] {
        let bytes = std::fs::read(tmp.path().join("ports/sheets").join(sheet)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{sheet} is no PNG");
    }
}
