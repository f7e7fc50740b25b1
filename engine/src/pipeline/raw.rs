//! TOML text → a spanned value tree. Every key and value keeps its [`Span`], so validation can
//! point at exactly what the user wrote. TOML syntax errors become [`Diagnostic`]s here.

use indexmap::IndexMap;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span, Spanned};

/// A TOML value with spans all the way down.
#[derive(Clone, Debug)]
pub enum RawValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Spanned<RawValue>>),
    Table(RawTable),
}

/// One `key = value` with the key's own span.
#[derive(Clone, Debug)]
pub struct RawEntry {
    pub key_span: Span,
    pub value: Spanned<RawValue>,
}

pub type RawTable = IndexMap<String, RawEntry>;

impl RawValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::Str(_) => "a string",
            RawValue::Int(_) => "an integer",
            RawValue::Float(_) => "a float",
            RawValue::Bool(_) => "a boolean",
            RawValue::Datetime(_) => "a datetime",
            RawValue::Array(_) => "an array",
            RawValue::Table(_) => "a table",
        }
    }
}

/// Parses a whole document.
pub fn parse_document(text: &str, file: FileId) -> Result<RawTable, Diagnostic> {
    let doc = DeTable::parse(text).map_err(|e| syntax_error(&e, file))?;
    let span = Span {
        file,
        range: doc.span(),
    };
    match convert_table(doc.get_ref(), file) {
        Ok(t) => Ok(t),
        Err(message) => Err(Diagnostic::at(&span, message, "here")),
    }
}

/// Parses one value (for `--set k=v`); a bare word that is not TOML is taken as a string.
pub fn parse_value(text: &str, file: FileId, offset: usize) -> Spanned<RawValue> {
    let span = Span {
        file,
        range: offset..offset + text.len(),
    };
    match DeValue::parse(text) {
        Ok(v) => match convert_value(v.get_ref(), file, offset) {
            Ok(value) => Spanned::new(value, span),
            Err(_) => Spanned::new(RawValue::Str(text.to_string()), span),
        },
        Err(_) => Spanned::new(RawValue::Str(text.to_string()), span),
    }
}

fn syntax_error(e: &toml::de::Error, file: FileId) -> Diagnostic {
    let range = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_string();
    Diagnostic::at(
        &Span { file, range },
        format!("invalid TOML: {message}"),
        message,
    )
}

fn convert_table(table: &DeTable<'_>, file: FileId) -> Result<RawTable, String> {
    convert_table_at(table, file, 0)
}

fn convert_table_at(table: &DeTable<'_>, file: FileId, offset: usize) -> Result<RawTable, String> {
    let mut out = RawTable::new();
    for (key, value) in table.iter() {
        let key_span = Span {
            file,
            range: shift(key.span(), offset),
        };
        let v = convert_value(value.get_ref(), file, offset)?;
        let value = Spanned::new(
            v,
            Span {
                file,
                range: shift(value.span(), offset),
            },
        );
        out.insert(key.get_ref().to_string(), RawEntry { key_span, value });
    }
    Ok(out)
}

fn shift(r: std::ops::Range<usize>, offset: usize) -> std::ops::Range<usize> {
    r.start + offset..r.end + offset
}

fn convert_value(value: &DeValue<'_>, file: FileId, offset: usize) -> Result<RawValue, String> {
    Ok(match value {
        DeValue::String(s) => RawValue::Str(s.to_string()),
        DeValue::Integer(i) => {
            let text = i.as_str();
            let parsed = i64::from_str_radix(text, i.radix())
                .map_err(|_| format!("integer {text} does not fit in 64 bits"))?;
            RawValue::Int(parsed)
        }
        DeValue::Float(f) => {
            let text = f.as_str();
            RawValue::Float(
                text.parse::<f64>()
                    .map_err(|_| format!("invalid float {text}"))?,
            )
        }
        DeValue::Boolean(b) => RawValue::Bool(*b),
        DeValue::Datetime(d) => RawValue::Datetime(d.to_string()),
        DeValue::Array(items) => RawValue::Array(
            items
                .iter()
                .map(|item| {
                    let v = convert_value(item.get_ref(), file, offset)?;
                    Ok(Spanned::new(
                        v,
                        Span {
                            file,
                            range: shift(item.span(), offset),
                        },
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
        DeValue::Table(t) => RawValue::Table(convert_table_at(t, file, offset)?),
    })
}
