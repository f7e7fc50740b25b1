//! Each kind's own [`StageKind::check`] on every distinct parameter set of a stage's sweep.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::pipeline::model::{Axis, InputDecl};
use crate::source::{Span, Spanned};
use crate::stage::{ConnectedPorts, StageError, StageKind};
use crate::value::ParamValue;

/// Runs the kind's own [`StageKind::check`] on every distinct parameter set the stage's sweep
/// expands to (the `seed` axis changes no parameter, so it is left out), reporting each failure
/// at the value that caused it: the swept value (naming the instance), the written parameter, or
/// the input. Returns whether every instance passed.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_instances(
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
