//! The virtual face patch end to end with the real binary: `pipelines/world.toml`, every world
//! stage run alone through `flow stage`, and a bad real-data file reported with its file and row.

mod common;
use common::Project;

fn pipeline_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/world.toml"))
        .expect("pipelines/world.toml")
}

#[test]
fn world_pipeline_runs_in_seconds_and_is_cached() {
    let p = Project::new();
    p.write("world.toml", &pipeline_text());
    let ran = p.run_ok("world.toml", &[]);
    let computed = ran.computed();
    for node in [
        "faces",
        "split",
        "neurons[code=single-factor]",
        "neurons[code=mixed]",
        "summary[code=mixed]",
    ] {
        assert!(
            computed.iter().any(|n| n == node),
            "{node} not computed: {computed:?}\n{}",
            ran.stderr
        );
    }
    let again = p.run_ok("world.toml", &[]);
    assert!(
        again.computed().is_empty(),
        "a second run recomputed {:?}",
        again.computed()
    );

    // The responses cover the 194 monkey images, one column per neuron.
    let ex = p.flow(&[
        "export",
        "neurons[code=single-factor]",
        "--port",
        "responses",
        "--to",
        "responses.csv",
    ]);
    assert_eq!(ex.code, 0, "{}", ex.stderr);
    let csv = std::fs::read_to_string(p.path("responses.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("image_id,n000,n001"), "{header}");
    assert_eq!(header.split(',').count(), 49);
    assert_eq!(csv.lines().count(), 1 + 194);
    // The contact sheet is in the cache next to the tables.
    let sheets = common::object_dir(&p, "world.toml", "faces").join("ports/sheets");
    assert!(sheets.join("contact-sheet.png").is_file() && sheets.join("traversals.png").is_file());
}

#[test]
fn each_world_stage_runs_alone_with_flow_stage() {
    let p = Project::new();
    let ok = |args: &[&str]| {
        let ran = p.flow(args);
        assert_eq!(ran.code, 0, "flow {args:?} failed:\n{}", ran.stderr);
        ran
    };
    ok(&[
        "stage",
        "synthetic-faces",
        "--set",
        "images=24",
        "--set",
        "size=32",
        "--out",
        "faces",
    ]);
    for f in [
        "images.arrow",
        "factors.arrow",
        "landmarks.arrow",
        "sheets/contact-sheet.png",
    ] {
        assert!(p.path("faces").join(f).is_file(), "missing faces/{f}");
    }
    ok(&[
        "stage",
        "split",
        "--in",
        "images=faces/images.arrow",
        "--set",
        "heldout=2",
        "--set",
        "model_only=2",
        "--out",
        "split",
    ]);
    assert!(p.path("split/split.arrow").is_file() && p.path("split/train_images.arrow").is_file());
    ok(&[
        "stage",
        "synthetic-neurons",
        "--in",
        "factors=faces/factors.arrow",
        "--in",
        "split=split/split.arrow",
        "--set",
        "neurons=5",
        "--out",
        "neurons",
    ]);
    let shown = ok(&[
        "stage",
        "synthetic-neurons",
        "--in",
        "factors=faces/factors.arrow",
        "--set",
        "neurons=5",
        "--set",
        "code=axis",
        "--out",
        "axis",
    ]);
    assert!(
        shown.stderr.contains("synthetic-neurons computed"),
        "{}",
        shown.stderr
    );

    // Real data: two PNG files (the sheets just written) as a folder, then responses checked
    // against them.
    ok(&[
        "stage",
        "image-folder",
        "--in",
        "files=faces/sheets/contact-sheet.png",
        "--in",
        "files=faces/sheets/traversals.png",
        "--set",
        "size=16",
        "--out",
        "photos.arrow",
    ]);
    p.write(
        "resp.csv",
        "image_id,n000\ntraversals,3.5\ncontact-sheet,1.0\n",
    );
    let path = format!("path={}", p.path("resp.csv").display());
    ok(&[
        "stage",
        "import-image-data",
        "--in",
        "images=photos.arrow",
        "--set",
        &path,
        "--out",
        "resp.arrow",
    ]);
    let ex = ok(&[
        "stage",
        "describe",
        "--in",
        "table=resp.arrow",
        "--out",
        "resp.json",
    ]);
    drop(ex);
    let json = std::fs::read_to_string(p.path("resp.json")).unwrap();
    assert!(json.contains("\"rows\": 2"), "{json}");
}

#[test]
fn bad_real_data_is_named_by_file_and_row() {
    let p = Project::new();
    let ran = p.flow(&[
        "stage",
        "synthetic-faces",
        "--set",
        "images=2",
        "--set",
        "size=16",
        "--out",
        "faces",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    std::fs::copy(p.path("faces/sheets/contact-sheet.png"), p.path("x.png")).unwrap();
    let ran = p.flow(&[
        "stage",
        "image-folder",
        "--in",
        "files=x.png",
        "--out",
        "photos.arrow",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    p.write("resp.csv", "image_id,n000\nx,NaN\n");
    let path = format!("path={}", p.path("resp.csv").display());
    let ran = p.flow(&[
        "stage",
        "import-image-data",
        "--in",
        "images=photos.arrow",
        "--set",
        &path,
        "--out",
        "r.arrow",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(
            "resp.csv: column `n000` has a non-finite value (NaN) at data row 1 (image `x`)"
        ),
        "{}",
        ran.stderr
    );
    p.write("ids.csv", "image_id,n000\ny,1\n");
    let path = format!("path={}", p.path("ids.csv").display());
    let ran = p.flow(&[
        "stage",
        "import-image-data",
        "--in",
        "images=photos.arrow",
        "--set",
        &path,
        "--out",
        "r.arrow",
    ]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr
            .contains("ids.csv: data row 1: image id `y` matches no image of the 1 images"),
        "{}",
        ran.stderr
    );
    std::fs::write(p.path("broken.png"), b"not an image").unwrap();
    let ran = p.flow(&[
        "stage",
        "image-folder",
        "--in",
        "files=broken.png",
        "--out",
        "b.arrow",
    ]);
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("broken.png"), "{}", ran.stderr);
}
