//! Where things are for one command: the cache directory (`--cache`, `FLOW_CACHE`, or `.flow/`
//! beside the pipeline file), the catalog, and the pipeline and plan a command works on. The
//! pipeline a user last ran with a cache is remembered in it ([`Store::last_pipeline`]), so that
//! `flow explain NODE` needs no `-p FILE`. Commands that only look open the cache read-only.

use std::path::{Path, PathBuf};

use flow_cache::Store;
use flow_engine::{Catalog, Pipeline, Plan};

use crate::cli::{ColorChoice, Global};
use crate::error::CliError;

pub struct Workspace {
    pub store: Store,
    pub catalog: Catalog,
    pub color: bool,
}

/// Whether to colour messages on stderr.
pub fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// The cache directory: `--cache`/`FLOW_CACHE`, else `.flow/` beside the pipeline file, else
/// `.flow/` here.
fn cache_root(global: &Global, pipeline: Option<&Path>) -> PathBuf {
    match (&global.cache, pipeline) {
        (Some(dir), _) => dir.clone(),
        (None, Some(file)) => file
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            .join(".flow"),
        (None, None) => PathBuf::from(".flow"),
    }
}

impl Workspace {
    /// Opens the cache for a command about `pipeline` (or about no pipeline: the current directory).
    pub fn open(global: &Global, pipeline: Option<&Path>) -> Result<Workspace, CliError> {
        let store = Store::open(cache_root(global, pipeline))?;
        Ok(Workspace {
            store,
            catalog: flow_stages::catalog(),
            color: use_color(global.color),
        })
    }

    /// [`Workspace::open`] for commands that only look (`plan`, `status`, `dag`, `explain`,
    /// `show`): the cache is opened read-only, so they write nothing, not even a directory.
    pub fn open_read_only(global: &Global, pipeline: Option<&Path>) -> Workspace {
        Workspace {
            store: Store::open_read_only(cache_root(global, pipeline)),
            catalog: flow_stages::catalog(),
            color: use_color(global.color),
        }
    }

    /// Loads, validates and expands a pipeline, remembering it as this user's last pipeline with
    /// the cache (unless the cache was opened read-only).
    pub fn load(&self, file: &Path, sets: &[String]) -> Result<(Pipeline, Plan), CliError> {
        let pipeline = flow_engine::load_pipeline(file, sets, &self.catalog)
            .map_err(|e| CliError::Pipeline(e, self.color))?;
        let plan =
            flow_engine::plan::plan(&pipeline).map_err(|e| CliError::Pipeline(e, self.color))?;
        if !self.store.is_read_only() {
            let _ = self.store.set_last_pipeline(&pipeline.path);
        }
        Ok((pipeline, plan))
    }

    /// [`Workspace::load`], for commands that need only the plan.
    pub fn plan(&self, file: &Path, sets: &[String]) -> Result<Plan, CliError> {
        self.load(file, sets).map(|(_, plan)| plan)
    }

    /// The pipeline a node command refers to: the one given, or the last one used with this cache.
    pub fn pipeline_for_node(&self, given: Option<&Path>) -> Result<PathBuf, CliError> {
        if let Some(p) = given {
            return Ok(p.to_path_buf());
        }
        self.store.last_pipeline().ok_or_else(|| {
            CliError::usage(format!(
                "which pipeline? no pipeline has been run with the cache {} yet; give `-p FILE`",
                self.store.root().display()
            ))
        })
    }
}

/// Resolves `--force`/`--until` names to nodes, with "did you mean" for typos.
pub fn select_nodes(plan: &Plan, names: &[String], flag: &str) -> Result<Vec<bool>, CliError> {
    let mut mask = vec![false; plan.len()];
    for name in names {
        let found = plan.select(name);
        if found.is_empty() {
            let hint = flow_engine::diagnostic::did_you_mean(
                name,
                plan.names()
                    .chain(plan.order.iter().map(|&i| plan.node(i).stage.as_str())),
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            return Err(CliError::usage(format!(
                "{flag} {name}: no such node or stage in pipeline `{}`{hint}",
                plan.name
            )));
        }
        for i in found {
            mask[i.index()] = true;
        }
    }
    Ok(mask)
}
