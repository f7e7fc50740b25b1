//! The catalog as a whole: what every stage kind must satisfy.

use flow_engine::pipeline::validate::RESERVED_KEYS;

#[test]
fn no_kind_declares_a_param_the_pipeline_language_reserves() {
    // A param named `group_by` (or `seed`, `threads`, …) could never be set from a pipeline
    // file: the engine reads those keys itself.
    for kind in flow_stages::catalog().iter() {
        for p in kind.params() {
            assert!(
                !RESERVED_KEYS.contains(&p.name) || p.name == "seed" || p.name == "threads",
                "stage kind `{}` declares param `{}`, a key the pipeline language reserves",
                kind.name(),
                p.name
            );
        }
    }
}
