//! The pipeline files in `pipelines/` are examples users copy: each one must plan with the
//! current grammar and catalog, so an example can never drift from what flow accepts.

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
    for file in &files {
        let ran = p.flow(&[
            "plan",
            file.to_str().unwrap(),
            "--cache",
            cache.to_str().unwrap(),
        ]);
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
