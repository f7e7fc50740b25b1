//! Validation: [`RawPipeline`] → [`Pipeline`]. Everything a user can get wrong in a pipeline
//! file is caught here, before anything runs, as a [`Diagnostic`] pointing at the text: unknown
//! stage kinds, params and ports (with "did you mean"), ill-typed values, missing required params
//! and inputs, references to unknown stages or ports, port type mismatches, malformed sweeps,
//! sweeps over what is not a parameter, and cycles between stages. All problems are collected,
//! not just the first.
//!
//! The steps, one file each: this file walks every stage table ([`validate_stage`]); `params`
//! type-checks values, `inputs` resolves references to upstream ports, `instances` runs each
//! kind's own check on every parameter set a sweep expands to, `cycles` rejects cycles and
//! malformed `zip`.

mod cycles;
mod inputs;
mod instances;
mod params;

pub use params::{check_param, convert_param};

use std::collections::{BTreeMap, HashMap};

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::pipeline::load::{RawPipeline, RawStage};
use crate::pipeline::model::{InputDecl, Pipeline, Publication, StageDecl};
use crate::pipeline::raw::{RawEntry, RawValue};
use crate::pipeline::sweep::parse_axis;
use crate::source::{SourceMap, Spanned};
use crate::stage::{Cardinality, ParamType, StageKind};

use cycles::{check_cycles, check_zip};
use inputs::resolve_inputs;
use instances::check_instances;

/// Keys of a stage table that are neither params nor inputs.
pub const RESERVED_KEYS: &[&str] = &["kind", "seed", "threads", "zip", "group_by"];

