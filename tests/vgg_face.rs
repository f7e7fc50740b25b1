//! `vgg-face` in a pipeline (issue 17): without its weights, or with weights that do not fit,
//! the pipeline fails when it is planned — with where to get the weights, or the tensor that is
//! wrong — and nothing runs; with weights, it feeds `pca` like any units table.

mod common;
use common::Project;

const PIPELINE: &str = r#"
[stages.faces]
kind = "synthetic-faces"
images = 6
size = 32
factors = "quick"
sheets = false

[stages.vgg]
kind = "vgg-face"
images = "faces.images"
weights = "WEIGHTS"
input_size = 64

[stages.vgg_pca]
kind = "pca"
data = "vgg.units"
max_components = 3
"#;

fn fixture_weights() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/tests/data/vgg/tiny.safetensors")
}

/// `flow run` on the pipeline with `weights`; asserts the plan failed (exit 2) before anything
/// ran and returns stderr.
fn refused(weights: &str) -> String {
    let p = Project::new();
    p.write("vgg.toml", &PIPELINE.replace("WEIGHTS", weights));
    let ran = p.flow(&["run", "vgg.toml"]);
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    assert!(p.objects().is_empty(), "nothing may run: {:?}", p.objects());
    ran.stderr
}

#[test]
fn a_pipeline_without_the_weights_fails_at_plan_time_saying_where_to_get_them() {
    let e = refused("vgg_face.safetensors");
    for part in [
        "parameter `weights`: no file",
        "vgg.toml:",
        "not shipped with flow",
        "VGG-Face weights",
        "scripts/vgg_face_weights.py",
    ] {
        assert!(e.contains(part), "missing {part:?} in:\n{e}");
    }
}

#[test]
fn weights_that_do_not_fit_the_input_size_fail_at_plan_time_naming_the_tensor() {
    let weights = fixture_weights();
    let p = Project::new();
    let text = PIPELINE
        .replace("WEIGHTS", &weights.to_string_lossy())
        .replace("input_size = 64", "input_size = 224");
    p.write("vgg.toml", &text);
    let ran = p.flow(&["run", "vgg.toml"]);
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    assert!(p.objects().is_empty());
    assert!(
        ran.stderr.contains("tensor `fc6.weight`") && ran.stderr.contains("input size 224"),
        "{}",
        ran.stderr
    );
}

#[test]
fn with_weights_its_units_feed_pca() {
    let p = Project::new();
    let weights = fixture_weights();
    p.write(
        "vgg.toml",
        &PIPELINE.replace("WEIGHTS", &weights.to_string_lossy()),
    );
    p.run_ok("vgg.toml", &[]);
    let shown = p.flow(&["show", "vgg_pca", "-p", "vgg.toml"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("\"n_features\": 12"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("\"n_samples\": 6"),
        "{}",
        shown.stdout
    );
}
