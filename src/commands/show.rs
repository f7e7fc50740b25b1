//! `flow show NODE`: a cached result's provenance (key, when, where, how long, from what) and a
//! preview of each output port; `--path` prints only where it is stored.

use flow_engine::{Artifact, ArtifactType};

use crate::cli::{Global, ShowArgs};
use crate::commands::node::find_object;
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn show(global: &Global, args: &ShowArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, args.node.pipeline.as_deref());
    let object = find_object(&ws, &args.node)?;
    if args.path {
        let dir = std::fs::canonicalize(&object.dir).unwrap_or(object.dir);
        println!("{}", dir.display());
        return Ok(0);
    }
    let m = &object.manifest;
    println!("node      {}", m.node);
    println!("kind      {}", m.kind);
    println!("key       {}", m.key);
    println!(
        "computed  {:.1}s on {} (flow {})",
        m.seconds, m.host, m.flow_version
    );
    println!("stored    {}", object.dir.display());
    println!("params    {}", m.params);
    let inputs: serde_json::Value = serde_json::from_str(m.inputs.get()).unwrap_or_default();
    if let Some(inputs) = inputs.as_array() {
        for input in inputs {
            let port = input["port"].as_str().unwrap_or("?");
            let nodes: Vec<&str> = input["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["node"].as_str())
                .collect();
            println!("input     {port} ← {}", nodes.join(", "));
        }
    }
    for (port, record) in &m.ports {
        println!(
            "\noutput `{port}`: {} bytes, content {}",
            record.bytes,
            record.content.short()
        );
        let dir = object.port_dir(port);
        let ty = if dir.join("table.arrow").is_file() {
            ArtifactType::Table
        } else if dir.join("value.json").is_file() {
            ArtifactType::Json
        } else {
            ArtifactType::Files
        };
        match Artifact::load(&dir, ty)? {
            Artifact::Table(batch) => print!("{}", preview_table(&batch, args.rows)?),
            Artifact::Json(value) => {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                for l in lines.iter().take(40) {
                    println!("  {l}");
                }
                if lines.len() > 40 {
                    println!("  … {} more lines", lines.len() - 40);
                }
            }
            Artifact::Files(_) => {
                for f in &record.files {
                    println!("  {} ({} bytes)", f.path, f.size);
                }
            }
        }
    }
    Ok(0)
}

fn preview_table(batch: &arrow_array::RecordBatch, rows: usize) -> Result<String, CliError> {
    let schema = batch.schema();
    let mut out = format!(
        "  {} rows × {} columns\n",
        batch.num_rows(),
        batch.num_columns()
    );
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect();
    let shown = names.len().min(8);
    out.push_str(&format!(
        "  {}{}\n",
        names[..shown].join(" | "),
        if names.len() > shown { " | …" } else { "" }
    ));
    let head = batch.slice(0, rows.min(batch.num_rows()));
    let json = flow_tableio::batch_to_json_rows(&head)?;
    for row in json.as_array().into_iter().flatten() {
        let cells: Vec<String> = schema
            .fields()
            .iter()
            .take(shown)
            .map(|f| row.get(f.name()).map_or("null".into(), |v| v.to_string()))
            .collect();
        out.push_str(&format!("  {}\n", cells.join(" | ")));
    }
    Ok(out)
}
