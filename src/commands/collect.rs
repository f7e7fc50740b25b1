//! `flow collect FILE STAGE…`: a sweep's results as one table. For each stage named, every node
//! of the plan with its coordinates, key and status, and the cached result of the port asked for
//! (the JSON `result` by default); flow-collect makes the polars table, joins the stages, applies
//! `--where`/`--group-by`/`--sort`, and prints it or writes it (`--to`). Read-only: it computes
//! nothing and writes nothing to the cache.

use std::collections::HashMap;

use flow_cache::Lookup;
use flow_collect::{Aggregate, Collection, Filter, NodeRecord, Query, SortKey, stage_table};
use flow_engine::exec::session::{NodeStatus, plan_status};
use flow_engine::plan::PlanNode;
use flow_engine::{Artifact, ArtifactType, Plan};
use serde_json::Value;

use crate::cli::{CollectArgs, Global};
use crate::error::CliError;
use crate::workspace::Workspace;

/// Terminal formatting for the table: `rows` rows at most (polars elides the middle), wide
/// enough for node names, and not wrapped at 100 columns when the output is not a terminal
/// (polars measures a terminal itself). Called before anything else runs (polars reads these
/// from the environment); a user's own `POLARS_*` settings win.
pub fn configure_terminal(rows: usize) {
    use std::io::IsTerminal;
    let width = if std::io::stdout().is_terminal() {
        None
    } else {
        Some(("POLARS_TABLE_WIDTH", "240".to_string()))
    };
    for (name, value) in width.into_iter().chain([
        ("POLARS_FMT_MAX_ROWS", rows.to_string()),
        ("POLARS_FMT_MAX_COLS", "16".to_string()),
        ("POLARS_FMT_STR_LEN", "48".to_string()),
        ("POLARS_FMT_TABLE_ROUNDED_CORNERS", "1".to_string()),
    ]) {
        if std::env::var_os(name).is_none() {
            // SAFETY: called from `dispatch` before any thread is started, so nothing reads the
            // environment concurrently.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

pub fn collect(global: &Global, args: &CollectArgs) -> Result<i32, CliError> {
    let ws = Workspace::open_read_only(global, Some(&args.file));
    let plan = ws.plan(&args.file, &args.sets)?;
    let statuses: HashMap<_, NodeStatus> = plan_status(&plan, &ws.store, &vec![false; plan.len()])
        .into_iter()
        .map(|s| (s.index, s))
        .collect();
    let mut tables = Vec::new();
    for spec in &args.stages {
        let (stage, port) = resolve_stage(&plan, spec)?;
        let mut records = Vec::new();
        for index in plan.select(&stage) {
            let node = plan.node(index);
            let status = &statuses[&index];
            records.push(record(&ws, node, status, &port)?);
        }
        let label = if spec.contains('.') {
            spec.clone()
        } else {
            stage.clone()
        };
        tables.push(stage_table(
            &label,
            &records,
            &args.field,
            args.include_missing,
        )?);
    }
    let collection = Collection::join(tables)?;
    let query = Query {
        filters: args
            .filters
            .iter()
            .map(|f| Filter::parse(f))
            .collect::<Result<_, _>>()?,
        group_by: args.group_by.clone(),
        aggregates: Aggregate::parse_list(&args.agg)?,
        sort: args.sort.iter().map(|s| SortKey::parse(s)).collect(),
    };
    let mut frame = query.apply(collection.frame)?;
    match &args.to {
        Some(path) => {
            flow_collect::output::write(&mut frame, path)?;
            say!(
                "wrote {} rows × {} columns to {}",
                frame.height(),
                frame.width(),
                path.display()
            );
        }
        None => println!("{}", flow_collect::output::render(&frame)?),
    }
    Ok(0)
}

/// `STAGE` or `STAGE.PORT` → the stage and the port to read, checked against the plan.
fn resolve_stage(plan: &Plan, spec: &str) -> Result<(String, String), CliError> {
    let (stage, port) = match spec.split_once('.') {
        Some((s, p)) => (s, Some(p)),
        None => (spec, None),
    };
    let first = plan.select(stage).into_iter().next().ok_or_else(|| {
        let mut stages: Vec<&str> = plan
            .order
            .iter()
            .map(|&i| plan.node(i).stage.as_str())
            .collect();
        stages.dedup();
        let hint = flow_engine::diagnostic::did_you_mean(stage, stages.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        CliError::usage(format!(
            "no stage `{stage}` in pipeline `{}`{hint}",
            plan.name
        ))
    })?;
    let outputs = &plan.node(first).outputs;
    let names = || outputs.iter().map(|(n, _)| n.as_str());
    let port = match port {
        Some(p) if outputs.iter().any(|(n, _)| n == p) => p.to_string(),
        Some(p) => {
            let hint = flow_engine::diagnostic::did_you_mean(p, names())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(CliError::usage(format!(
                "stage `{stage}` has no output `{p}` (it has {}){hint}",
                names().collect::<Vec<_>>().join(", ")
            )));
        }
        None => {
            let json: Vec<&str> = outputs
                .iter()
                .filter(|(_, t)| *t == ArtifactType::Json)
                .map(|(n, _)| n.as_str())
                .collect();
            match json.as_slice() {
                _ if json.contains(&"result") => "result".to_string(),
                [only] => only.to_string(),
                _ => {
                    return Err(CliError::usage(format!(
                        "stage `{stage}` has no single JSON result; name a port: {}",
                        names()
                            .map(|n| format!("`{stage}.{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    };
    if outputs
        .iter()
        .any(|(n, t)| *n == port && *t == ArtifactType::Files)
    {
        return Err(CliError::usage(format!(
            "`{stage}.{port}` is a folder of files, not a table or a JSON result"
        )));
    }
    Ok((stage.to_string(), port))
}

/// One node's record: its coordinates, key, status and (when cached) the port's rows.
fn record(
    ws: &Workspace,
    node: &PlanNode,
    status: &NodeStatus,
    port: &str,
) -> Result<NodeRecord, CliError> {
    let mut record = NodeRecord {
        node: node.name.clone(),
        coords: node.coords.clone(),
        key: status.digest.map(|d| d.to_string()),
        status: if status.cached {
            "cached".into()
        } else {
            status.reason.clone()
        },
        rows: Vec::new(),
    };
    let Some(digest) = status.digest.filter(|_| status.cached) else {
        return Ok(record);
    };
    let object = match ws.store.get(&digest)? {
        Lookup::Present(o) => o,
        Lookup::Missing => return Ok(record),
        Lookup::Corrupt { reason } => {
            record.status = format!("corrupt: {reason}");
            return Ok(record);
        }
    };
    let ty = node
        .outputs
        .iter()
        .find(|(n, _)| n == port)
        .map_or(ArtifactType::Json, |(_, t)| *t);
    if let Err(reason) = object.check_port(port) {
        record.status = format!("corrupt: {reason}");
        return Ok(record);
    }
    record.rows = match Artifact::load(&object.port_dir(port), ty)? {
        Artifact::Json(value) => vec![value],
        Artifact::Table(batch) => match flow_tableio::batch_to_json_rows(&batch)? {
            Value::Array(rows) => rows,
            other => vec![other],
        },
        Artifact::Files(_) => Vec::new(),
    };
    Ok(record)
}
