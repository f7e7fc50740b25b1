//! `flow collect` (issue 18): a sweep's results as one table — rows and typed coordinate
//! columns, flattened results, the join of two stages, `--where` / `--sort` / `--group-by`, long
//! form for a vector field, a table port, missing nodes, and unknown names with did-you-mean.

mod common;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_schema::DataType;
use common::Project;

/// Six `constant` nodes (value × seed), their summaries, and the summaries of their clipped
/// tables; a JSON file with vectors imported as a result.
const SWEEP: &str = r#"
[stages.source]
kind = "constant"
rows = 4
sweep.value = [1.0, 2.0, 3.0]
sweep.seed = { range = [0, 2] }

[stages.stats]
kind = "describe"
table = "source"

[stages.clipped]
kind = "clip"
table = "source"
min = 0.0
max = 2.5

[stages.clipped_stats]
kind = "describe"
table = "clipped"

[stages.scores]
kind = "import-json"
path = "scores.json"
"#;

const SCORES: &str = r#"{ "mean": 0.2, "per_neuron": [0.1, 0.2, 0.3], "neuron": ["n0", "n1", "n2"], "fit": { "lambda": 0.01 } }"#;

fn project() -> Project {
    let p = Project::new();
    p.write("sweep.toml", SWEEP);
    p.write("scores.json", SCORES);
    p.run_ok("sweep.toml", &[]);
    p
}

