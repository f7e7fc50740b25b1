//! Validation: [`RawPipeline`] → [`Pipeline`]. Everything a user can get wrong in a pipeline
//! file is caught here, before anything runs, as a [`Diagnostic`] pointing at the text: unknown
//! stage kinds, params and ports (with "did you mean"), ill-typed values, missing required params
//! and inputs, references to unknown stages or ports, port type mismatches, malformed sweeps,
//! sweeps over what is not a parameter, and cycles between stages. All problems are collected,
//! not just the first.

use std::collections::{BTreeMap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::pipeline::load::{RawPipeline, RawStage};
use crate::pipeline::model::{Axis, InputDecl, Pipeline, SourceRef, StageDecl};
use crate::pipeline::raw::{RawEntry, RawValue};
use crate::pipeline::sweep::parse_axis;
use crate::source::{SourceMap, Span, Spanned};
use crate::stage::{
    Cardinality, ConnectedPorts, ParamSpec, ParamType, StageError, StageKind, quote_list,
};
use crate::value::ParamValue;

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
    })
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

/// Runs the kind's own [`StageKind::check`] on every distinct parameter set the stage's sweep
/// expands to (the `seed` axis changes no parameter, so it is left out), reporting each failure
/// at the value that caused it: the swept value (naming the instance), the written parameter, or
/// the input. Returns whether every instance passed.
#[allow(clippy::too_many_arguments)]
fn check_instances(
    name: &str,
    name_span: &Span,
    kind: &dyn StageKind,
    params: &BTreeMap<String, Spanned<ParamValue>>,
    axes: &[Axis],
    zip: bool,
    inputs: &[InputDecl],
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let connected = ConnectedPorts::new(inputs.iter().map(|i| i.port.name));
    let swept: Vec<&Axis> = axes.iter().filter(|a| a.name != "seed").collect();
    // Each instance as one index into every swept axis.
    let mut instances: Vec<Vec<usize>> = vec![Vec::new()];
    if zip && !swept.is_empty() {
        instances = (0..swept[0].values.len())
            .map(|i| vec![i; swept.len()])
            .collect();
    } else {
        for axis in &swept {
            instances = instances
                .into_iter()
                .flat_map(|prefix| {
                    (0..axis.values.len()).map(move |i| {
                        let mut next = prefix.clone();
                        next.push(i);
                        next
                    })
                })
                .collect();
        }
    }
    let mut fixed = crate::params::Params::default();
    for (k, v) in params {
        fixed.0.insert(k.clone(), v.value.clone());
    }
    // A bad fixed value fails every instance: report each (message, place) once.
    let mut reported = std::collections::BTreeSet::new();
    for instance in instances {
        let mut all = fixed.clone();
        for (axis, &i) in swept.iter().zip(&instance) {
            all.0.insert(axis.name.clone(), axis.values[i].clone());
        }
        let Err(e) = kind.check(&all, &connected) else {
            continue;
        };
        let swept_value = match &e {
            StageError::Param { name: param, .. } => swept
                .iter()
                .zip(&instance)
                .find(|(a, _)| &a.name == param)
                .map(|(a, &i)| a.value_spans[i].clone()),
            _ => None,
        };
        let (span, label, message) = if let Some(span) = swept_value {
            let at: Vec<String> = swept
                .iter()
                .zip(&instance)
                .map(|(a, &i)| format!("{}={}", a.name, a.values[i]))
                .collect();
            let message = format!("stage `{name}` at [{}]: {e}", at.join(","));
            (span, "this swept value", message)
        } else {
            let message = format!("stage `{name}`: {e}");
            match &e {
                StageError::Param { name: param, .. } => match params.get(param) {
                    Some(v) if v.span != *name_span => (v.span.clone(), "this value", message),
                    _ => (name_span.clone(), "invalid parameters", message),
                },
                StageError::Input { port, .. } => {
                    match inputs
                        .iter()
                        .find(|i| i.port.name == port)
                        .and_then(|i| i.sources.first())
                    {
                        Some(source) => (source.span.clone(), "this input", message),
                        None => (name_span.clone(), "input not connected", message),
                    }
                }
                _ => (name_span.clone(), "invalid parameters", message),
            }
        };
        // The same failure at the same value is reported once, at its first instance.
        if reported.insert((e.to_string(), span.file, span.range.start)) {
            diags.push(Diagnostic::at(&span, message, label));
        }
    }
    reported.is_empty()
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

/// Type-checks one param value; path params are resolved against the declaring file.
pub fn check_param(
    spec: &ParamSpec,
    value: &Spanned<RawValue>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<ParamValue> {
    match convert_param(&spec.ty, &value.value) {
        Ok(ParamValue::Str(p)) if spec.ty == ParamType::Path => {
            let resolved = sources.base_dir(value.span.file).join(&p);
            if !resolved.exists() {
                diags.push(Diagnostic::at(
                    &value.span,
                    format!("parameter `{}`: no file {}", spec.name, resolved.display()),
                    "file not found",
                ));
                return None;
            }
            Some(ParamValue::Str(resolved.to_string_lossy().into_owned()))
        }
        Ok(v) => Some(v),
        Err(message) => {
            let mut d = Diagnostic::at(
                &value.span,
                format!(
                    "parameter `{}` must be {}, found {}",
                    spec.name,
                    spec.ty.describe(),
                    value.value.type_name()
                ),
                message,
            );
            if let (ParamType::Choice(options), RawValue::Str(s)) = (&spec.ty, &value.value) {
                d = d.suggest(did_you_mean(s, options.iter().copied()));
            }
            diags.push(d);
            None
        }
    }
}

/// Converts a raw value to a param value of type `ty`, or says what was expected.
pub fn convert_param(ty: &ParamType, value: &RawValue) -> Result<ParamValue, String> {
    let finite = |f: f64| {
        if f.is_finite() {
            Ok(ParamValue::Float(f))
        } else {
            Err("expected a finite number".to_string())
        }
    };
    match (ty, value) {
        (ParamType::Bool, RawValue::Bool(b)) => Ok(ParamValue::Bool(*b)),
        (ParamType::Int, RawValue::Int(i)) => Ok(ParamValue::Int(*i)),
        (ParamType::Float, RawValue::Float(f)) => finite(*f),
        (ParamType::Float, RawValue::Int(i)) => Ok(ParamValue::Float(*i as f64)),
        (ParamType::Str | ParamType::Path, RawValue::Str(s)) => Ok(ParamValue::Str(s.clone())),
        (ParamType::Choice(options), RawValue::Str(s)) => {
            if options.contains(&s.as_str()) {
                Ok(ParamValue::Str(s.clone()))
            } else {
                Err(format!("expected {}", quote_list(options)))
            }
        }
        (ParamType::FloatList, RawValue::Array(items)) => items
            .iter()
            .map(|i| convert_param(&ParamType::Float, &i.value))
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        (ParamType::IntList, RawValue::Array(items)) => items
            .iter()
            .map(|i| convert_param(&ParamType::Int, &i.value))
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        (ty, _) => Err(format!("expected {}", ty.describe())),
    }
}

fn resolve_inputs(
    stage_name: &str,
    port: &crate::stage::PortSpec,
    value: &Spanned<RawValue>,
    kinds: &HashMap<&str, std::sync::Arc<dyn StageKind>>,
    stage_names: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<SourceRef>> {
    let refs: Vec<(String, Span)> = match &value.value {
        RawValue::Str(s) => vec![(s.clone(), value.span.clone())],
        RawValue::Array(items) if port.cardinality == Cardinality::Many => {
            let mut refs = Vec::new();
            for item in items {
                match &item.value {
                    RawValue::Str(s) => refs.push((s.clone(), item.span.clone())),
                    _ => diags.push(Diagnostic::at(
                        &item.span,
                        "an input names a stage",
                        "expected \"STAGE\" or \"STAGE.PORT\"",
                    )),
                }
            }
            refs
        }
        RawValue::Array(_) => {
            diags.push(
                Diagnostic::at(
                    &value.span,
                    format!("input `{}` takes one upstream, not a list", port.name),
                    "expected one \"STAGE\"",
                )
                .help("a swept upstream is mapped: one node per upstream instance"),
            );
            return None;
        }
        other => {
            diags.push(Diagnostic::at(
                &value.span,
                format!(
                    "input `{}` must name a stage, found {}",
                    port.name,
                    other.type_name()
                ),
                "expected \"STAGE\" or \"STAGE.PORT\"",
            ));
            return None;
        }
    };
    let mut out = Vec::new();
    for (text, span) in refs {
        let (up, up_port) = match text.split_once('.') {
            Some((s, p)) => (s.to_string(), Some(p.to_string())),
            None => (text.clone(), None),
        };
        if up == stage_name {
            diags.push(Diagnostic::at(
                &span,
                format!("stage `{stage_name}` reads its own output"),
                "a stage cannot be its own input",
            ));
            continue;
        }
        let Some(up_kind) = kinds.get(up.as_str()) else {
            if !stage_names.contains(&up.as_str()) {
                diags.push(
                    Diagnostic::at(
                        &span,
                        format!("input `{}` names no stage `{up}`", port.name),
                        "unknown stage",
                    )
                    .suggest(did_you_mean(&up, stage_names.iter().copied())),
                );
            }
            continue;
        };
        let outputs = up_kind.outputs();
        let chosen = match &up_port {
            Some(p) => outputs.iter().find(|o| o.name == p),
            None if outputs.len() == 1 => outputs.first(),
            None => outputs.iter().find(|o| o.name == port.name),
        };
        let Some(out_port) = chosen else {
            let names: Vec<&str> = outputs.iter().map(|o| o.name).collect();
            let message = match &up_port {
                Some(p) => format!(
                    "stage `{up}` (kind `{}`) has no output `{p}`",
                    up_kind.name()
                ),
                None => format!("stage `{up}` has several outputs; say which one"),
            };
            diags.push(
                Diagnostic::at(&span, message, "unknown output")
                    .suggest(
                        up_port
                            .as_deref()
                            .and_then(|p| did_you_mean(p, names.iter().copied())),
                    )
                    .help(format!(
                        "outputs of `{up}`: {}",
                        names
                            .iter()
                            .map(|n| format!("{up}.{n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
            continue;
        };
        if out_port.ty != port.ty {
            diags.push(Diagnostic::at(
                &span,
                format!(
                    "input `{}` of `{stage_name}` takes {}, but `{up}.{}` is {}",
                    port.name, port.ty, out_port.name, out_port.ty
                ),
                "wrong artifact type",
            ));
            continue;
        }
        out.push(SourceRef {
            stage: up,
            port: out_port.name.to_string(),
            ty: out_port.ty,
            span,
        });
    }
    Some(out)
}

fn check_zip(entry: &RawEntry, axes: &[Axis], diags: &mut Vec<Diagnostic>) -> bool {
    match &entry.value.value {
        RawValue::Bool(z) => {
            if *z {
                let lens: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
                if lens.windows(2).any(|w| w[0] != w[1]) {
                    let sizes: Vec<String> = axes
                        .iter()
                        .map(|a| format!("{} has {}", a.name, a.values.len()))
                        .collect();
                    diags.push(Diagnostic::at(
                        &entry.value.span,
                        "zipped axes must have the same length",
                        sizes.join(", "),
                    ));
                }
            }
            *z
        }
        _ => {
            diags.push(
                Diagnostic::at(&entry.value.span, "`zip` must be true or false", "expected a boolean")
                    .help("`zip = true` pairs the stage's sweep axes element by element instead of crossing them"),
            );
            false
        }
    }
}

/// A cycle between stages is an error that prints the cycle.
fn check_cycles(decls: &[StageDecl], diags: &mut Vec<Diagnostic>) {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..decls.len()).map(|i| graph.add_node(i)).collect();
    let index: HashMap<&str, usize> = decls
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    for (i, d) in decls.iter().enumerate() {
        for input in &d.inputs {
            for s in &input.sources {
                if let Some(&j) = index.get(s.stage.as_str()) {
                    graph.add_edge(nodes[j], nodes[i], ());
                }
            }
        }
    }
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        // Walk the cycle: from one member, follow edges that stay inside the component.
        let members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        let start = *members.iter().min().unwrap_or(&members[0]);
        let mut path = vec![start];
        let mut current = start;
        loop {
            let next = graph
                .neighbors(nodes[current])
                .map(|n| graph[n])
                .filter(|m| members.contains(m))
                .min_by_key(|m| (path.contains(m) && *m != start, *m));
            match next {
                Some(n) if n == start || path.contains(&n) => {
                    path.push(n);
                    break;
                }
                Some(n) => {
                    path.push(n);
                    current = n;
                }
                None => break,
            }
        }
        let names: Vec<&str> = path.iter().map(|&i| decls[i].name.as_str()).collect();
        let first = &decls[start];
        let mut d = Diagnostic::at(
            &first.name_span,
            format!("the stages form a cycle: {}", names.join(" → ")),
            "part of the cycle",
        );
        for &i in &path[1..path.len().saturating_sub(1)] {
            d = d.also(&decls[i].name_span, "part of the cycle");
        }
        diags.push(d.help("a pipeline is a DAG: remove one of these inputs"));
    }
}
