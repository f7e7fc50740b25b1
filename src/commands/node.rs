//! Finding the node a command names: by name in a pipeline (or a stage with a single node), or
//! by a prefix of its cache key; and its cached object.

use flow_cache::{Lookup, Object};
use flow_engine::Plan;
use flow_engine::exec::session::{NodeStatus, plan_status};
use petgraph::graph::NodeIndex;

use crate::cli::NodeArgs;
use crate::error::CliError;
use crate::workspace::Workspace;

/// A named node of a pipeline with its current status.
pub struct FoundNode {
    pub plan: Plan,
    pub index: NodeIndex,
    pub status: NodeStatus,
}

/// Resolves `args.node` in its pipeline.
pub fn find_in_pipeline(ws: &Workspace, args: &NodeArgs) -> Result<FoundNode, CliError> {
    let file = ws.pipeline_for_node(args.pipeline.as_deref())?;
    let plan = ws.plan(&file, &args.sets)?;
    let index = match plan.find(&args.node) {
        Some(i) => i,
        None => {
            let of_stage = plan.select(&args.node);
            match of_stage.len() {
                1 => of_stage[0],
                0 => {
                    let hint = flow_engine::diagnostic::did_you_mean(&args.node, plan.names())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    return Err(CliError::usage(format!(
                        "no node `{}` in pipeline `{}`{hint}",
                        args.node, plan.name
                    )));
                }
                n => {
                    let some: Vec<&str> = of_stage
                        .iter()
                        .take(5)
                        .map(|&i| plan.node(i).name.as_str())
                        .collect();
                    return Err(CliError::usage(format!(
                        "stage `{}` has {n} nodes; name one, e.g. `{}`",
                        args.node,
                        some.join("`, `")
                    )));
                }
            }
        }
    };
    let statuses = plan_status(&plan, &ws.store, &vec![false; plan.len()]);
    let status = statuses
        .into_iter()
        .find(|s| s.index == index)
        .ok_or_else(|| CliError::failed("node vanished from its plan"))?;
    Ok(FoundNode {
        plan,
        index,
        status,
    })
}

/// The cached object a node argument refers to: a key prefix (8+ hex digits), or a node name.
pub fn find_object(ws: &Workspace, args: &NodeArgs) -> Result<Object, CliError> {
    let text = args.node.to_ascii_lowercase();
    if text.len() >= 8 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        let matches: Vec<Object> = ws
            .store
            .objects()?
            .into_iter()
            .filter(|o| o.key.to_string().starts_with(&text))
            .collect();
        match matches.len() {
            1 => return Ok(matches.into_iter().next().unwrap_or_else(|| unreachable!())),
            0 => {}
            n => {
                return Err(CliError::usage(format!(
                    "key prefix {text} matches {n} artifacts; give more digits"
                )));
            }
        }
    }
    let found = find_in_pipeline(ws, args)?;
    let name = &found.plan.node(found.index).name;
    let digest = found.status.digest.ok_or_else(|| {
        CliError::failed(format!(
            "{name} has not been computed yet ({})",
            found.status.reason
        ))
    })?;
    match ws.store.get(&digest)? {
        Lookup::Present(o) => Ok(o),
        Lookup::Missing => Err(CliError::failed(format!(
            "{name} is not in the cache ({}); run the pipeline first",
            found.status.reason
        ))),
        Lookup::Corrupt { reason } => Err(CliError::failed(format!(
            "the cached result of {name} is corrupt: {reason}"
        ))),
    }
}
