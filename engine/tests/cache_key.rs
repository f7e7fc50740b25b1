//! The cache key's bytes are a promise to every user's cache: a dependency upgrade that changes
//! how serde writes a float, how maps are ordered or how the struct is named must not silently
//! change every key (and recompute every artifact). These tests pin one key's canonical JSON and
//! digest; if they fail, the change is a deliberate cache-format change or a bug.

use std::collections::BTreeMap;

use flow_cache::Digest;
use flow_engine::plan::key::{CacheKey, KeyInput};

fn pinned_key() -> CacheKey {
    let params: BTreeMap<String, serde_json::Value> = [
        ("beta", serde_json::json!(4.0)),
        ("lr", serde_json::json!(0.0005)),
        ("small", serde_json::json!(1e-12)),
        ("latents", serde_json::json!(10)),
        ("model", serde_json::json!("beta-vae")),
        ("device", serde_json::json!("cpu")),
        ("alphas", serde_json::json!([0.1, 1.0, 10.0])),
        ("flag", serde_json::json!(true)),
        (
            "path",
            serde_json::json!({ "file-content": Digest::of_bytes(b"faces.npy").to_string() }),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    CacheKey {
        kind: "train".into(),
        version: 3,
        params,
        seed: 7,
        inputs: vec![
            KeyInput {
                port: "images".into(),
                content: vec![Digest::of_bytes(b"images")],
            },
            KeyInput {
                port: "parts".into(),
                content: vec![Digest::of_bytes(b"a"), Digest::of_bytes(b"b")],
            },
        ],
    }
}

#[test]
fn a_cache_key_serialises_to_its_pinned_canonical_json() {
    let json = serde_json::to_string(&pinned_key()).expect("serialise");
    let expected = concat!(
        r#"{"kind":"train","version":3,"params":{"alphas":[0.1,1.0,10.0],"beta":4.0,"#,
        r#""device":"cpu","flag":true,"latents":10,"lr":0.0005,"model":"beta-vae","#,
        r#""path":{"file-content":"PATHDIGEST"},"small":1e-12},"seed":7,"#,
        r#""inputs":[{"port":"images","content":["IMAGESDIGEST"]},"#,
        r#"{"port":"parts","content":["ADIGEST","BDIGEST"]}]}"#
    )
    .replace("PATHDIGEST", &Digest::of_bytes(b"faces.npy").to_string())
    .replace("IMAGESDIGEST", &Digest::of_bytes(b"images").to_string())
    .replace("ADIGEST", &Digest::of_bytes(b"a").to_string())
    .replace("BDIGEST", &Digest::of_bytes(b"b").to_string());
    assert_eq!(json, expected);
}

#[test]
fn a_cache_key_digest_is_pinned() {
    assert_eq!(
        pinned_key().digest().to_string(),
        "3b505405d5dbacb5dff23b532d0c4ca4e330cd3186243eccbbd7f9fc9acc4d06",
        "the digest of a fixed key changed: every user's cache would be recomputed"
    );
}

#[test]
fn a_content_digest_is_pinned() {
    // The digest type's spelling is part of every key: blake3, lower-case hex.
    assert_eq!(
        Digest::of_bytes(b"images").to_string(),
        blake3::hash(b"images").to_hex().to_string()
    );
}
