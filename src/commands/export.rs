//! `flow export NODE --to FILE`: a cached output written where the user wants it, in the format
//! its extension names (.parquet, .arrow, .csv, .json for tables; .json for JSON values; any path
//! for a directory of files).

use flow_engine::{Artifact, ArtifactType};

use crate::cli::{ExportArgs, Global};
use crate::commands::node::find_object;
use crate::error::CliError;
use crate::workspace::Workspace;

pub fn export(global: &Global, args: &ExportArgs) -> Result<i32, CliError> {
    let ws = Workspace::open(global, args.node.pipeline.as_deref())?;
    let object = find_object(&ws, &args.node)?;
    let ports: Vec<&String> = object.manifest.ports.keys().collect();
    let port = match &args.port {
        Some(p) if object.manifest.ports.contains_key(p) => p.clone(),
        Some(p) => {
            return Err(CliError::usage(format!(
                "{} has no output `{p}`; its outputs: {}",
                object.manifest.node,
                ports
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        None if ports.len() == 1 => ports[0].clone(),
        None => {
            return Err(CliError::usage(format!(
                "{} has several outputs; choose one with --port ({})",
                object.manifest.node,
                ports
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    object.check_port(&port).map_err(|reason| {
        CliError::failed(format!(
            "{}.{port}: the cached result is corrupt ({reason}); `flow cache verify --repair` removes it and a run recomputes it",
            object.manifest.node
        ))
    })?;
    let dir = object.port_dir(&port);
    let artifact = if dir.join("table.arrow").is_file() {
        Artifact::load(&dir, ArtifactType::Table)
    } else if dir.join("value.json").is_file() {
        Artifact::load(&dir, ArtifactType::Json)
    } else {
        Artifact::load(&dir, ArtifactType::Files)
    }?;
    write_artifact(&artifact, &args.to)?;
    say!(
        "flow: wrote {}.{port} to {}",
        object.manifest.node,
        args.to.display()
    );
    Ok(0)
}

/// Writes one artifact to a user's path: a table by extension, JSON as JSON, files copied.
pub fn write_artifact(artifact: &Artifact, to: &std::path::Path) -> Result<(), CliError> {
    match artifact {
        Artifact::Table(batch) => flow_tableio::write_table(batch, to)?,
        Artifact::Json(value) => {
            let ext = to.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext != "json" {
                return Err(CliError::usage(format!(
                    "this output is a JSON value; write it to a .json file, not {}",
                    to.display()
                )));
            }
            let text =
                serde_json::to_vec_pretty(value).map_err(|e| CliError::failed(e.to_string()))?;
            std::fs::write(to, text)
                .map_err(|e| CliError::failed(format!("{}: {e}", to.display())))?;
        }
        Artifact::Files(dir) => copy_dir(dir, to)?,
    }
    Ok(())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<(), CliError> {
    let fail =
        |p: &std::path::Path, e: std::io::Error| CliError::failed(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| fail(&target, e))?;
        }
    }
    Ok(())
}
