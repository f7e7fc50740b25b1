//! Publishing: the outputs a pipeline names in `[publish]` are copied out of the cache to
//! stable paths after `flow run`, so a person finds them without knowing a cache key.
//!
//! - Where: `results/<pipeline name>/` beside the pipeline file, or `--results DIR`.
//! - When: after the run, for each published node that has a result (a failed node's old
//!   file is left as it was and named as stale).
//! - How: each file is written to a temporary name in the same directory and renamed into
//!   place, so a reader never sees half a file.
//! - Provenance: an HTML page's `<!-- flow:provenance -->` marker is replaced by flow's
//!   version, the digest of the pipeline's source (the file, the files it extends and any
//!   `--set`), and the cache key of the published node and of every node it reads. The cached
//!   artifact itself is untouched: its bytes depend only on its key.
//!
//! [`check`] runs before anything is computed: a published stage must have exactly one node.

use std::path::{Path, PathBuf};

use flow_engine::exec::session::plan_status;
use flow_engine::pipeline::model::Publication;
use flow_engine::{Artifact, Pipeline, Plan};
use petgraph::graph::NodeIndex;

use crate::commands::export::write_artifact;
use crate::error::CliError;
use crate::workspace::Workspace;

/// Every `[publish]` entry with its node; an error if a published stage is swept.
pub fn check(pipeline: &Pipeline, plan: &Plan) -> Result<Vec<(Publication, NodeIndex)>, CliError> {
    pipeline
        .publish
        .iter()
        .map(|p| {
            let nodes = plan.select(&p.stage);
            match nodes.as_slice() {
                [one] => Ok((p.clone(), *one)),
                _ => Err(CliError::usage(format!(
                    "[publish] \"{}\" = \"{}.{}\": stage `{}` has {} nodes; only a stage with one node (e.g. a gather) can be published",
                    p.path,
                    p.stage,
                    p.port,
                    p.stage,
                    nodes.len()
                ))),
            }
        })
        .collect()
}

/// The results directory of a pipeline: `results/<name>/` beside its file.
pub fn results_dir(pipeline: &Pipeline, chosen: Option<&Path>) -> PathBuf {
    match chosen {
        Some(dir) => dir.to_path_buf(),
        None => pipeline
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join("results")
            .join(&pipeline.name),
    }
}

/// The digest of the pipeline's sources, in the order they were read.
fn source_digest(pipeline: &Pipeline) -> String {
    let mut h = blake3::Hasher::new();
    for (_, source) in pipeline.sources.iter() {
        h.update(source.name.as_bytes());
        h.update(&[0]);
        h.update(source.text.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex().to_string()
}

/// Writes every publication that has a result; returns (path written, node) and the stale ones.
pub fn publish(
    ws: &Workspace,
    pipeline: &Pipeline,
    plan: &Plan,
    entries: &[(Publication, NodeIndex)],
    dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>), CliError> {
    // Every node's cached key, by node index (a report reads thousands of nodes).
    let mut keys = vec![None; plan.len()];
    for s in plan_status(plan, &ws.store, &vec![false; plan.len()]) {
        keys[s.index.index()] = s.digest.filter(|_| s.cached);
    }
    let key_of = |i: NodeIndex| keys[i.index()];
    let (mut written, mut stale) = (Vec::new(), Vec::new());
    for (p, index) in entries {
        let node = plan.node(*index);
        let Some(digest) = key_of(*index) else {
            stale.push(p.path.clone());
            continue;
        };
        let object = match ws.store.get(&digest)? {
            flow_cache::Lookup::Present(o) => o,
            _ => {
                stale.push(p.path.clone());
                continue;
            }
        };
        let ty = node
            .outputs
            .iter()
            .find(|(name, _)| *name == p.port)
            .map(|(_, t)| *t)
            .ok_or_else(|| CliError::failed(format!("{} has no output {}", node.name, p.port)))?;
        if let Err(reason) = object.check_port(&p.port) {
            let _ = ws.store.remove(&digest);
            return Err(CliError::failed(format!(
                "{}.{}: the cached result is corrupt ({reason}); it was removed, run again to recompute it",
                node.name, p.port
            )));
        }
        let artifact = Artifact::load(&object.port_dir(&p.port), ty)?;
        let target = dir.join(&p.path);
        let parent = target.parent().unwrap_or(dir).to_path_buf();
        std::fs::create_dir_all(&parent)
            .map_err(|e| CliError::failed(format!("{}: {e}", parent.display())))?;
        // The temporary name keeps the extension: it says the table format.
        let tmp = parent.join(format!(
            ".partial-{}-{}",
            std::process::id(),
            target
                .file_name()
                .map_or("out".into(), |n| n.to_string_lossy())
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        match (&artifact, &p.file) {
            (Artifact::Files(files), Some(file)) => {
                let from = files.join(file);
                let mut bytes = std::fs::read(&from).map_err(|e| {
                    CliError::failed(format!("{}.{}/{file}: {e}", node.name, p.port))
                })?;
                if from.extension().is_some_and(|e| e == "html") {
                    let inputs: Vec<(String, String)> = plan
                        .graph
                        .neighbors_directed(*index, petgraph::Direction::Incoming)
                        .map(|i| {
                            let key = key_of(i).map_or("—".into(), |d| d.to_string());
                            (plan.node(i).name.clone(), key)
                        })
                        .collect();
                    bytes = with_provenance(
                        &bytes,
                        &source_digest(pipeline),
                        &pipeline.path,
                        (&node.name, &digest.to_string()),
                        &inputs,
                    );
                }
                std::fs::write(&tmp, bytes)
                    .map_err(|e| CliError::failed(format!("{}: {e}", tmp.display())))?;
            }
            _ => write_artifact(&artifact, &tmp)?,
        }
        if target.is_dir() {
            let _ = std::fs::remove_dir_all(&target);
        }
        std::fs::rename(&tmp, &target)
            .map_err(|e| CliError::failed(format!("{}: {e}", target.display())))?;
        written.push(target);
    }
    Ok((written, stale))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page with its provenance marker replaced (or the block appended before `</body>`).
fn with_provenance(
    page: &[u8],
    pipeline_digest: &str,
    pipeline_path: &Path,
    published: (&str, &str),
    inputs: &[(String, String)],
) -> Vec<u8> {
    let mut block = format!(
        "<p>flow {} · pipeline <code>{}</code> · source digest <code>{pipeline_digest}</code></p>\n<p>{} · cache key <code>{}</code></p>\n<details><summary>cache keys of its {} inputs</summary><table>",
        env!("CARGO_PKG_VERSION"),
        escape(&pipeline_path.display().to_string()),
        escape(published.0),
        published.1,
        inputs.len()
    );
    for (node, key) in inputs {
        block.push_str(&format!(
            "<tr><td class=\"t\">{}</td><td class=\"t\"><code>{key}</code></td></tr>",
            escape(node)
        ));
    }
    block.push_str("</table></details>");
    let text = String::from_utf8_lossy(page);
    let out = if text.contains("<!-- flow:provenance -->") {
        text.replacen("<!-- flow:provenance -->", &block, 1)
    } else if let Some(at) = text.rfind("</body>") {
        format!("{}<footer>{block}</footer>{}", &text[..at], &text[at..])
    } else {
        format!("{text}{block}")
    };
    out.into_bytes()
}