/// `flow collect sweep.toml ARGS… --to out.parquet`, read back.
fn collected(p: &Project, args: &[&str]) -> arrow_array::RecordBatch {
    let out = p.path("out.parquet");
    let out_arg = out.to_string_lossy().into_owned();
    let mut full = vec!["collect", "sweep.toml"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--to", &out_arg]);
    let ran = p.flow(&full);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    flow_tableio::read_table(&out).expect("the parquet file reads back")
}

fn names(t: &arrow_array::RecordBatch) -> Vec<String> {
    t.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

fn strings(t: &arrow_array::RecordBatch, name: &str) -> Vec<String> {
    let c = t
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let c = arrow_cast::cast(c, &DataType::Utf8).unwrap();
    c.as_string::<i32>()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect()
}

fn floats(t: &arrow_array::RecordBatch, name: &str) -> Vec<f64> {
    let c = t
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    c.as_primitive::<Float64Type>().values().to_vec()
}

fn ints(t: &arrow_array::RecordBatch, name: &str) -> Vec<i64> {
    let c = t
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    c.as_primitive::<Int64Type>().values().to_vec()
}

#[test]
fn one_row_per_node_with_typed_coordinates_and_flattened_results() {
    let p = project();
    let t = collected(&p, &["stats"]);
    assert_eq!(t.num_rows(), 6);
    assert_eq!(
        names(&t),
        [
            "node",
            "stage",
            "value",
            "seed",
            "key",
            "rows",
            "columns.value.mean",
            "columns.value.min",
            "columns.value.max"
        ]
    );
    assert_eq!(
        t.schema().field_with_name("value").unwrap().data_type(),
        &DataType::Float64
    );
    assert_eq!(
        t.schema().field_with_name("seed").unwrap().data_type(),
        &DataType::Int64
    );
    assert_eq!(strings(&t, "node")[0], "stats[value=1,seed=0]");
    assert_eq!(strings(&t, "stage"), ["stats"; 6]);
    assert_eq!(floats(&t, "value"), [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
    assert_eq!(ints(&t, "seed"), [0, 1, 0, 1, 0, 1]);
    assert_eq!(ints(&t, "rows"), [4; 6]);
    assert_eq!(
        floats(&t, "columns.value.mean"),
        [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    );
    assert!(strings(&t, "key").iter().all(|k| k.len() == 64));
}

#[test]
fn two_stages_join_on_their_shared_coordinates() {
    let p = project();
    let t = collected(&p, &["stats", "clipped_stats"]);
    assert_eq!(t.num_rows(), 6);
    let cols = names(&t);
    for c in [
        "value",
        "seed",
        "stats.node",
        "clipped_stats.node",
        "stats.columns.value.max",
        "clipped_stats.columns.value.max",
    ] {
        assert!(cols.contains(&c.to_string()), "{c} in {cols:?}");
    }
    assert_eq!(
        floats(&t, "stats.columns.value.max"),
        [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    );
    assert_eq!(
        floats(&t, "clipped_stats.columns.value.max"),
        [1.0, 1.0, 2.0, 2.0, 2.5, 2.5]
    );
    assert_eq!(
        strings(&t, "clipped_stats.node")[4],
        "clipped_stats[value=3,seed=0]"
    );
}

#[test]
fn where_sort_and_group_by_shape_the_table() {
    let p = project();
    let t = collected(
        &p,
        &[
            "stats",
            "--where",
            "value >= 2",
            "--sort",
            "seed:desc",
            "--sort",
            "value",
        ],
    );
    assert_eq!(floats(&t, "value"), [2.0, 3.0, 2.0, 3.0]);
    assert_eq!(ints(&t, "seed"), [1, 1, 0, 0]);

    let g = collected(
        &p,
        &[
            "clipped_stats",
            "--group-by",
            "seed",
            "--agg",
            "mean,sd,n",
            "--sort",
            "seed",
        ],
    );
    assert_eq!(ints(&g, "seed"), [0, 1]);
    let means = floats(&g, "columns.value.max.mean");
    assert!((means[0] - 5.5 / 3.0).abs() < 1e-12, "{means:?}");
    let sds = floats(&g, "columns.value.max.sd");
    let want = ((1.0f64 - 5.5 / 3.0).powi(2)
        + (2.0f64 - 5.5 / 3.0).powi(2)
        + (2.5f64 - 5.5 / 3.0).powi(2))
        / 2.0;
    assert!((sds[0] - want.sqrt()).abs() < 1e-12, "{sds:?}");
    assert_eq!(g.column_by_name("n").unwrap().len(), 2);
    assert_eq!(strings(&g, "n"), ["3", "3"]);
    assert!(
        !names(&g).iter().any(|n| n.starts_with("seed.")),
        "{:?}",
        names(&g)
    );
}

#[test]
fn a_vector_field_in_long_form_gives_a_row_per_element() {
    let p = project();
    let wide = collected(&p, &["scores"]);
    assert_eq!(
        names(&wide),
        ["node", "stage", "key", "mean", "fit.lambda"],
        "vectors are left out by default"
    );
    let long = collected(
        &p,
        &["scores", "--field", "per_neuron", "--field", "neuron"],
    );
    assert_eq!(long.num_rows(), 3);
    assert_eq!(ints(&long, "index"), [0, 1, 2]);
    assert_eq!(floats(&long, "per_neuron"), [0.1, 0.2, 0.3]);
    assert_eq!(strings(&long, "neuron"), ["n0", "n1", "n2"]);
    assert_eq!(floats(&long, "mean"), [0.2; 3]);
}

#[test]
fn a_table_port_gives_a_row_per_table_row() {
    let p = project();
    let t = collected(&p, &["clipped.table", "--where", "seed == 0"]);
    assert_eq!(t.num_rows(), 12, "3 nodes × 4 rows");
    // The table's own `value` column is kept beside the coordinate of the same name.
    assert_eq!(floats(&t, "result.value")[8..], [2.5; 4]);
    assert_eq!(floats(&t, "value")[8..], [3.0; 4]);
}

#[test]
fn only_cached_nodes_appear_unless_missing_ones_are_asked_for() {
    let p = Project::new();
    p.write("sweep.toml", SWEEP);
    p.write("scores.json", SCORES);
    p.run_ok("sweep.toml", &["--until", "stats[value=2,seed=1]"]);
    let t = collected(&p, &["stats"]);
    assert_eq!(strings(&t, "node"), ["stats[value=2,seed=1]"]);
    let all = collected(&p, &["stats", "--include-missing"]);
    assert_eq!(all.num_rows(), 6);
    let status = strings(&all, "status");
    assert_eq!(status[3], "cached");
    assert!(status[0] != "cached" && !status[0].is_empty(), "{status:?}");
}

#[test]
fn unknown_stages_fields_and_columns_are_named_with_the_closest() {
    let p = project();
    for (args, wanted) in [
        (vec!["stat"], "no stage `stat` in pipeline"),
        (vec!["stat"], "did you mean `stats`?"),
        (
            vec!["scores", "--field", "per_neuorn"],
            "stage `scores` has no vector field `per_neuorn`; did you mean `per_neuron`?",
        ),
        (
            vec!["stats", "--where", "seeed == 1"],
            "no column `seeed` in the collected table; did you mean `seed`?",
        ),
        (vec!["stats", "--sort", "valeu"], "did you mean `value`?"),
        (vec!["stats.tabel"], "stage `stats` has no output `tabel`"),
        (vec!["stats", "scores"], "share no sweep coordinate"),
    ] {
        let mut full = vec!["collect", "sweep.toml"];
        full.extend(args.iter().copied());
        let ran = p.flow(&full);
        assert_eq!(ran.code, 2, "{args:?}: {}{}", ran.stdout, ran.stderr);
        assert!(
            ran.stderr.contains(wanted),
            "{args:?}: missing {wanted:?} in {}",
            ran.stderr
        );
    }
}

#[test]
fn the_terminal_table_shows_the_rows_and_their_columns() {
    let p = project();
    let ran = p.flow(&["collect", "sweep.toml", "stats", "--sort", "value:desc"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("shape: (6, 9)"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("stats[value=3,seed=0]"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("columns.value.mean"), "{}", ran.stdout);
}

#[test]
fn show_path_prints_where_a_cached_result_lies() {
    let p = project();
    let ran = p.flow(&[
        "show",
        "--path",
        "source[value=2,seed=1]",
        "-p",
        "sweep.toml",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let dir = std::path::PathBuf::from(ran.stdout.trim());
    let table = flow_tableio::read_ipc(&dir.join("ports/table/table.arrow")).unwrap();
    assert_eq!(table.num_rows(), 4);
}
