//! `pipelines/own-data.toml`, the template for a lab's own data, runs end to end on small files
//! this test writes: a folder of PNG faces, a responses CSV keyed by image id, landmarks and a
//! network's activations. The report is published for the one world there is: the recordings.

mod common;
use common::Project;

use std::fmt::Write;
use std::path::Path;

/// A tiny deterministic generator (the test's data need not be random, only varied).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const IMAGES: usize = 40;
const WITH_RESPONSES: usize = 36;
const NEURONS: usize = 12;
const LANDMARKS: usize = 8;
const UNITS: usize = 20;

/// Writes data/ as a lab would have it: images/, responses.csv, landmarks.csv, activations.csv.
fn write_lab_data(p: &Project) {
    let images = p.path("data/images");
    std::fs::create_dir_all(&images).unwrap();
    let mut rng = Lcg(7);
    let mut factors = Vec::new();
    for i in 0..IMAGES {
        // Three factors: where a bright disc is, how big, how bright.
        let f = [rng.next(), rng.next(), rng.next()];
        let (cx, r, b) = (10.0 + 12.0 * f[0], 4.0 + 6.0 * f[1], 0.4 + 0.6 * f[2]);
        let img = image::GrayImage::from_fn(32, 32, |x, y| {
            let d = ((x as f64 - cx).powi(2) + (y as f64 - 16.0).powi(2)).sqrt();
            let v = if d < r {
                b
            } else {
                0.15 + 0.1 * (y as f64 / 32.0)
            };
            image::Luma([(v * 255.0) as u8])
        });
        img.save(images.join(format!("img{i:02}.png"))).unwrap();
        factors.push((f, cx, r));
    }
    let mut responses = String::from("image_id");
    for j in 0..NEURONS {
        let _ = write!(responses, ",n{j:02}");
    }
    responses.push('\n');
    for (i, (f, _, _)) in factors.iter().enumerate().take(WITH_RESPONSES) {
        let _ = write!(responses, "img{i:02}");
        for j in 0..NEURONS {
            let rate = 2.0 + 10.0 * f[j % 3] + rng.next();
            let _ = write!(responses, ",{rate:.4}");
        }
        responses.push('\n');
    }
    std::fs::write(p.path("data/responses.csv"), responses).unwrap();
    let mut landmarks = String::from("image_id");
    for k in 0..LANDMARKS {
        let _ = write!(landmarks, ",x{k:02},y{k:02}");
    }
    landmarks.push('\n');
    for (i, (_, cx, r)) in factors.iter().enumerate() {
        let _ = write!(landmarks, "img{i:02}");
        for k in 0..LANDMARKS {
            let a = k as f64 / LANDMARKS as f64 * std::f64::consts::TAU;
            let _ = write!(
                landmarks,
                ",{:.3},{:.3}",
                cx + r * a.cos(),
                16.0 + r * a.sin()
            );
        }
        landmarks.push('\n');
    }
    std::fs::write(p.path("data/landmarks.csv"), landmarks).unwrap();
    let mut activations = String::from("image_id");
    for u in 0..UNITS {
        let _ = write!(activations, ",u{u:02}");
    }
    activations.push('\n');
    let weights: Vec<[f64; 3]> = (0..UNITS)
        .map(|_| [rng.next() - 0.5, rng.next() - 0.5, rng.next() - 0.5])
        .collect();
    for (i, (f, _, _)) in factors.iter().enumerate() {
        let _ = write!(activations, "img{i:02}");
        for w in &weights {
            let a = w[0] * f[0] + w[1] * f[1] + w[2] * f[2] + 0.05 * rng.next();
            let _ = write!(activations, ",{a:.5}");
        }
        activations.push('\n');
    }
    std::fs::write(p.path("data/activations.csv"), activations).unwrap();
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
    write_lab_data(&p);
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
    let mut responses = std::fs::read_to_string(p.path("data/responses.csv")).unwrap();
    responses.push_str(&format!("imgXX{}\n", ",1.0".repeat(NEURONS)));
    std::fs::write(p.path("data/responses.csv"), responses).unwrap();
    let ran = p.flow(&["run", "small.toml"]);
    assert_ne!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("imgXX"), "{}", ran.stderr);
}
