//! Every mistake before anything runs: a kind's own `check` sees every distinct parameter set a
//! sweep expands to, and which optional inputs are connected.

mod support;

use support::{Project, catalog};

fn rejected(text: &str) -> Vec<String> {
    let p = Project::new();
    std::fs::write(p.file(), text).unwrap();
    match flow_engine::load_pipeline(&p.file(), &[], &catalog(1)) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.diagnostics.iter().map(|d| d.message.clone()).collect(),
    }
}

#[test]
fn a_sweep_value_that_fails_the_kinds_check_is_rejected_before_planning() {
    let messages = rejected("[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, -200.0]\n");
    assert_eq!(
        messages,
        ["stage `e` at [value=-200]: parameter `value`: must be ≥ -100"]
    );
}

#[test]
fn every_zipped_instance_is_checked() {
    let messages = rejected(
        "[stages.e]\nkind = \"emit\"\nsweep.value = [1.0, -300.0, -400.0]\n\
         sweep.label = [\"a\", \"b\", \"c\"]\nzip = true\n",
    );
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("[value=-300,label=b]"), "{messages:?}");
    assert!(messages[1].contains("[value=-400,label=c]"), "{messages:?}");
}
