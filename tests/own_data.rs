//! `pipelines/own-data.toml`, the template for a lab's own data, runs end to end on the small
//! example it ships with (`pipelines/own-data/`, written by scripts/own_data_example.py): a
//! folder of PNG faces, a responses CSV keyed by image id, landmarks and a network's
//! activations, copied into the test's own directory. The report is published for the one world
//! there is: the recordings.

mod common;
use common::Project;

use std::path::Path;

/// Neurons in the shipped example's responses.csv.
const NEURONS: usize = 12;

/// Copies `dir` (recursively) to `to`.
fn copy_dir(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn project_with_template() -> Project {
    let p = Project::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("pipelines/own-data.toml"),
        p.path("own-data.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/data/own-data/small.toml"),
        p.path("small.toml"),
    )
    .unwrap();
    copy_dir(&root.join("pipelines/own-data"), &p.path("own-data"));
    p
}

#[test]
fn the_own_data_template_runs_the_paper_on_a_labs_files_and_publishes_the_report() {
    let p = project_with_template();
    let ran = p.run_ok("small.toml", &[]);
    let page = p.path("results/own-data-small/report.html");
    assert!(
        ran.stderr
            .contains(&format!("flow: published {}", page.display())),
        "{}",
        ran.stderr
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // One world, the recordings; the network's activations are a class of their own.
    assert!(
        html.contains("id=\"fig-4a-recorded\""),
        "no Fig. 4a for the recordings"
    );
    assert!(
        html.contains("align_net"),
        "the activations' class is missing"
    );
    let claims = std::fs::read_to_string(p.path("results/own-data-small/claims.csv")).unwrap();
    let rows: Vec<&str> = claims.lines().skip(1).collect();
    assert!(
        rows.iter().any(|r| r.starts_with("alignment:net,")),
        "{claims}"
    );
    assert!(rows.iter().all(|r| r.contains(",recorded,")), "{claims}");
    let stats = std::fs::read_to_string(p.path("results/own-data-small/stats.csv")).unwrap();
    assert!(stats.starts_with("test,metric,class_a,class_b"), "{stats}");
}

#[test]
fn a_response_for_an_image_that_is_not_in_the_folder_stops_the_run_naming_the_image() {
    let p = project_with_template();
    let mut responses = std::fs::read_to_string(p.path("own-data/responses.csv")).unwrap();
    responses.push_str(&format!("imgXX{}\n", ",1.0".repeat(NEURONS)));
    std::fs::write(p.path("own-data/responses.csv"), responses).unwrap();
    let ran = p.flow(&["run", "small.toml"]);
    assert_ne!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("imgXX"), "{}", ran.stderr);
}
