//! The paper end to end at smoke size: `pipelines/smoke.toml` (paper.toml's whole DAG with tiny
//! faces, neurons and steps) runs through the real binary, publishes its report, and the report
//! holds every figure and every claim, with each number equal to the `stats` row it comes from.
//! The page is opened in a real headless Chromium (Debian's; scripts/chromium.sh installs it).

mod common;
use common::Project;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// One smoke run shared by the tests of this file: (project, results dir, run's stderr).
fn smoke() -> &'static (Project, PathBuf, String) {
    static RUN: OnceLock<(Project, PathBuf, String)> = OnceLock::new();
    RUN.get_or_init(|| {
        let p = Project::new();
        let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/smoke.toml");
        let (cache, results) = (p.path("cache"), p.path("results"));
        let ran = p.flow(&[
            "run",
            pipeline.to_str().unwrap(),
            "--cache",
            cache.to_str().unwrap(),
            "--results",
            results.to_str().unwrap(),
        ]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        (p, results, ran.stderr)
    })
}

fn page() -> String {
    std::fs::read_to_string(smoke().1.join("report.html")).expect("report.html")
}

/// A node's table output as JSON rows (`flow export … --to x.json`).
fn export_rows(node: &str, port: &str) -> Vec<Value> {
    let (p, _, _) = smoke();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/smoke.toml");
    let out = p.path(&format!(
        "{}.{port}.json",
        node.replace(['[', ']', '=', ','], "_")
    ));
    let ran = p.flow(&[
        "export",
        node,
        "--port",
        port,
        "--pipeline",
        pipeline.to_str().unwrap(),
        "--cache",
        p.path("cache").to_str().unwrap(),
        "--to",
        out.to_str().unwrap(),
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(rows)) => rows,
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    }
}

const WORLDS: [&str; 3] = ["single-factor", "mixed", "axis"];

