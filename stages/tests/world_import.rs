//! The virtual face patch (issue 4), the checked import of real data: `image-folder` and
//! `import-image-data`, every bad input with its own message, and image tables checked when
//! read.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::RecordBatch;
use common::world::*;
use flow_engine::artifact::InputArtifact;
use flow_engine::{Artifact, Inputs, ParamValue};
use flow_stages::images::ImageSet;
use flow_stages::table::f64_column;
use flow_stages::table::require_image_ids as image_ids;
use flow_stages::world::image_folder::ImageFolder;
use flow_stages::world::import_image_data::ImportImageData;
use npyz::WriterBuilder;

fn write_png(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb(f(x, y));
    }
    img.save(path).unwrap();
}

fn folder(dir: &Path) -> Inputs {
    let mut map = BTreeMap::new();
    map.insert(
        "files".to_string(),
        vec![InputArtifact {
            node: "photos".into(),
            coords: vec![],
            artifact: Artifact::Files(dir.to_path_buf()),
        }],
    );
    Inputs { ports: map }
}

#[test]
fn image_folder_reads_grayscale_centred_resized_images() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("faces");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    // 40 × 20: a black left half and a white right half; red, to check the luma weights.
    write_png(&dir.join("b.png"), 40, 20, |x, _| {
        if x < 20 { [0, 0, 0] } else { [255, 255, 255] }
    });
    write_png(&dir.join("sub/a.png"), 10, 10, |_, _| [255, 0, 0]);
    let mut jpeg = image::RgbImage::new(16, 16);
    jpeg.pixels_mut()
        .for_each(|p| *p = image::Rgb([128, 128, 128]));
    jpeg.save(dir.join("c.JPG")).unwrap();
    std::fs::write(dir.join(".DS_Store"), b"junk").unwrap();
    let out = run(
        &ImageFolder,
        &[("size", int(8))],
        0,
        folder(&dir),
        tmp.path(),
    )
    .unwrap();
    let set = ImageSet::from_table(table(&out, "images"), "images").unwrap();
    assert_eq!(set.ids, vec!["a", "b", "c"]);
    assert!(
        set.image(0).iter().all(|&v| (v - 0.2126).abs() < 0.01),
        "{:?}",
        set.image(0)
    );
    // b: centre crop of a 40 × 20 image = columns 10..30: left half black, right half white.
    let b = set.image(1);
    assert!(b[8 * 2] < 0.05 && b[8 * 2 + 7] > 0.95, "{b:?}");
    assert!(set.image(2).iter().all(|&v| (v - 0.5).abs() < 0.03));
    // pad instead: the padding is the background.
    let out = run(
        &ImageFolder,
        &[("size", int(8)), ("fit", text("pad"))],
        0,
        folder(&dir),
        tmp.path(),
    )
    .unwrap();
    let set = ImageSet::from_table(table(&out, "images"), "images").unwrap();
    assert!(set.image(1)[0] > 0.99);
}

#[test]
fn image_folder_names_every_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    let case = |name: &str, setup: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        setup(&dir);
        run(&ImageFolder, &[], 0, folder(&dir), tmp.path()).unwrap_err()
    };
    let ok = |d: &Path, n: &str| write_png(&d.join(n), 4, 4, |_, _| [9, 9, 9]);
    let e = case("unreadable", &|d| {
        ok(d, "a.png");
        std::fs::write(d.join("broken.png"), b"\x89PNG\r\n\x1a\n not really").unwrap();
    });
    assert!(
        e.contains("input `files`: broken.png (from photos): not a readable PNG or JPEG image"),
        "{e}"
    );
    let e = case("duplicate", &|d| {
        ok(d, "x.png");
        std::fs::create_dir_all(d.join("more")).unwrap();
        ok(d, "more/x.png");
    });
    assert!(
        e.contains(
            "two files have the image id `x`: more/x.png (from photos) and x.png (from photos)"
        ),
        "{e}"
    );
    let e = case("other", &|d| {
        ok(d, "a.png");
        std::fs::write(d.join("notes.txt"), b"hello").unwrap();
    });
    assert!(
        e.contains("notes.txt (from photos): not a PNG or JPEG file"),
        "{e}"
    );
    let e = case("empty", &|_| {});
    assert!(e.contains("holds no PNG or JPEG file"), "{e}");
}

