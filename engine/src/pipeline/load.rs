//! Loading a pipeline: read the file, follow `extends` (the child's values override the
//! parent's, key by key within each stage), then apply `--set stage.key=value` overrides from
//! the command line. The result is still unvalidated ([`RawPipeline`]), but every value keeps
//! the span of the file (or `--set` argument) it came from.
//!
//! Override rules: setting a key removes a sweep of the same key inherited from the parent, and
//! sweeping a key removes a fixed value of it; a child stage with a different `kind` replaces the
//! parent's stage entirely.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::pipeline::raw::{RawEntry, RawTable, RawValue, parse_document, parse_value};
use crate::source::{SourceMap, Span, Spanned};

/// One stage as written, after `extends` and `--set`.
#[derive(Clone, Debug)]
pub struct RawStage {
    pub name_span: Span,
    /// Everything but `sweep`.
    pub entries: IndexMap<String, RawEntry>,
    /// `sweep.NAME = …` entries.
    pub sweep: IndexMap<String, RawEntry>,
}

/// A pipeline as written, after `extends` and `--set`.
#[derive(Clone, Debug)]
pub struct RawPipeline {
    pub path: PathBuf,
    pub name: Option<Spanned<String>>,
    pub stages: IndexMap<String, RawStage>,
    pub executor: Option<RawTable>,
    /// `[publish]`: result file → `stage.port[/file]` (a child's entries override its parent's).
    pub publish: RawTable,
}

/// Why a pipeline could not be loaded: diagnostics over the sources read so far.
#[derive(Debug)]
pub struct LoadFailure {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

const TOP_KEYS: &[&str] = &["pipeline", "stages", "executor", "publish"];
const PIPELINE_KEYS: &[&str] = &["name", "extends", "description"];

/// Reads `path` (and what it extends) and applies `sets` (each `stage.key=value`).
pub fn load(path: &Path, sets: &[String]) -> Result<(RawPipeline, SourceMap), LoadFailure> {
    let mut sources = SourceMap::new();
    let mut chain = Vec::new();
    let mut diagnostics = Vec::new();
    let loaded = load_file(path, &mut sources, &mut chain, None, &mut diagnostics);
    let mut raw = match loaded {
        Some(raw) if diagnostics.is_empty() => raw,
        _ => {
            return Err(LoadFailure {
                sources,
                diagnostics,
            });
        }
    };
    apply_sets(&mut raw, sets, &mut sources, &mut diagnostics);
    if diagnostics.is_empty() {
        Ok((raw, sources))
    } else {
        Err(LoadFailure {
            sources,
            diagnostics,
        })
    }
}

fn load_file(
    path: &Path,
    sources: &mut SourceMap,
    chain: &mut Vec<PathBuf>,
    from: Option<&Span>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<RawPipeline> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let message = format!("cannot read pipeline {}: {e}", path.display());
            diagnostics.push(match from {
                Some(span) => Diagnostic::at(span, message, "extended here"),
                None => Diagnostic::new(message),
            });
            return None;
        }
    };
    if chain.contains(&canonical) {
        let cycle: Vec<String> = chain
            .iter()
            .chain([&canonical])
            .map(|p| p.display().to_string())
            .collect();
        let d = Diagnostic::new(format!("`extends` forms a cycle: {}", cycle.join(" → ")));
        diagnostics.push(match from {
            Some(span) => d.label(span, "extended here"),
            None => d,
        });
        return None;
    }
    chain.push(canonical.clone());
    let file = sources.add(path.display().to_string(), Some(canonical.clone()), text);
    let doc = match parse_document(&sources.get(file).text, file) {
        Ok(doc) => doc,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };

    let mut name = None;
    let mut extends = None;
    let mut stages = IndexMap::new();
    let mut executor = None;
    let mut publish = RawTable::new();
    for (key, entry) in doc {
        match key.as_str() {
            "pipeline" => match entry.value.value {
                RawValue::Table(t) => {
                    for (k, e) in t {
                        match (k.as_str(), e.value.value) {
                            ("name", RawValue::Str(s)) => {
                                name = Some(Spanned::new(s, e.value.span))
                            }
                            ("extends", RawValue::Str(s)) => {
                                extends = Some(Spanned::new(s, e.value.span))
                            }
                            ("description", RawValue::Str(_)) => {}
                            (k, v) if PIPELINE_KEYS.contains(&k) => {
                                diagnostics.push(Diagnostic::at(
                                    &e.value.span,
                                    format!(
                                        "`pipeline.{k}` must be a string, found {}",
                                        v.type_name()
                                    ),
                                    "expected a string",
                                ))
                            }
                            (k, _) => diagnostics.push(
                                Diagnostic::at(
                                    &e.key_span,
                                    format!("unknown key `pipeline.{k}`"),
                                    "unknown key",
                                )
                                .suggest(did_you_mean(k, PIPELINE_KEYS.iter().copied()))
                                .help(format!("[pipeline] takes {}", PIPELINE_KEYS.join(", "))),
                            ),
                        }
                    }
                }
                other => diagnostics.push(Diagnostic::at(
                    &entry.value.span,
                    format!("`pipeline` must be a table, found {}", other.type_name()),
                    "expected [pipeline]",
                )),
            },
            "stages" => match entry.value.value {
                RawValue::Table(t) => {
                    for (stage_name, e) in t {
                        match e.value.value {
                            RawValue::Table(body) => {
                                stages
                                    .insert(stage_name, split_sweep(e.key_span, body, diagnostics));
                            }
                            other => diagnostics.push(Diagnostic::at(
                                &e.value.span,
                                format!(
                                    "stage `{stage_name}` must be a table, found {}",
                                    other.type_name()
                                ),
                                "expected [stages.NAME]",
                            )),
                        }
                    }
                }
                other => diagnostics.push(Diagnostic::at(
                    &entry.value.span,
                    format!("`stages` must be a table, found {}", other.type_name()),
                    "expected [stages.NAME] tables",
                )),
            },
            "publish" => match entry.value.value {
                RawValue::Table(t) => publish = t,
                other => diagnostics.push(Diagnostic::at(
                    &entry.value.span,
                    format!("`publish` must be a table, found {}", other.type_name()),
                    "expected [publish]",
                )),
            },
            "executor" => match entry.value.value {
                RawValue::Table(t) => executor = Some(t),
                other => diagnostics.push(Diagnostic::at(
                    &entry.value.span,
                    format!("`executor` must be a table, found {}", other.type_name()),
                    "expected [executor]",
                )),
            },
            other => diagnostics.push(
                Diagnostic::at(
                    &entry.key_span,
                    format!("unknown top-level key `{other}`"),
                    "unknown key",
                )
                .suggest(did_you_mean(other, TOP_KEYS.iter().copied()))
                .help(
                    "a pipeline has [pipeline], [stages.NAME] tables and optionally [executor] and [publish]",
                ),
            ),
        }
    }

    let mut raw = RawPipeline {
        path: canonical,
        name,
        stages,
        executor,
        publish,
    };
    if let Some(ext) = extends {
        let parent_path = sources.base_dir(file).join(&ext.value);
        if let Some(parent) = load_file(&parent_path, sources, chain, Some(&ext.span), diagnostics)
        {
            raw = merge(parent, raw);
        }
    }
    chain.pop();
    Some(raw)
}

