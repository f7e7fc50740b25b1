//! Resolving an input's references (`"stage"`, `"stage.port"`) to upstream output ports.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::pipeline::model::SourceRef;
use crate::pipeline::raw::RawValue;
use crate::source::{Span, Spanned};
use crate::stage::{Cardinality, StageKind};

pub(super) fn resolve_inputs(
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
