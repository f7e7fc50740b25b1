//! Training end to end with the real binary (issue 6): tiny faces (32 × 32), tens of steps.

mod common;
use common::Project;

/// 40 quick-world faces at 32 × 32, the split, and a model trained on the flipped training set.
fn pipeline(model: &str, extra: &str) -> String {
    format!(
        r#"
[pipeline]
name = "train-test"

[stages.faces]
kind = "synthetic-faces"
images = 40
size = 32
factors = "quick"
sheets = false

[stages.split]
kind = "split"
images = "faces.images"
heldout = 2
model_only = 2

[stages.model]
kind = "train"
model = "{model}"
images = "split.train_images"
encode = "faces.images"
latents = 4
steps = 30
batch = 8
lr = 1e-3
{extra}
"#
    )
}

fn result(p: &Project, file: &str, node: &str) -> serde_json::Value {
    let ran = p.flow(&["export", node, "--port", "result", "--to", "result.json"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let _ = file;
    serde_json::from_str(&std::fs::read_to_string(p.path("result.json")).unwrap()).unwrap()
}

fn csv(p: &Project, node: &str, port: &str) -> String {
    let out = format!("{}-{port}.csv", node.replace(['[', ']', '=', ','], "_"));
    let ran = p.flow(&["export", node, "--port", port, "--to", &out]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    std::fs::read_to_string(p.path(&out)).unwrap()
}

#[test]
fn a_beta_vae_trains_encodes_every_face_and_is_cached() {
    let p = Project::new();
    let text = pipeline("beta-vae", "beta = 4.0")
        + r#"
[stages.sheet]
kind = "traversals"
weights = "model.weights"
images = "faces.images"
kl_threshold = 0.0
columns = 5
"#;
    p.write("t.toml", &text);
    let ran = p.run_ok("t.toml", &[]);
    assert!(
        ran.computed().contains(&"model".to_string()),
        "{}",
        ran.stderr
    );

    let latents = csv(&p, "model", "latents");
    let header = latents.lines().next().unwrap();
    assert_eq!(header, "image_id,z00,z01,z02,z03");
    assert_eq!(
        latents.lines().count(),
        1 + 40,
        "every face, not only the training set"
    );
    let kl = csv(&p, "model", "kl");
    assert_eq!(kl.lines().next().unwrap(), "kl,variance");
    assert_eq!(kl.lines().count(), 1 + 4);
    let curve = csv(&p, "model", "curve");
    assert_eq!(curve.lines().count(), 1 + 30);
    let losses: Vec<f64> = curve
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let first = losses[..5].iter().sum::<f64>();
    let last = losses[25..].iter().sum::<f64>();
    assert!(last < first, "the loss falls: {first} → {last}");

    let r = result(&p, "t.toml", "model");
    assert_eq!(r["model"], "beta-vae");
    assert_eq!(r["steps_trained"], 30);
    assert_eq!(r["training_images"], 38);
    assert!(r["elbo"].as_f64().unwrap() < 0.0);
    assert!(r["reconstruction_error"].as_f64().unwrap() > 0.0);
    assert_eq!(r["kl_per_latent"].as_array().unwrap().len(), 4);
    assert!(r["accuracy"].is_null());

    let weights = common::object_dir(&p, "t.toml", "model").join("ports/weights");
    assert!(weights.join("model.safetensors").is_file());
    assert!(weights.join("model.json").is_file());
    let sheet = common::object_dir(&p, "t.toml", "sheet").join("ports/sheet/traversals.png");
    assert!(sheet.is_file());

    let again = p.run_ok("t.toml", &[]);
    assert!(
        again.computed().is_empty(),
        "recomputed {:?}",
        again.computed()
    );
}

#[test]
fn the_same_seed_trains_the_same_weights_in_two_caches() {
    let a = Project::new();
    let b = Project::new();
    for p in [&a, &b] {
        p.write("t.toml", &pipeline("vae", ""));
        p.run_ok("t.toml", &[]);
    }
    let wa = std::fs::read(
        common::object_dir(&a, "t.toml", "model").join("ports/weights/model.safetensors"),
    )
    .unwrap();
    let wb = std::fs::read(
        common::object_dir(&b, "t.toml", "model").join("ports/weights/model.safetensors"),
    )
    .unwrap();
    assert!(wa == wb, "the weights files differ");
    assert_eq!(csv(&a, "model", "latents"), csv(&b, "model", "latents"));
}

#[test]
fn an_autoencoder_trains_without_kl() {
    let p = Project::new();
    p.write("t.toml", &pipeline("ae", ""));
    p.run_ok("t.toml", &[]);
    let r = result(&p, "t.toml", "model");
    assert_eq!(r["model"], "ae");
    assert!(r["elbo"].is_null() && r["kl_per_latent"].is_null());
    assert!(r["reconstruction_error"].as_f64().unwrap() > 0.0);
    let kl = csv(&p, "model", "kl");
    // kl is null (empty in CSV) for an AE; the variance is there.
    assert!(kl.lines().skip(1).all(|l| l.starts_with(',')), "{kl}");
}

#[test]
fn a_classifier_trains_on_translated_faces_with_early_stopping() {
    let p = Project::new();
    p.write(
        "t.toml",
        &pipeline(
            "classifier",
            "classifier = \"split.classifier\"\neval_every = 10\npatience = 2",
        ),
    );
    p.run_ok("t.toml", &[]);
    let r = result(&p, "t.toml", "model");
    assert_eq!(r["classes"], 38, "one identity per training face");
    let acc = r["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(r["validation_accuracy"].as_f64().is_some());
    assert!(r["best_step"].as_u64().unwrap().is_multiple_of(10) || r["best_step"] == 30);
    assert_eq!(csv(&p, "model", "latents").lines().count(), 1 + 40);
}

#[test]
fn a_classifier_without_its_table_is_refused_before_training() {
    let p = Project::new();
    p.write("t.toml", &pipeline("classifier", ""));
    let ran = p.flow(&["run", "t.toml", "--progress", "lines"]);
    assert_ne!(ran.code, 0);
    assert!(
        ran.stderr.contains("needs the `classifier` input"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_diverging_model_fails_its_node_and_the_sweep_goes_on() {
    let p = Project::new();
    let text = pipeline("beta-vae", "sweep.lr = [1e-3, 1e12]").replace("lr = 1e-3\n", "");
    p.write("t.toml", &text);
    let ran = p.flow(&["run", "t.toml", "--progress", "lines"]);
    assert_ne!(ran.code, 0);
    assert!(ran.stderr.contains("diverged at step"), "{}", ran.stderr);
    assert!(
        ran.computed().contains(&"model[lr=0.001]".to_string()),
        "{:?}\n{}",
        ran.computed(),
        ran.stderr
    );
}

#[test]
fn a_killed_training_run_resumes_from_its_checkpoint_and_equals_an_uninterrupted_one() {
    let steps = "steps = 600";
    let text = pipeline("beta-vae", "").replace("steps = 30", steps);
    // Uninterrupted.
    let whole = Project::new();
    whole.write("t.toml", &text);
    whole.run_ok("t.toml", &[]);

    // Killed while training, then run again.
    let mut p = Project::new();
    p.env.push(("FLOW_CHECKPOINT_SECONDS".into(), "0.2".into()));
    p.write("t.toml", &text);
    let (mut child, _rest) = common::spawn_until(&p, "t.toml", "model: ");
    let scratch = p.cache().join("scratch");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !has_checkpoint(&scratch) {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        !common::object_dir(&p, "t.toml", "model").exists(),
        "killed before it finished (raise the steps if this machine is fast)"
    );

    let again = p.run_ok("t.toml", &[]);
    // The first progress line after the restart is past step 1: it resumed.
    let first = again
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("model: "))
        .expect("a progress line");
    let step: u64 = first.split('/').next().unwrap().parse().unwrap();
    assert!(step > 1, "restarted from scratch: {first}");
    assert!(
        !has_checkpoint(&scratch),
        "the scratch space is removed once published"
    );

    let wa = std::fs::read(
        common::object_dir(&whole, "t.toml", "model").join("ports/weights/model.safetensors"),
    )
    .unwrap();
    let wb = std::fs::read(
        common::object_dir(&p, "t.toml", "model").join("ports/weights/model.safetensors"),
    )
    .unwrap();
    assert!(
        wa == wb,
        "resumed weights differ from the uninterrupted run's"
    );
    assert_eq!(csv(&whole, "model", "curve"), csv(&p, "model", "curve"));
}

fn has_checkpoint(scratch: &std::path::Path) -> bool {
    std::fs::read_dir(scratch)
        .map(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.path().join("checkpoint/state.json").is_file())
        })
        .unwrap_or(false)
}

/// A float32 `N × H × W` NPY file.
fn write_npy(path: &std::path::Path, n: usize, h: usize, w: usize, value: impl Fn(usize) -> f32) {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, {h}, {w}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for i in 0..n * h * w {
        bytes.extend(value(i).to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn flow_stage_trains_on_an_npy_array() {
    let p = Project::new();
    write_npy(&p.path("faces.npy"), 24, 16, 16, |i| {
        ((i * 7919) % 100) as f32 / 100.0
    });
    let ran = p.flow(&[
        "stage",
        "train",
        "--in",
        "images=faces.npy",
        "--set",
        "latents=3",
        "--set",
        "steps=8",
        "--set",
        "batch=4",
        "--port",
        "result",
        "--out",
        "r.json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path("r.json")).unwrap()).unwrap();
    assert_eq!(r["training_images"], 24);
    assert_eq!(r["steps_trained"], 8);
}

#[test]
fn images_whose_sides_are_not_multiples_of_16_are_refused_with_the_reason() {
    let p = Project::new();
    write_npy(&p.path("faces.npy"), 4, 20, 20, |_| 0.5);
    let ran = p.flow(&[
        "stage",
        "train",
        "--in",
        "images=faces.npy",
        "--set",
        "steps=2",
        "--out",
        "r.json",
    ]);
    assert_ne!(ran.code, 0);
    assert!(ran.stderr.contains("divisible by 16"), "{}", ran.stderr);
}

#[test]
fn decode_reconstructs_the_held_out_faces_through_the_trained_decoder() {
    let p = Project::new();
    let text = pipeline("beta-vae", "").replace("heldout = 2", "heldout = 4")
        + r#"
[stages.neurons]
kind = "synthetic-neurons"
factors = "faces.factors"
split = "split.split"
neurons = 12

[stages.decode]
kind = "decode"
units = "model.latents"
responses = "neurons.responses"
split = "split.split"
weights = "model.weights"
images = "faces.images"
var_threshold = 0.0
"#;
    p.write("t.toml", &text);
    p.run_ok("t.toml", &[]);
    let r = result(&p, "t.toml", "decode");
    let held = r["heldout_images"].as_array().unwrap();
    assert_eq!(held.len(), 4);
    let decoded = r["decoded_units"].as_array().unwrap();
    assert_eq!(decoded.len(), 4);
    assert_eq!(
        decoded[0].as_array().unwrap().len(),
        4,
        "one value per latent"
    );
    let dir = common::object_dir(&p, "t.toml", "decode").join("ports/reconstructions");
    assert!(dir.join("reconstructions.png").is_file());
    // The reconstructions are an image table of the held-out faces.
    let ran = p.flow(&[
        "stage",
        "describe",
        "--in",
        &format!("table={}", dir.join("reconstructions.arrow").display()),
        "--out",
        "d.json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let d = std::fs::read_to_string(p.path("d.json")).unwrap();
    assert!(d.contains("\"rows\": 4") || d.contains("\"rows\":4"), "{d}");
}

/// Each output port's content digest of node `node`, from its manifest.
fn port_digests(p: &Project, file: &str, node: &str) -> Vec<(String, String)> {
    let dir = common::object_dir(p, file, node);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["ports"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(port, record)| {
            (
                port.clone(),
                record["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_thread_count_does_not_change_a_trained_models_bytes() {
    // The thread count is not in the key (engine/DESIGN.md), so it must not change any byte:
    // weights, latents, KL, curve and result from 1, 2 and 4 threads are identical.
    let mut digests = Vec::new();
    for threads in [1, 2, 4] {
        let p = Project::new();
        p.write(
            "t.toml",
            &pipeline("beta-vae", &format!("beta = 4.0\nthreads = {threads}")),
        );
        p.run_ok("t.toml", &["--jobs", "4"]);
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(common::object_dir(&p, "t.toml", "model").join("manifest.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            manifest["threads"], threads,
            "the manifest records the threads"
        );
        assert_eq!(
            manifest["params"]["device"], "cpu",
            "and the resolved device"
        );
        digests.push((threads, port_digests(&p, "t.toml", "model")));
    }
    for (threads, d) in &digests[1..] {
        assert_eq!(d, &digests[0].1, "{threads} threads vs 1");
    }
}

#[test]
fn the_key_holds_the_resolved_device_not_auto() {
    let p = Project::new();
    p.write("t.toml", &pipeline("beta-vae", "beta = 4.0"));
    // The model's key is known once its inputs are: compute them, not the model.
    p.run_ok("t.toml", &["--until", "split"]);
    let rows = p.plan_json("t.toml", &[]);
    let model = rows.iter().find(|r| r["name"] == "model").unwrap();
    let written = p.plan_json("t.toml", &["--set", "model.device=cpu"]);
    let forced = written.iter().find(|r| r["name"] == "model").unwrap();
    assert_eq!(model["params"]["device"], "cpu", "{model}");
    // `auto` resolves to the CPU in a build without CUDA: the same key as writing "cpu".
    assert!(model["key"].is_string(), "{model}");
    assert_eq!(model["key"], forced["key"]);
}
