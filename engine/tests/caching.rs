//! The cache-key rules (engine/DESIGN.md, "The cache key and early cutoff"), executed.

mod support;

use support::{Project, catalog, sorted};

#[test]
fn a_second_run_computes_nothing() {
    let p = Project::new();
    let text = "[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, 2.0]\n\n\
                [stages.a]\nkind = \"add\"\nx = \"e\"\n";
    assert_eq!(p.run(text).computed.len(), 4);
    let again = p.run(text);
    assert!(again.computed.is_empty(), "{again:?}");
    assert_eq!(again.cached, 4);
}

#[test]
fn early_cutoff_is_per_output_port() {
    let p = Project::new();
    let text = |b: f64| {
        format!(
            "[stages.p]\nkind = \"pair\"\na = 1.0\nb = {b:?}\n\n\
             [stages.uses_left]\nkind = \"add\"\nx = \"p.left\"\n\n\
             [stages.uses_right]\nkind = \"add\"\nx = \"p.right\"\n"
        )
    };
    assert_eq!(p.run(&text(2.0)).computed.len(), 3);
    // Only `right` changes: the consumer of `left` keeps its key.
    let report = p.run(&text(5.0));
    assert_eq!(sorted(report.computed), ["p", "uses_right"]);
}

#[test]
fn an_upstream_rerun_with_identical_bytes_reruns_nothing_downstream() {
    let p = Project::new();
    let chain = "[stages.b]\nkind = \"add\"\nx = \"a\"\nplus = 10.0\n\n\
                 [stages.c]\nkind = \"add\"\nx = \"b\"\nplus = 100.0\n\n\
                 [stages.e]\nkind = \"emit\"\nvalue = 1.0\n\n\
                 [stages.zero]\nkind = \"emit\"\nvalue = 0.0\n\n";
    let first = format!("{chain}[stages.a]\nkind = \"add\"\nx = \"e\"\n");
    assert_eq!(p.run(&first).computed.len(), 5);
    // `a` gets a new key (a new input) but computes 1 + 0 = 1 again: `b` and `c` are cut off.
    let second = format!("{chain}[stages.a]\nkind = \"add\"\nx = \"e\"\ny = \"zero\"\n");
    let report = p.run(&second);
    assert_eq!(report.computed, ["a"], "{report:?}");
    assert_eq!(report.cached, 4, "e, zero, b and c");
}

#[test]
fn a_stage_version_bump_reruns_exactly_that_node_and_its_dependents() {
    let p = Project::new();
    let text = r#"
[stages.e]
kind = "emit"
value = 3.0

[stages.v]
kind = "versioned"
x = "e"

[stages.after]
kind = "add"
x = "v"

[stages.beside]
kind = "add"
x = "e"
"#;
    let (first, _) = p.run_with(text, &catalog(1));
    assert_eq!(first.computed.len(), 4);
    let (bumped, _) = p.run_with(text, &catalog(2));
    assert_eq!(
        sorted(bumped.computed.clone()),
        ["after", "v"],
        "{bumped:?}"
    );
    assert_eq!(bumped.cached, 2);
}

#[test]
fn a_param_equal_to_its_default_gives_the_same_key_as_leaving_it_out() {
    let p = Project::new();
    assert_eq!(
        p.run("[stages.e]\nkind = \"emit\"\nvalue = 2.0\n")
            .computed
            .len(),
        1
    );
    let report = p.run("[stages.e]\nkind = \"emit\"\nvalue = 2.0\nlabel = \"\"\n");
    assert!(report.computed.is_empty(), "{report:?}");
}

#[test]
fn the_node_name_and_pipeline_file_are_not_in_the_key() {
    let p = Project::new();
    assert_eq!(
        p.run("[stages.first]\nkind = \"emit\"\nvalue = 2.0\n")
            .computed
            .len(),
        1
    );
    let renamed = p.run("[stages.renamed]\nkind = \"emit\"\nvalue = 2.0\n");
    assert!(renamed.computed.is_empty(), "{renamed:?}");
    assert_eq!(renamed.cached, 1);
}

#[test]
fn a_run_reports_each_node_once_as_cached_or_finished() {
    use flow_engine::events::RunEvent;
    let p = Project::new();
    let text = "[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, 2.0]\n";
    let (_, _, first) = p.run_recorded(text, &catalog(1));
    let finished: Vec<&RunEvent> = first
        .iter()
        .filter(|e| matches!(e, RunEvent::Finished { reused: false, .. }))
        .collect();
    assert_eq!(finished.len(), 2, "{first:?}");
    let (_, _, second) = p.run_recorded(text, &catalog(1));
    assert_eq!(
        second,
        [
            RunEvent::Cached {
                node: "e[value=1]".into()
            },
            RunEvent::Cached {
                node: "e[value=2]".into()
            },
        ]
    );
}
