//! The stage-version table: the output of every node of a pipeline that exercises every kind on
//! fixed inputs (tests/data/stage-versions/pipeline.toml), by content digest, against
//! `expected.tsv`. A kind's version is part of every
//! key, and bumping it is the only way a user's cache learns that the kind's output changed; so a
//! change of output at the same version must fail here, not silently reuse stale results.
//!
//! After a deliberate change: bump the kind's version, then rewrite the table with
//! `FLOW_UPDATE_STAGE_VERSIONS=1 cargo test --test stage_versions` and commit it.

mod common;
use common::Project;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/stage-versions");

/// (kind, version, node, port, content digest) of every node, sorted.
fn observed(p: &Project) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for object in p.objects() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(object.join("manifest.json")).unwrap()).unwrap();
        let kind = manifest["kind"].as_str().unwrap().to_string();
        let node = manifest["node"].as_str().unwrap().to_string();
        let version = manifest["key_parts"]["version"]
            .as_u64()
            .unwrap()
            .to_string();
        for (port, record) in manifest["ports"].as_object().unwrap() {
            let digest = record["content"].as_str().unwrap().to_string();
            rows.push([
                kind.clone(),
                version.clone(),
                node.clone(),
                port.clone(),
                digest,
            ]);
        }
    }
    rows.sort();
    rows
}

fn read_table(path: &std::path::Path) -> Vec<[String; 5]> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "expected.tsv: {l:?}");
            [f[0], f[1], f[2], f[3], f[4]].map(str::to_string)
        })
        .collect()
}

#[test]
fn no_kind_changes_its_output_without_a_version_bump() {
    let p = Project::new();
    for entry in std::fs::read_dir(DATA).unwrap().flatten() {
        let to = p.path(&entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
            }
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    // `vgg-face`'s weights: the tiny network of its own tests (bench/vgg_reference.py).
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/stages/tests/data/vgg/tiny.safetensors"
        ),
        p.path("vgg.safetensors"),
    )
    .unwrap();
    p.run_ok("pipeline.toml", &[]);
    let got = observed(&p);
    let table = std::path::Path::new(DATA).join("expected.tsv");
    if std::env::var_os("FLOW_UPDATE_STAGE_VERSIONS").is_some() {
        let mut text =
            String::from("# kind\tversion\tnode\tport\tcontent digest (tests/stage_versions.rs)\n");
        for row in &got {
            text.push_str(&row.join("\t"));
            text.push('\n');
        }
        std::fs::write(&table, text).unwrap();
        return;
    }
    let expected = read_table(&table);
    let catalog_kinds: Vec<String> = {
        let ran = p.flow(&["kinds"]);
        ran.stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    };
    let mut problems = Vec::new();
    for kind in &catalog_kinds {
        if !got.iter().any(|r| &r[0] == kind) {
            problems.push(format!("kind `{kind}` is not exercised by pipeline.toml"));
        }
    }
    for row in &got {
        let [kind, version, node, port, digest] = row;
        match expected.iter().find(|e| &e[2] == node && &e[3] == port) {
            None => problems.push(format!("{node}.{port} ({kind}): not in expected.tsv")),
            Some(e) if &e[1] != version => problems.push(format!(
                "{kind} is now version {version} (table: {}): rewrite the table",
                e[1]
            )),
            Some(e) if &e[4] != digest => problems.push(format!(
                "{node}.{port} changed its output at {kind} version {version}: \
                 bump the kind's version ({} → {digest})",
                e[4]
            )),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(nodes downstream of a changed kind change too: bump the kind whose code changed; \
         after a deliberate change: FLOW_UPDATE_STAGE_VERSIONS=1 cargo test --test \
         stage_versions)",
        problems.join("\n")
    );
}
