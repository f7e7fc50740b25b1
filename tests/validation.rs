//! Validation: every mistake in a pipeline file is reported before anything runs, with
//! file:line:col, a code frame, and "did you mean" for misspellings; never a panic or a bare
//! serde message. Exit code 2.

mod common;
use common::Project;

/// Runs `flow plan` on `text` and returns stderr, asserting exit code 2 and that nothing ran.
fn rejects(text: &str) -> String {
    let p = Project::new();
    p.write("bad.toml", text);
    let ran = p.flow(&["run", "bad.toml"]);
    assert_eq!(
        ran.code, 2,
        "expected a validation error, got:\n{}{}",
        ran.stdout, ran.stderr
    );
    assert!(
        p.objects().is_empty(),
        "nothing may run when validation fails"
    );
    assert!(!ran.stderr.contains("panicked"));
    ran.stderr
}

fn assert_has(stderr: &str, parts: &[&str]) {
    for part in parts {
        assert!(stderr.contains(part), "missing {part:?} in:\n{stderr}");
    }
}

#[test]
fn unknown_stage_kind_suggests_the_closest() {
    let e = rejects("[stages.a]\nkind = \"constnat\"\nvalue = 1.0\n");
    assert_has(
        &e,
        &[
            "error: unknown stage kind `constnat`",
            "bad.toml:2:8",
            "did you mean `constant`?",
        ],
    );
}

#[test]
fn unknown_param_suggests_the_closest() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nvalue = 1.0\nrowz = 3\n");
    assert_has(
        &e,
        &[
            "error: unknown parameter `rowz` for stage kind `constant`",
            "bad.toml:4:1",
            "4 │ rowz = 3",
            "did you mean `rows`?",
        ],
    );
}

#[test]
fn ill_typed_param_names_the_expected_type() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nvalue = \"one\"\n");
    assert_has(
        &e,
        &[
            "parameter `value` must be a number, found a string",
            "bad.toml:3:9",
        ],
    );
    assert!(
        !e.contains("needs parameter"),
        "an ill-typed param is not also missing:\n{e}"
    );
}

#[test]
fn missing_param_and_missing_input_are_reported() {
    let e = rejects("[stages.a]\nkind = \"clip\"\nmin = 0.0\n");
    assert_has(
        &e,
        &[
            "stage `a` (kind `clip`) needs parameter `max`",
            "stage `a` (kind `clip`) needs input `table`",
            "bad.toml:1:9",
        ],
    );
}

#[test]
fn input_naming_no_stage_suggests_one() {
    let e = rejects(
        "[stages.src]\nkind = \"constant\"\nvalue = 1.0\n\n[stages.b]\nkind = \"describe\"\ntable = \"srcc\"\n",
    );
    assert_has(
        &e,
        &[
            "input `table` names no stage `srcc`",
            "bad.toml:7:9",
            "did you mean `src`?",
        ],
    );
}

#[test]
fn wrong_port_type_names_both_types() {
    let e = rejects(
        "[stages.src]\nkind = \"constant\"\nvalue = 1.0\n\n[stages.d]\nkind = \"describe\"\ntable = \"src\"\n\n[stages.s]\nkind = \"sum\"\nparts = \"d\"\n",
    );
    assert_has(
        &e,
        &[
            "input `parts` of `s` takes table, but `d.summary` is json",
            "bad.toml:11:9",
        ],
    );
}

#[test]
fn a_cycle_is_printed() {
    let e = rejects(
        "[stages.a]\nkind = \"clip\"\ntable = \"c\"\nmin = 0.0\nmax = 1.0\n\n[stages.b]\nkind = \"clip\"\ntable = \"a\"\nmin = 0.0\nmax = 1.0\n\n[stages.c]\nkind = \"clip\"\ntable = \"b\"\nmin = 0.0\nmax = 1.0\n",
    );
    assert_has(
        &e,
        &["the stages form a cycle: a → b → c → a", "bad.toml:1:9"],
    );
}

#[test]
fn sweeping_what_is_not_a_param_is_an_error() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nvalue = 1.0\nsweep.delay = [1, 2]\n");
    assert_has(
        &e,
        &[
            "cannot sweep `delay`: not a parameter of stage kind `constant`",
            "bad.toml:4:7",
            "did you mean `delay_ms`?",
        ],
    );
}

#[test]
fn malformed_sweeps_are_errors() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nsweep.value = { linspace = [0.0, 1.0] }\n");
    assert_has(
        &e,
        &[
            "sweep `value`: `linspace` takes [start, stop, count]",
            "bad.toml:3:28",
        ],
    );
    let e =
        rejects("[stages.a]\nkind = \"constant\"\nvalue = 1.0\nsweep.rows = { range = [5, 2] }\n");
    assert_has(&e, &["`range` [5, 2) is empty"]);
    let e =
        rejects("[stages.a]\nkind = \"constant\"\nsweep.value = { linspcae = [0.0, 1.0, 3] }\n");
    assert_has(&e, &["did you mean `linspace`?"]);
}

#[test]
fn a_value_both_set_and_swept_is_an_error() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nvalue = 1.0\nsweep.value = [1.0, 2.0]\n");
    assert_has(&e, &["`value` is both set and swept", "bad.toml:4:7"]);
}

#[test]
fn toml_syntax_errors_have_a_location() {
    let e = rejects("[stages.a]\nkind = \"constant\"\nvalue = 1.0.0\n");
    assert_has(&e, &["invalid TOML", "bad.toml:3:"]);
}