#[test]
fn the_smoke_pipeline_publishes_its_report_and_says_where() {
    let (_, results, stderr) = smoke();
    for file in ["report.html", "claims.csv"] {
        let path = results.join(file);
        assert!(path.is_file(), "{} missing", path.display());
        assert!(
            stderr.contains(&format!("flow: published {}", path.display())),
            "{stderr}"
        );
    }
    // Written atomically: no temporary file is left beside them.
    let leftovers: Vec<_> = std::fs::read_dir(results)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_report_shows_shared_feature_maps_and_their_check_in_every_world() {
    let html = page();
    for w in WORLDS {
        let section = format!("id=\"shared-features-{w}\"");
        let at = html
            .find(&section)
            .unwrap_or_else(|| panic!("{section} missing"));
        let rest = &html[at..];
        let end = rest[1..].find("<section").map_or(rest.len(), |e| e + 1);
        let body = &rest[..end];
        assert!(
            body.contains("alt=\"shared-feature maps (shared[code=")
                && body.contains("src=\"data:image/png;base64,iVBORw0KGgo"),
            "no sheet in {w}"
        );
        let table = format!("id=\"saliency-check-{w}\"");
        assert!(body.contains(&table), "{table} missing");
        // Three groups at most × three methods; every method appears.
        for method in ["<td>shared</td>", "<td>gradient</td>", "<td>random</td>"] {
            assert!(body.contains(method), "{method} missing in {w}");
        }
    }
}

#[test]
fn the_report_has_every_figure_in_every_world() {
    let html = page();
    for w in WORLDS {
        for fig in [
            "fig-3b", "fig-3c", "fig-3d", "fig-3e", "fig-4a", "fig-4b", "fig-5b", "fig-5c",
            "fig-6b",
        ] {
            let id = format!("id=\"{fig}-{w}\"");
            let at = html.find(&id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(
                html[at..]
                    .trim_start_matches(|c| c != '>')
                    .starts_with("><svg"),
                "{id} holds no SVG"
            );
        }
        // Fig. 6c: the β-VAE's, the AE's and the VAE's reconstructions, embedded.
        for class in ["β-VAE", "AE", "VAE"] {
            let caption = format!("alt=\"Fig. 6c — {class} (decode_");
            assert!(html.contains(&caption), "{caption} missing in {w}");
        }
    }
    // Fig. 1c: traversal sheets, embedded as PNG data.
    let traversals = html.matches("data-figure=\"fig-1c\"><img").count();
    assert!(traversals >= 1, "no traversal sheet");
    assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo"));
    // Self-contained: no script, no stylesheet link, no address but the SVG namespace.
    assert!(!html.contains("<script") && !html.contains("<link"));
    let addresses = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(addresses, html.matches("http://www.w3.org/").count());
}

#[test]
fn every_claim_has_a_row_in_the_page_for_every_world() {
    let html = page();
    let claims = export_rows("report", "claims");
    let ids: Vec<&str> = claims
        .iter()
        .map(|r| r["claim"].as_str().unwrap())
        .collect();
    for must in [
        "ceiling",
        "mixture-drop:reference",
        "mixture-drop:subsets",
        "beta-udr",
        "udr-alignment:across",
        "udr-alignment:within",
        "alignment:ae",
        "alignment:vae",
        "alignment:classifier",
        "alignment:pca",
        "alignment:ica",
        "alignment:aam",
        "avg_corr_ratio:ae",
        "unit_proportion:ae",
        "mean_cosine_distance:ae",
    ] {
        assert!(ids.contains(&must), "claim {must} missing: {ids:?}");
    }
    for id in &ids {
        let row = html
            .split("<tr data-claim=\"")
            .find(|r| r.starts_with(&format!("{id}\"")))
            .unwrap_or_else(|| panic!("no row for claim {id}"));
        for w in WORLDS {
            assert!(
                row.contains(&format!("data-world=\"{w}\"")),
                "claim {id} has no cell for {w}"
            );
        }
    }
    assert_eq!(claims.len(), ids.len());
    assert_eq!(
        claims.len() % WORLDS.len(),
        0,
        "one row per claim and world"
    );
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn every_number_of_the_claims_table_is_a_number_of_its_stats_table() {
    let html = page();
    let claims = export_rows("report", "claims");
    let mut compared = 0;
    for w in WORLDS {
        let stats = export_rows(&format!("stats[code={w}]"), "result");
        for c in claims.iter().filter(|c| c["world"] == w) {
            let (a, b) = (
                c["class_a"].as_str().unwrap(),
                c["class_b"].as_str().unwrap(),
            );
            let found = stats.iter().find(|s| {
                s["test"] == c["test"]
                    && s["metric"] == c["metric"]
                    && ((s["class_a"] == a && s["class_b"] == b)
                        || (s["class_a"] == b && s["class_b"] == a))
            });
            let Some(s) = found else {
                assert!(
                    c["p"].is_null() && c["n_a"].is_null(),
                    "{c} has numbers but no stats row"
                );
                continue;
            };
            let swapped = s["class_a"] == b;
            let (sa, sb) = if swapped { ("b", "a") } else { ("a", "b") };
            assert_eq!(c["n_a"], s[format!("n_{sa}")], "{c}");
            assert_eq!(c["n_b"], s[format!("n_{sb}")], "{c}");
            assert_eq!(num(&c["mean_a"]), num(&s[format!("mean_{sa}")]), "{c}");
            assert_eq!(num(&c["mean_b"]), num(&s[format!("mean_{sb}")]), "{c}");
            assert_eq!(num(&c["p"]), num(&s["p"]), "{c}");
            let t = num(&s["statistic"]);
            let flips = swapped && s["test"] == "welch";
            assert_eq!(
                num(&c["statistic"]),
                t.map(|t| if flips { -t } else { t }),
                "{c}"
            );
            // The page shows the same p, to the last digit, in the claim's row.
            if let Some(p) = num(&c["p"]) {
                let id = c["claim"].as_str().unwrap();
                let row = html
                    .split("<tr data-claim=\"")
                    .find(|r| r.starts_with(&format!("{id}\"")))
                    .unwrap();
                let cell = format!("data-world=\"{w}\" data-p=\"");
                let at = row
                    .find(&cell)
                    .unwrap_or_else(|| panic!("{id}: no p for {w}"));
                let shown: f64 = row[at + cell.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert_eq!(shown, p, "{id} in {w}");
                compared += 1;
            }
        }
    }
    assert!(
        compared >= 10,
        "only {compared} claims had a p-value to compare"
    );
}

#[test]
fn the_published_report_names_its_pipeline_and_the_cache_keys_it_was_built_from() {
    let html = page();
    assert!(html.contains(&format!("flow {}", env!("CARGO_PKG_VERSION"))));
    assert!(html.contains("source digest <code>"));
    let (p, _, _) = smoke();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/smoke.toml");
    let plan = p.plan_json(
        pipeline.to_str().unwrap(),
        &["--cache", p.path("cache").to_str().unwrap()],
    );
    let mut named = 0;
    for row in &plan {
        let node = row["name"].as_str().unwrap();
        if node == "report" || node.starts_with("stats[") {
            let key = row["key"].as_str().expect("computed");
            assert!(html.contains(key), "{node}'s key {key} is not in the page");
            named += 1;
        }
    }
    assert_eq!(named, 4, "the report and its 3 stats nodes");
    assert!(!html.contains("<!-- flow:provenance -->"));
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/chromium.sh");
    let install = std::process::Command::new("bash")
        .arg(&script)
        .arg("install")
        .output()
        .expect("bash");
    if !install.status.success() {
        let why = String::from_utf8_lossy(&install.stderr);
        if std::env::var_os("CI").is_some() {
            panic!("Chromium must install in CI: {why}");
        }
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the Chromium test: {}; CI runs it",
            why.lines().next().unwrap_or("")
        );
        return;
    }
    let (p, results, _) = smoke();
    let page = results.join("report.html");
    let png = p.path("report.png");
    let shot = std::process::Command::new("bash")
        .arg(&script)
        .args(["screenshot", page.to_str().unwrap(), png.to_str().unwrap()])
        .output()
        .expect("bash");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let image = image::open(&png).expect("a PNG").to_rgb8();
    let pixels = image.pixels().count();
    let inked = image
        .pixels()
        .filter(|px| px.0.iter().any(|&c| c < 200))
        .count();
    let coloured = image
        .pixels()
        .filter(|px| px.0.iter().max().unwrap() - px.0.iter().min().unwrap() > 20)
        .count();
    assert!(
        inked * 100 > pixels,
        "the screenshot is blank: {inked} of {pixels} pixels inked"
    );
    assert!(
        coloured > 0,
        "no colour at all: the holds/does-not-hold cells are coloured"
    );
    let console = std::process::Command::new("bash")
        .arg(&script)
        .args(["console", page.to_str().unwrap()])
        .output()
        .expect("bash");
    let messages = String::from_utf8_lossy(&console.stdout);
    assert!(messages.trim().is_empty(), "console messages: {messages}");
}