fn import(
    file: &Path,
    set: &[(&str, ParamValue)],
    images: Option<&ImageSet>,
    dir: &Path,
) -> Result<RecordBatch, String> {
    let mut all = vec![("path", text(&file.display().to_string()))];
    all.extend(set.iter().cloned());
    let ins = match images {
        Some(i) => inputs(vec![("images", Artifact::Table(i.to_table().unwrap()))]),
        None => Inputs::default(),
    };
    run(&ImportImageData, &all, 0, ins, dir).map(|o| table(&o, "table").clone())
}

#[test]
fn import_checks_ids_values_and_shapes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let images = ImageSet::new(
        vec!["007".into(), "008".into(), "009".into()],
        1,
        1,
        vec![0.5; 3],
    );
    let csv = |name: &str, text: &str| {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let name = |p: &Path| p.display().to_string();

    // Good: ids keep their zeros, rows follow the images' order, a subset is fine for responses.
    let good = csv("good.csv", "image_id,n000,n001\n008,1.5,2\n007,0.5,3\n");
    let t = import(&good, &[], Some(&images), d).unwrap();
    assert_eq!(image_ids(&t, "t").unwrap(), vec!["007", "008"]);
    assert_eq!(f64_column(&t, "n001", "t").unwrap(), vec![3.0, 2.0]);
    // …but not for activations (every image needs a row).
    let e = import(&good, &[("what", text("activations"))], Some(&images), d).unwrap_err();
    assert!(
        e.contains(&format!(
            "{}: has no row for 1 of the 3 images (from images-source), e.g. `009`",
            name(&good)
        )),
        "{e}"
    );

    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, ParamValue)>, String);
    let cases: Vec<Case> = vec![
        (
            "noid.csv",
            "id,n000\n007,1\n",
            vec![],
            "has no image-id column `image_id` (columns: id, n000)".into(),
        ),
        (
            "missing.csv",
            "image_id,n000\n007,1\n,2\n",
            vec![],
            "data row 2 has no image id".into(),
        ),
        (
            "dup.csv",
            "image_id,n000\n007,1\n008,2\n007,3\n",
            vec![],
            "image id `007` appears twice (data rows 1 and 3)".into(),
        ),
        (
            "nomatch.csv",
            "image_id,n000\n007,1\n0010,2\n",
            vec![],
            "data row 2: image id `0010` matches no image of the 3 images (from images-source)"
                .into(),
        ),
        (
            "nan.csv",
            "image_id,n000,n001\n007,1,2\n008,NaN,3\n",
            vec![],
            "column `n000` has a non-finite value (NaN) at data row 2 (image `008`)".into(),
        ),
        (
            "inf.csv",
            "image_id,n000\n007,1\n008,inf\n",
            vec![],
            "column `n000` has a non-finite value (inf) at data row 2 (image `008`)".into(),
        ),
        (
            "hole.csv",
            "image_id,n000,n001\n007,1,2\n008,,3\n",
            vec![],
            "column `n000` is empty at data row 2 (image `008`)".into(),
        ),
        (
            "text.csv",
            "image_id,n000\n007,high\n",
            vec![],
            "column `n000` is not numeric".into(),
        ),
        (
            "cols.csv",
            "image_id,n000\n007,1\n",
            vec![("columns", int(159))],
            "has 1 value columns, expected 159 (`columns`)".into(),
        ),
        (
            "odd.csv",
            "image_id,a,b,c\n007,1,2,3\n008,1,2,3\n009,1,2,3\n",
            vec![("what", text("landmarks"))],
            "landmarks need x, y pairs, but there are 3 value columns".into(),
        ),
    ];
    for (file, body, set, expected) in cases {
        let p = csv(file, body);
        let e = import(&p, &set, Some(&images), d).unwrap_err();
        assert!(
            e.contains(&format!("parameter `path`: {}: {expected}", name(&p))),
            "{file}: {e}"
        );
    }

    // Landmarks: renamed x00, y00, …
    let lm = csv(
        "lm.csv",
        "image_id,ax,ay,bx,by\n007,1,2,3,4\n008,1,2,3,4\n009,1,2,3,4\n",
    );
    let t = import(&lm, &[("what", text("landmarks"))], Some(&images), d).unwrap();
    let names: Vec<String> = t
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, vec!["image_id", "x00", "y00", "x01", "y01"]);

    // NPY: rows align with the images by position; shapes are checked.
    let npy = |name: &str, shape: &[u64], data: &[f64]| {
        let p = d.join(name);
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(shape)
            .writer(std::fs::File::create(&p).unwrap())
            .begin_nd()
            .unwrap();
        w.extend(data.iter().copied()).unwrap();
        w.finish().unwrap();
        p
    };
    let ok = npy("r.npy", &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let t = import(&ok, &[], Some(&images), d).unwrap();
    assert_eq!(image_ids(&t, "t").unwrap(), vec!["007", "008", "009"]);
    assert_eq!(f64_column(&t, "n001", "t").unwrap(), vec![2.0, 4.0, 6.0]);
    let e = import(&ok, &[], None, d).unwrap_err();
    assert!(
        e.contains("an NPY file has no image ids: connect the `images` input"),
        "{e}"
    );
    let short = npy("short.npy", &[2, 2], &[1.0; 4]);
    let e = import(&short, &[], Some(&images), d).unwrap_err();
    assert!(
        e.contains(&format!(
            "{}: has 2 rows but there are 3 images (from images-source)",
            name(&short)
        )),
        "{e}"
    );
    let cube = npy("cube.npy", &[3, 2, 2], &[1.0; 12]);
    let t = import(&cube, &[("what", text("landmarks"))], Some(&images), d).unwrap();
    assert_eq!(t.num_columns(), 5);
    let e = import(&cube, &[("what", text("activations"))], Some(&images), d).unwrap_err();
    assert!(
        e.contains(
            "an NPY array of activations must be 2-D (images × values), found shape [3, 2, 2]"
        ),
        "{e}"
    );
    let bad = npy("bad.npy", &[3, 1], &[1.0, f64::NAN, 2.0]);
    let e = import(&bad, &[], Some(&images), d).unwrap_err();
    assert!(
        e.contains(&format!(
            "{}: non-finite value (NaN) at row 1, column 0",
            name(&bad)
        )),
        "{e}"
    );

    // Parquet/Arrow with integer ids work too.
    let batch = flow_stages::world::tables::table(vec![
        (
            "image_id".into(),
            flow_stages::world::tables::Column::Str(vec!["009".into()]),
        ),
        (
            "u0".into(),
            flow_stages::world::tables::Column::F64(vec![0.25]),
        ),
    ])
    .unwrap();
    let pq = d.join("act.parquet");
    flow_tableio::write_table(&batch, &pq).unwrap();
    let t = import(
        &pq,
        &[("coverage", text("subset")), ("what", text("activations"))],
        Some(&images),
        d,
    )
    .unwrap();
    assert_eq!(image_ids(&t, "t").unwrap(), vec!["009"]);
}

#[test]
fn image_tables_are_checked_when_read() {
    let set = ImageSet::new(
        vec!["a".into(), "b".into()],
        2,
        2,
        vec![0.0, 0.5, 1.0, 0.25, 0.1, 0.2, 0.3, 1.5],
    );
    let e = ImageSet::from_table(&set.to_table().unwrap(), "images")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("input `images`: image `b` (row 1) has pixel value 1.5 at (row 1, column 1)"),
        "{e}"
    );
    // An N × H × W NPY array reads as an image set.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.npy");
    let mut w = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[2, 2, 3])
        .writer(std::fs::File::create(&p).unwrap())
        .begin_nd()
        .unwrap();
    w.extend((0..12).map(|i| i as f32 / 12.0)).unwrap();
    w.finish().unwrap();
    let s = ImageSet::from_npy(&p, None).unwrap();
    assert_eq!(
        (s.len(), s.height, s.width, s.ids[1].as_str()),
        (2, 2, 3, "0001")
    );
    assert!((s.image(1)[0] - 0.5).abs() < 1e-6);
}