pub fn validate(
    raw: RawPipeline,
    sources: SourceMap,
    catalog: &Catalog,
) -> Result<Pipeline, (SourceMap, Vec<Diagnostic>)> {
    let mut diags = Vec::new();
    let stage_names: Vec<&str> = raw.stages.keys().map(String::as_str).collect();
    let mut decls = Vec::new();
    // First pass: kinds, so that input references can check upstream ports.
    let mut kinds: HashMap<&str, std::sync::Arc<dyn StageKind>> = HashMap::new();
    for (name, stage) in &raw.stages {
        if let Some(kind) = resolve_kind(name, stage, catalog, &mut diags) {
            kinds.insert(name.as_str(), kind);
        }
    }
    for (name, stage) in &raw.stages {
        let Some(kind) = kinds.get(name.as_str()) else {
            continue;
        };
        if let Some(decl) = validate_stage(
            name,
            stage,
            kind.clone(),
            &kinds,
            &stage_names,
            &sources,
            &mut diags,
        ) {
            decls.push(decl);
        }
    }
    if diags.is_empty() {
        check_cycles(&decls, &mut diags);
    }
    let publish = publications(&raw.publish, &decls, &stage_names, &mut diags);
    if !diags.is_empty() {
        return Err((sources, diags));
    }
    let name = raw.name.map(|n| n.value).unwrap_or_else(|| {
        raw.path
            .file_stem()
            .map_or("pipeline".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Pipeline {
        name,
        path: raw.path,
        sources,
        stages: decls,
        executor: raw.executor,
        publish,
    })
}

/// `[publish]` entries: each `"path" = "stage.port"` (or `"stage.port/file"` for one file of a
/// `files` port) names an existing stage and output; the path is relative and stays inside the
/// results directory.
fn publications(
    table: &crate::pipeline::raw::RawTable,
    decls: &[StageDecl],
    stage_names: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Publication> {
    let mut out = Vec::new();
    for (path, entry) in table {
        let span = &entry.value.span;
        let RawValue::Str(target) = &entry.value.value else {
            diags.push(
                Diagnostic::at(
                    span,
                    format!(
                        "`publish.\"{path}\"` must be a string, found {}",
                        entry.value.value.type_name()
                    ),
                    "expected \"stage.port\"",
                )
                .help("write e.g. `\"report.html\" = \"report.page/report.html\"`"),
            );
            continue;
        };
        let p = std::path::Path::new(path);
        if path.is_empty()
            || p.is_absolute()
            || p.components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            diags.push(Diagnostic::at(
                &entry.key_span,
                format!("`{path}` must be a relative path inside the results directory"),
                "not a plain relative path",
            ));
            continue;
        }
        let (reference, file) = match target.split_once('/') {
            Some((r, f)) => (r, Some(f.to_string())),
            None => (target.as_str(), None),
        };
        let Some((stage, port)) = reference.split_once('.') else {
            diags.push(Diagnostic::at(
                span,
                format!("`{target}` is not `stage.port`"),
                "expected \"stage.port\" or \"stage.port/file\"",
            ));
            continue;
        };
        let Some(decl) = decls.iter().find(|d| d.name == stage) else {
            if stage_names.contains(&stage) {
                continue; // declared but invalid: its own diagnostics say why
            }
            diags.push(
                Diagnostic::at(
                    span,
                    format!("no stage `{stage}` to publish"),
                    "unknown stage",
                )
                .suggest(did_you_mean(stage, decls.iter().map(|d| d.name.as_str()))),
            );
            continue;
        };
        let outputs = decl.kind.outputs();
        let Some(spec) = outputs.iter().find(|o| o.name == port) else {
            diags.push(
                Diagnostic::at(
                    span,
                    format!(
                        "stage `{stage}` ({}) has no output `{port}`",
                        decl.kind.name()
                    ),
                    "unknown output",
                )
                .suggest(did_you_mean(port, outputs.iter().map(|o| o.name)))
                .help(format!(
                    "its outputs: {}",
                    outputs
                        .iter()
                        .map(|o| o.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            continue;
        };
        if file.is_some() && spec.ty != crate::artifact::ArtifactType::Files {
            diags.push(Diagnostic::at(
                span,
                format!(
                    "`{stage}.{port}` is a {}; only a files output has files to pick",
                    spec.ty
                ),
                "drop the `/file` part",
            ));
            continue;
        }
        out.push(Publication {
            path: path.clone(),
            stage: stage.to_string(),
            port: port.to_string(),
            file,
            span: span.clone(),
        });
    }
    out
}

fn resolve_kind(
    name: &str,
    stage: &RawStage,
    catalog: &Catalog,
    diags: &mut Vec<Diagnostic>,
) -> Option<std::sync::Arc<dyn StageKind>> {
    let Some(entry) = stage.entries.get("kind") else {
        diags.push(
            Diagnostic::at(
                &stage.name_span,
                format!("stage `{name}` has no `kind`"),
                "needs `kind = \"…\"`",
            )
            .help(format!(
                "known kinds: {}",
                catalog.names().collect::<Vec<_>>().join(", ")
            )),
        );
        return None;
    };
    let RawValue::Str(kind) = &entry.value.value else {
        diags.push(Diagnostic::at(
            &entry.value.span,
            "`kind` must be a string",
            "expected a stage kind name",
        ));
        return None;
    };
    match catalog.get(kind) {
        Some(k) => Some(k.clone()),
        None => {
            diags.push(
                Diagnostic::at(
                    &entry.value.span,
                    format!("unknown stage kind `{kind}`"),
                    "no such stage kind",
                )
                .suggest(did_you_mean(kind, catalog.names()))
                .help(format!(
                    "known kinds: {}",
                    catalog.names().collect::<Vec<_>>().join(", ")
                )),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_stage(
    name: &str,
    stage: &RawStage,
    kind: std::sync::Arc<dyn StageKind>,
    kinds: &HashMap<&str, std::sync::Arc<dyn StageKind>>,
    stage_names: &[&str],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<StageDecl> {
    let before = diags.len();
    let specs = kind.params();
    let ports = kind.inputs();
    let kind_name = kind.name();
    let mut params = BTreeMap::new();
    let mut inputs = Vec::new();
    let mut seed = 0u64;
    let mut threads = None;
    let mut zip_entry: Option<&RawEntry> = None;
    let mut group_by = Vec::new();
    // Keys written, even if their values were rejected (so a bad value is not also "missing").
    let written: Vec<&str> = stage
        .entries
        .keys()
        .chain(stage.sweep.keys())
        .map(String::as_str)
        .collect();

    for (key, entry) in &stage.entries {
        let value = &entry.value;
        match key.as_str() {
            "kind" => {}
            "seed" => match value.value {
                RawValue::Int(s) if s >= 0 => seed = s as u64,
                _ => diags.push(Diagnostic::at(
                    &value.span,
                    "`seed` must be a non-negative integer",
                    "expected an integer ≥ 0",
                )),
            },
            "threads" => match value.value {
                RawValue::Int(t) if t >= 1 => threads = Some(t as usize),
                _ => diags.push(Diagnostic::at(
                    &value.span,
                    "`threads` must be a positive integer",
                    "expected an integer ≥ 1",
                )),
            },
            "zip" => zip_entry = Some(entry),
            "group_by" => match &value.value {
                RawValue::Str(s) => group_by.push(Spanned::new(s.clone(), value.span.clone())),
                RawValue::Array(items) => {
                    for item in items {
                        match &item.value {
                            RawValue::Str(s) => {
                                group_by.push(Spanned::new(s.clone(), item.span.clone()))
                            }
                            _ => diags.push(Diagnostic::at(
                                &item.span,
                                "`group_by` takes axis names",
                                "expected a string",
                            )),
                        }
                    }
                }
                _ => diags.push(Diagnostic::at(
                    &value.span,
                    "`group_by` takes an axis name or a list of them",
                    "expected a string or list",
                )),
            },
            _ => {
                if let Some(spec) = specs.iter().find(|s| s.name == key) {
                    if let Some(v) = check_param(spec, value, sources, diags) {
                        params.insert(key.clone(), Spanned::new(v, value.span.clone()));
                    }
                } else if let Some(port) = ports.iter().find(|p| p.name == key) {
                    if let Some(sources) =
                        resolve_inputs(name, port, value, kinds, stage_names, diags)
                    {
                        inputs.push(InputDecl {
                            port: port.clone(),
                            sources,
                        });
                    }
                } else {
                    let candidates: Vec<&str> = specs
                        .iter()
                        .map(|s| s.name)
                        .chain(ports.iter().map(|p| p.name))
                        .chain(RESERVED_KEYS.iter().copied())
                        .chain(["sweep"])
                        .collect();
                    diags.push(
                        Diagnostic::at(
                            &entry.key_span,
                            format!("unknown parameter `{key}` for stage kind `{kind_name}`"),
                            "unknown parameter",
                        )
                        .suggest(did_you_mean(key, candidates))
                        .help(describe_kind(kind.as_ref())),
                    );
                }
            }
        }
    }

    // Sweeps.
    let mut axes = Vec::new();
    for (key, entry) in &stage.sweep {
        let spec = if key == "seed" {
            None
        } else if let Some(spec) = specs.iter().find(|s| s.name == key) {
            Some(spec)
        } else {
            let what = if ports.iter().any(|p| p.name == key) {
                "an input port"
            } else {
                "not a parameter"
            };
            let candidates: Vec<&str> = specs.iter().map(|s| s.name).chain(["seed"]).collect();
            diags.push(
                Diagnostic::at(
                    &entry.key_span,
                    format!("cannot sweep `{key}`: {what} of stage kind `{kind_name}`"),
                    "not a parameter",
                )
                .suggest(did_you_mean(key, candidates))
                .help("only parameters and `seed` can be swept"),
            );
            continue;
        };
        if params.contains_key(key) {
            let fixed = &params[key];
            diags.push(
                Diagnostic::at(
                    &entry.key_span,
                    format!("`{key}` is both set and swept"),
                    "swept here",
                )
                .also(&fixed.span, "set here"),
            );
            continue;
        }
        if let Some(axis) = parse_axis(key, spec, entry, sources, diags) {
            axes.push(axis);
        }
    }
    let zip = match zip_entry {
        None => false,
        Some(entry) => check_zip(entry, &axes, diags),
    };

    // Defaults and required params.
    let mut path_params = Vec::new();
    for spec in &specs {
        if spec.ty == ParamType::Path {
            path_params.push(spec.name.to_string());
        }
        if params.contains_key(spec.name) || written.contains(&spec.name) {
            continue;
        }
        match &spec.default {
            Some(d) => {
                params.insert(
                    spec.name.to_string(),
                    Spanned::new(d.clone(), stage.name_span.clone()),
                );
            }
            None => diags.push(
                Diagnostic::at(
                    &stage.name_span,
                    format!(
                        "stage `{name}` (kind `{kind_name}`) needs parameter `{}`",
                        spec.name
                    ),
                    "missing parameter",
                )
                .help(format!(
                    "`{}`: {} — {}",
                    spec.name,
                    spec.ty.describe(),
                    spec.doc
                )),
            ),
        }
    }
    // Required inputs.
    for port in &ports {
        if !port.optional && !written.contains(&port.name) {
            let many = if port.cardinality == Cardinality::Many {
                ", gathered"
            } else {
                ""
            };
            diags.push(
                Diagnostic::at(
                    &stage.name_span,
                    format!(
                        "stage `{name}` (kind `{kind_name}`) needs input `{}`",
                        port.name
                    ),
                    "missing input",
                )
                .help(format!(
                    "`{} = \"STAGE\"`: {}{many} — {}",
                    port.name, port.ty, port.doc
                )),
            );
        }
    }
    if diags.len() > before {
        return None;
    }
    if !check_instances(
        name,
        &stage.name_span,
        kind.as_ref(),
        &params,
        &axes,
        zip,
        &inputs,
        diags,
    ) {
        return None;
    }
    Some(StageDecl {
        name: name.to_string(),
        name_span: stage.name_span.clone(),
        kind,
        params,
        path_params,
        axes,
        zip,
        inputs,
        group_by,
        seed,
        threads,
    })
}

/// A one-line description of a kind's params and ports, for help notes.
pub fn describe_kind(kind: &dyn StageKind) -> String {
    let params: Vec<&str> = kind.params().iter().map(|p| p.name).collect();
    let inputs: Vec<&str> = kind.inputs().iter().map(|p| p.name).collect();
    format!(
        "`{}` takes parameters [{}] and inputs [{}]; see `flow kinds {}`",
        kind.name(),
        params.join(", "),
        inputs.join(", "),
        kind.name()
    )
}
