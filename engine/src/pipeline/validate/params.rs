//! Type-checking one parameter value against its [`ParamSpec`].

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::pipeline::raw::RawValue;
use crate::source::{SourceMap, Spanned};
use crate::stage::{ParamSpec, ParamType, quote_list};
use crate::value::ParamValue;

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
                // The param's doc says what the file is and, for files flow cannot ship
                // (VGG-Face's weights), where a user gets one.
                diags.push(
                    Diagnostic::at(
                        &value.span,
                        format!("parameter `{}`: no file {}", spec.name, resolved.display()),
                        "file not found",
                    )
                    .help(format!("`{}`: {}", spec.name, spec.doc)),
                );
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
