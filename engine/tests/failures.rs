//! How the engine reports a stage that breaks its contract: the node fails with a reason, its
//! dependents are skipped, everything else finishes, and nothing is published for it.

mod support;

use flow_engine::events::RunEvent;
use support::Project;

fn failure(how: &str) -> (String, flow_engine::exec::session::RunReport) {
    let p = Project::new();
    let text = format!(
        "[stages.bad]\nkind = \"misbehave\"\nhow = \"{how}\"\n\n\
         [stages.after]\nkind = \"add\"\nx = \"bad\"\n\n\
         [stages.fine]\nkind = \"emit\"\nvalue = 1.0\n"
    );
    let (report, _, events) = p.run_recorded(&text, &support::catalog(1));
    assert_eq!(report.computed, ["fine"], "{report:?}");
    // What a renderer is told: `bad` started and failed, `after` was skipped because of it.
    assert!(events.contains(&RunEvent::Started { node: "bad".into() }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RunEvent::Failed { node, started: true, .. } if node == "bad"))
    );
    assert!(events.contains(&RunEvent::Skipped {
        node: "after".into(),
        cause: "bad".into()
    }));
    assert_eq!(report.skipped, [("after".to_string(), "bad".to_string())]);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "bad");
    assert!(
        p.store().objects().unwrap().len() == 1,
        "only `fine` is published"
    );
    (report.failed[0].1.clone(), report)
}

#[test]
fn a_panicking_stage_is_a_failed_node_with_the_panic_message() {
    let (reason, _) = failure("panic");
    assert!(
        reason.starts_with("stage panicked: index out of bounds"),
        "{reason}"
    );
}

#[test]
fn a_stage_returning_an_undeclared_output_is_a_failed_node() {
    let (reason, _) = failure("undeclared-output");
    assert!(reason.contains("returned an output `extra`"), "{reason}");
    assert!(reason.contains("does not declare"), "{reason}");
}

#[test]
fn a_stage_missing_a_declared_output_is_a_failed_node() {
    let (reason, _) = failure("missing-output");
    assert!(reason.contains("produced no output `out`"), "{reason}");
}

#[test]
fn a_stage_returning_the_wrong_artifact_type_is_a_failed_node() {
    let (reason, _) = failure("wrong-type");
    assert!(
        reason.contains("declared json but the stage returned table"),
        "{reason}"
    );
}