fn split_sweep(name_span: Span, body: RawTable, diagnostics: &mut Vec<Diagnostic>) -> RawStage {
    let mut entries = IndexMap::new();
    let mut sweep = IndexMap::new();
    for (k, e) in body {
        if k == "sweep" {
            match e.value.value {
                RawValue::Table(t) => sweep.extend(t),
                other => diagnostics.push(
                    Diagnostic::at(
                        &e.value.span,
                        format!(
                            "`sweep` must be a table of axes, found {}",
                            other.type_name()
                        ),
                        "expected `sweep.NAME = …`",
                    )
                    .help(
                        "write e.g. `sweep.beta = [1, 2, 4]` or `sweep.seed = { range = [0, 10] }`",
                    ),
                ),
            }
        } else {
            entries.insert(k, e);
        }
    }
    RawStage {
        name_span,
        entries,
        sweep,
    }
}

/// The child's stages override the parent's, key by key.
fn merge(parent: RawPipeline, child: RawPipeline) -> RawPipeline {
    let mut stages = parent.stages;
    for (name, c) in child.stages {
        match stages.get_mut(&name) {
            Some(p) if same_kind(p, &c) => {
                for (k, e) in c.entries {
                    p.sweep.shift_remove(&k);
                    p.entries.insert(k, e);
                }
                for (k, e) in c.sweep {
                    p.entries.shift_remove(&k);
                    p.sweep.insert(k, e);
                }
                p.name_span = c.name_span;
            }
            _ => {
                stages.insert(name, c);
            }
        }
    }
    let mut publish = parent.publish;
    publish.extend(child.publish);
    RawPipeline {
        path: child.path,
        name: child.name.or(parent.name),
        stages,
        executor: child.executor.or(parent.executor),
        publish,
    }
}

fn same_kind(a: &RawStage, b: &RawStage) -> bool {
    let kind = |s: &RawStage| match s.entries.get("kind").map(|e| &e.value.value) {
        Some(RawValue::Str(k)) => Some(k.clone()),
        _ => None,
    };
    kind(b).is_none() || kind(a) == kind(b)
}

/// Applies `stage.key=value` and `stage.sweep.axis=value` overrides.
fn apply_sets(
    raw: &mut RawPipeline,
    sets: &[String],
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if sets.is_empty() {
        return;
    }
    let text = sets.join("\n");
    let file = sources.add("--set".to_string(), None, text);
    let mut offset = 0;
    for set in sets {
        let whole = Span {
            file,
            range: offset..offset + set.len(),
        };
        let start = offset;
        offset += set.len() + 1;
        let Some((lhs, rhs)) = set.split_once('=') else {
            diagnostics.push(Diagnostic::at(
                &whole,
                format!("`--set {set}` is not of the form stage.key=value"),
                "expected stage.key=value",
            ));
            continue;
        };
        let lhs_span = Span {
            file,
            range: start..start + lhs.len(),
        };
        let path: Vec<&str> = lhs.trim().split('.').collect();
        let (stage_name, is_sweep, key) = match path.as_slice() {
            [stage, key] => (*stage, false, *key),
            [stage, "sweep", key] => (*stage, true, *key),
            _ => {
                diagnostics.push(Diagnostic::at(
                    &lhs_span,
                    format!("`{lhs}` is not `stage.key` or `stage.sweep.key`"),
                    "expected stage.key",
                ));
                continue;
            }
        };
        let Some(stage) = raw.stages.get_mut(stage_name) else {
            let names: Vec<&str> = raw.stages.keys().map(String::as_str).collect();
            diagnostics.push(
                Diagnostic::at(
                    &lhs_span,
                    format!("`--set` names no stage `{stage_name}`"),
                    "unknown stage",
                )
                .suggest(did_you_mean(stage_name, names)),
            );
            continue;
        };
        let value = parse_value(rhs, file, start + lhs.len() + 1);
        let entry = RawEntry {
            key_span: lhs_span,
            value,
        };
        if is_sweep {
            stage.entries.shift_remove(key);
            stage.sweep.insert(key.to_string(), entry);
        } else {
            stage.sweep.shift_remove(key);
            stage.entries.insert(key.to_string(), entry);
        }
    }
}