#[test]
fn group_by_an_unknown_axis_is_an_error() {
    let e = rejects(
        "[stages.a]\nkind = \"constant\"\nsweep.value = [1.0, 2.0]\n\n[stages.s]\nkind = \"sum\"\nparts = \"a\"\ngroup_by = \"valeu\"\n",
    );
    assert_has(
        &e,
        &[
            "no gathered input of `s` has an axis `valeu`",
            "bad.toml:8:12",
            "did you mean `value`?",
        ],
    );
}

#[test]
fn a_set_naming_no_stage_points_at_the_argument() {
    let p = Project::new();
    p.write("ok.toml", "[stages.a]\nkind = \"constant\"\nvalue = 1.0\n");
    let ran = p.flow(&["plan", "ok.toml", "--set", "b.value=2"]);
    assert_eq!(ran.code, 2);
    assert_has(&ran.stderr, &["`--set` names no stage `b`", "--set:1:1"]);
    let ran = p.flow(&["plan", "ok.toml", "--set", "a.value=two"]);
    assert_eq!(ran.code, 2);
    assert_has(
        &ran.stderr,
        &[
            "parameter `value` must be a number, found a string",
            "--set:1:9",
        ],
    );
}

#[test]
fn extends_overrides_the_parent_and_errors_point_into_the_right_file() {
    let p = Project::new();
    p.write("base.toml", "[pipeline]\nname = \"base\"\n\n[stages.a]\nkind = \"constant\"\nsweep.value = [1.0, 2.0]\nrows = 2\n");
    p.write(
        "child.toml",
        "[pipeline]\nextends = \"base.toml\"\n\n[stages.a]\nvalue = 5.0\n",
    );
    let plan = p.plan_json("child.toml", &[]);
    assert_eq!(
        plan.len(),
        1,
        "the child's fixed value replaces the parent's sweep"
    );
    assert_eq!(plan[0]["name"], "a");
    p.write(
        "broken.toml",
        "[pipeline]\nextends = \"base.toml\"\n\n[stages.a]\nrowz = 5\n",
    );
    let ran = p.flow(&["plan", "broken.toml"]);
    assert_eq!(ran.code, 2);
    assert_has(
        &ran.stderr,
        &["unknown parameter `rowz`", "broken.toml:5:1"],
    );
}

/// `flow plan` on `text`: the stderr of a rejected plan (exit 2), which must not have written
/// anything into the cache.
fn plan_rejects(text: &str) -> String {
    let p = Project::new();
    p.write("bad.toml", text);
    let planned = p.flow(&["plan", "bad.toml"]);
    assert_eq!(
        planned.code, 2,
        "expected a plan-time error, got:\n{}{}",
        planned.stdout, planned.stderr
    );
    assert!(p.objects().is_empty());
    planned.stderr
}

#[test]
fn a_bad_value_in_a_sweep_is_reported_at_plan_time_at_that_value() {
    let e = plan_rejects(
        "[stages.a]\nkind = \"constant\"\nvalue = 1.0\nsweep.rows = [2, -1, 3]\nsweep.seed = [0, 1]\n",
    );
    assert_has(
        &e,
        &[
            "stage `a` at [rows=-1]: parameter `rows`: must be ≥ 0",
            "bad.toml:4:18",
            "this swept value",
        ],
    );
    // Once per distinct parameter set: the seed axis does not repeat the report.
    assert_eq!(e.matches("parameter `rows`").count(), 1, "{e}");
}

#[test]
fn a_swept_training_param_out_of_range_fails_before_any_training() {
    let e = plan_rejects(
        "[stages.faces]\nkind = \"synthetic-faces\"\nimages = 8\n\n\
         [stages.bvae]\nkind = \"train\"\nimages = \"faces.images\"\n\
         sweep.beta = [1.0, -2.0]\nsweep.lr = [1e-4, 0.0]\n",
    );
    assert_has(
        &e,
        &[
            "stage `bvae` at [beta=-2,lr=0.0001]: parameter `beta`: must be ≥ 0",
            "bad.toml:8:20",
            "stage `bvae` at [beta=1,lr=0]: parameter `lr`: must be positive, got 0",
            "bad.toml:9:19",
        ],
    );
    assert_eq!(
        e.matches("must be positive").count(),
        1,
        "once per bad value:\n{e}"
    );
}

#[test]
fn a_bad_fixed_value_is_reported_once_at_the_value_not_per_instance() {
    let e = plan_rejects(
        "[stages.a]\nkind = \"constant\"\nvalue = 1.0\nrows = -4\nsweep.seed = { range = [0, 5] }\n",
    );
    assert_has(
        &e,
        &["stage `a`: parameter `rows`: must be ≥ 0", "bad.toml:4:8"],
    );
    assert_eq!(e.matches("must be ≥ 0").count(), 1, "{e}");
}

#[test]
fn a_classifier_without_its_classifier_table_is_a_plan_time_error() {
    let e = plan_rejects(
        "[stages.faces]\nkind = \"synthetic-faces\"\nimages = 8\n\n\
         [stages.net]\nkind = \"train\"\nmodel = \"classifier\"\nimages = \"faces.images\"\n",
    );
    assert_has(
        &e,
        &[
            "stage `net`: input `classifier`: model = \"classifier\" needs the `classifier` input",
            "bad.toml:5:9",
        ],
    );
}

#[test]
fn an_input_a_setting_does_not_use_is_reported_at_the_input() {
    let e = plan_rejects(
        "[stages.faces]\nkind = \"synthetic-faces\"\nimages = 8\n\n\
         [stages.split]\nkind = \"split\"\nimages = \"faces.images\"\n\n\
         [stages.net]\nkind = \"train\"\nmodel = \"ae\"\nimages = \"faces.images\"\n\
         classifier = \"split.classifier\"\n",
    );
    assert_has(
        &e,
        &[
            "input `classifier`: is only used by model = \"classifier\"",
            "bad.toml:13:14",
            "this input",
        ],
    );
}
