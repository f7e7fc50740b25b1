//! Sweep axes: `sweep.NAME = …` in a stage table. An axis is a list of values for one parameter
//! (or for `seed`):
//!
//! | written | values |
//! |---|---|
//! | `[1, 2, 4]` | the list |
//! | `{ list = [1, 2, 4] }` | the list |
//! | `{ range = [0, 10] }`, `{ range = [0, 10, 2] }` | integers from start (inclusive) to end (exclusive), by step |
//! | `{ linspace = [0.5, 20.0, 40] }` | n evenly spaced numbers, both ends included |
//! | `{ logspace = [1e-4, 1e-2, 3] }` | n geometrically spaced numbers between the two *values*, both ends included |
//!
//! A stage's axes are crossed (every combination) unless the stage says `zip = true`.

use crate::diagnostic::Diagnostic;
use crate::pipeline::model::Axis;
use crate::pipeline::raw::{RawEntry, RawValue};
use crate::pipeline::validate::convert_param;
use crate::source::{SourceMap, Spanned};
use crate::stage::{ParamSpec, ParamType};
use crate::value::ParamValue;

const FORMS: &[&str] = &["list", "range", "linspace", "logspace"];

/// Parses one axis. `spec` is `None` for the `seed` axis.
pub fn parse_axis(
    name: &str,
    spec: Option<&ParamSpec>,
    entry: &RawEntry,
    _sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Axis> {
    let span = &entry.value.span;
    let raw_values: Vec<Spanned<RawValue>> = match &entry.value.value {
        RawValue::Array(items) => items.clone(),
        RawValue::Table(t) if t.len() == 1 => {
            let (form, e) = t.first().map(|(k, e)| (k.as_str(), e))?;
            match generate(form, &e.value.value) {
                Ok(values) => values
                    .into_iter()
                    .map(|v| Spanned::new(v, e.value.span.clone()))
                    .collect(),
                Err(message) => {
                    let d = Diagnostic::at(
                        &e.value.span,
                        format!("sweep `{name}`: {message}"),
                        "invalid sweep",
                    );
                    diags.push(if FORMS.contains(&form) {
                        d
                    } else {
                        d.suggest(crate::diagnostic::did_you_mean(form, FORMS.iter().copied()))
                    });
                    return None;
                }
            }
        }
        _ => {
            diags.push(
                Diagnostic::at(span, format!("sweep `{name}` must be a list or one of {{ {} }}", FORMS.join(", ")), "invalid sweep")
                    .help("e.g. `sweep.beta = [1, 2, 4]`, `{ range = [0, 10] }`, `{ linspace = [0.5, 20.0, 40] }`"),
            );
            return None;
        }
    };
    if raw_values.is_empty() {
        diags.push(Diagnostic::at(
            span,
            format!("sweep `{name}` has no values"),
            "empty sweep",
        ));
        return None;
    }
    let ty = spec.map_or(ParamType::Int, |s| s.ty.clone());
    let mut values = Vec::with_capacity(raw_values.len());
    let value_spans = raw_values.iter().map(|v| v.span.clone()).collect();
    for v in &raw_values {
        match convert_param(&ty, &v.value) {
            Ok(ParamValue::Int(i)) if spec.is_none() && i < 0 => {
                diags.push(Diagnostic::at(
                    &v.span,
                    "seeds must be non-negative",
                    "negative seed",
                ));
                return None;
            }
            Ok(value) => values.push(value),
            Err(message) => {
                diags.push(Diagnostic::at(
                    &v.span,
                    format!(
                        "sweep `{name}`: values must be {}, found {}",
                        ty.describe(),
                        v.value.type_name()
                    ),
                    message,
                ));
                return None;
            }
        }
    }
    let mut seen = Vec::new();
    for v in &values {
        if seen.contains(&v) {
            diags.push(Diagnostic::at(
                span,
                format!("sweep `{name}` repeats the value {v}"),
                "duplicate value",
            ));
            return None;
        }
        seen.push(v);
    }
    Some(Axis {
        name: name.to_string(),
        values,
        value_spans,
        span: span.clone(),
    })
}

fn number(v: &Spanned<RawValue>) -> Result<f64, String> {
    match v.value {
        RawValue::Int(i) => Ok(i as f64),
        RawValue::Float(f) if f.is_finite() => Ok(f),
        _ => Err(format!("expected a number, found {}", v.value.type_name())),
    }
}

fn count(v: &Spanned<RawValue>) -> Result<usize, String> {
    match v.value {
        RawValue::Int(n) if n >= 1 => Ok(n as usize),
        _ => Err("the count must be an integer ≥ 1".into()),
    }
}

/// Generates the raw values of a `{ form = [...] }` axis.
fn generate(form: &str, args: &RawValue) -> Result<Vec<RawValue>, String> {
    let RawValue::Array(args) = args else {
        return Err(format!("`{form}` takes an array"));
    };
    match form {
        "list" => Ok(args.iter().map(|a| a.value.clone()).collect()),
        "range" => {
            let ints: Vec<i64> = args
                .iter()
                .map(|a| match a.value {
                    RawValue::Int(i) => Ok(i),
                    _ => {
                        Err("`range` takes integers [start, end] or [start, end, step]".to_string())
                    }
                })
                .collect::<Result<_, _>>()?;
            let (start, end, step) = match ints.as_slice() {
                [s, e] => (*s, *e, 1),
                [s, e, st] => (*s, *e, *st),
                _ => return Err("`range` takes [start, end] or [start, end, step]".into()),
            };
            if step <= 0 {
                return Err("`range` step must be positive".into());
            }
            if end <= start {
                return Err(format!(
                    "`range` [{start}, {end}) is empty (the end is exclusive)"
                ));
            }
            Ok((start..end)
                .step_by(step as usize)
                .map(RawValue::Int)
                .collect())
        }
        "linspace" | "logspace" => {
            let [a, b, n] = args.as_slice() else {
                return Err(format!("`{form}` takes [start, stop, count]"));
            };
            let (a, b, n) = (number(a)?, number(b)?, count(n)?);
            if form == "logspace" && (a <= 0.0 || b <= 0.0) {
                return Err("`logspace` endpoints are values and must be positive".into());
            }
            let at = |i: usize| {
                let t = if n == 1 {
                    0.0
                } else {
                    i as f64 / (n - 1) as f64
                };
                if form == "linspace" {
                    if i == n - 1 { b } else { a + (b - a) * t }
                } else if i == n - 1 {
                    b
                } else {
                    (a.ln() + (b.ln() - a.ln()) * t).exp()
                }
            };
            Ok((0..n).map(|i| RawValue::Float(at(i))).collect())
        }
        other => Err(format!(
            "unknown sweep form `{other}` (use {})",
            FORMS.join(", ")
        )),
    }
}
