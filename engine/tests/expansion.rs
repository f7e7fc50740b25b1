//! The expansion rules (engine/DESIGN.md, "Expansion"), executed: each test runs a pipeline
//! through the engine and reads what the nodes computed.

mod support;

use serde_json::json;
use support::{Project, sorted};

#[test]
fn zipped_axes_pair_element_by_element() {
    let p = Project::new();
    let text = r#"
[stages.e]
kind = "emit"
sweep.value = [1.0, 2.0, 3.0]
sweep.label = ["a", "b", "c"]
zip = true
"#;
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    assert_eq!(
        sorted(report.computed),
        [
            "e[value=1,label=a]",
            "e[value=2,label=b]",
            "e[value=3,label=c]"
        ]
    );
    assert_eq!(p.output(text, "e[value=2,label=b]")["label"], "b");
}

#[test]
fn unzipped_axes_cross() {
    let p = Project::new();
    let report =
        p.run("[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, 2.0]\nsweep.seed = [0, 1, 2]\n");
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.computed.len(), 6);
}

#[test]
fn group_by_gathers_one_node_per_value_of_the_axis() {
    let p = Project::new();
    let text = r#"
[stages.e]
kind = "emit"
sweep.value = [1.0, 2.0]
sweep.seed = [0, 1, 2]

[stages.g]
kind = "gather"
parts = "e"
group_by = "value"
"#;
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    assert!(
        report.computed.contains(&"g[value=1]".to_string()),
        "{report:?}"
    );
    assert!(
        report.computed.contains(&"g[value=2]".to_string()),
        "{report:?}"
    );
    assert_eq!(report.computed.len(), 6 + 2);
    let parts = &p.output(text, "g[value=2]")["parts"];
    assert_eq!(
        parts,
        &json!([
            { "value": 2.0, "coords": "value=2,seed=0" },
            { "value": 2.0, "coords": "value=2,seed=1" },
            { "value": 2.0, "coords": "value=2,seed=2" },
        ])
    );
}

#[test]
fn a_gather_without_group_by_takes_every_instance() {
    let p = Project::new();
    let text = "[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, 2.0, 3.0]\n\n\
                [stages.g]\nkind = \"gather\"\nparts = \"e\"\n";
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    assert_eq!(p.output(text, "g")["parts"].as_array().unwrap().len(), 3);
}

#[test]
fn two_inputs_derived_from_one_sweep_pair_up_instead_of_crossing() {
    let p = Project::new();
    let text = r#"
[stages.e]
kind = "emit"
sweep.value = [1.0, 10.0]

[stages.doubled]
kind = "add"
x = "e"
y = "e"

[stages.total]
kind = "add"
x = "e"
y = "doubled"
"#;
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    // Two `total` nodes (value 1 with its own double, value 10 with its own), not four.
    let totals: Vec<&String> = report
        .computed
        .iter()
        .filter(|n| n.starts_with("total"))
        .collect();
    assert_eq!(totals.len(), 2, "{report:?}");
    assert_eq!(p.output(text, "total[value=1]")["value"], 3.0);
    assert_eq!(p.output(text, "total[value=10]")["value"], 30.0);
}

#[test]
fn inputs_on_different_axes_cross() {
    let p = Project::new();
    let text = r#"
[stages.a]
kind = "emit"
sweep.value = [1.0, 2.0]

[stages.b]
kind = "emit"
sweep.label = ["x", "y", "z"]

[stages.sum]
kind = "add"
x = "a"
y = "b"
"#;
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    assert_eq!(
        report
            .computed
            .iter()
            .filter(|n| n.starts_with("sum"))
            .count(),
        6
    );
}

#[test]
fn a_range_with_a_step_excludes_its_end() {
    let p = Project::new();
    let report = p.run("[stages.e]\nkind = \"emit\"\nsweep.seed = { range = [0, 10, 3] }\n");
    assert_eq!(
        sorted(report.computed),
        ["e[seed=0]", "e[seed=3]", "e[seed=6]", "e[seed=9]"]
    );
}

/// Runs `text` (one swept `emit` stage `e`) and returns the value each node emitted, in plan order.
fn emitted(text: &str) -> Vec<f64> {
    let p = Project::new();
    let report = p.run(text);
    assert!(report.ok(), "{report:?}");
    let plan = p.plan(text, &support::catalog(1));
    plan.order
        .iter()
        .map(|&i| {
            p.output(text, &plan.node(i).name)["value"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

#[test]
fn a_logspace_spaces_values_geometrically_between_its_two_values() {
    let values =
        emitted("[stages.e]\nkind = \"emit\"\nsweep.value = { logspace = [1e-4, 1e-2, 3] }\n");
    assert_eq!(values.len(), 3);
    for (got, want) in values.iter().zip([1e-4, 1e-3, 1e-2]) {
        assert!((got / want - 1.0).abs() < 1e-12, "{values:?}");
    }
}

#[test]
fn a_linspace_includes_both_ends() {
    let values =
        emitted("[stages.e]\nkind = \"emit\"\nsweep.value = { linspace = [0.5, 20.0, 40] }\n");
    assert_eq!(values.len(), 40);
    assert_eq!(values[0], 0.5);
    assert_eq!(values[39], 20.0);
    assert!(
        (values[1] - 1.0).abs() < 1e-12,
        "step (20 − 0.5)/39 = 0.5: {values:?}"
    );
}
