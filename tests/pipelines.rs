//! The pipeline files in `pipelines/` are examples users copy: each one must plan with the
//! current grammar and catalog, so an example can never drift from what flow accepts. A file
//! that needs a file flow cannot ship (VGG-Face's weights) is planned with a stand-in: the tiny
//! network of the vgg-face tests.

mod common;
use common::Project;

#[test]
fn every_pipeline_file_in_the_repository_plans() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("pipelines/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "found {files:?}");
    let p = Project::new();
    let cache = p.path("cache");
    let weights = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stages/tests/data/vgg/tiny.safetensors");
    let stand_in = [
        format!("vgg.weights=\"{}\"", weights.display()),
        "vgg.input_size=64".to_string(),
    ];
    for file in &files {
        let mut args = vec![
            "plan",
            file.to_str().unwrap(),
            "--cache",
            cache.to_str().unwrap(),
        ];
        let text = std::fs::read_to_string(file).unwrap();
        if text.contains("kind = \"vgg-face\"") {
            for set in &stand_in {
                args.extend(["--set", set.as_str()]);
            }
        }
        let ran = p.flow(&args);
        assert_eq!(ran.code, 0, "{}:\n{}", file.display(), ran.stderr);
        assert!(
            ran.stdout.contains(" nodes, "),
            "{}:\n{}",
            file.display(),
            ran.stdout
        );
    }
    assert!(!cache.exists(), "`flow plan` must not create the cache");
}
