//! Parameter values: what a stage's params hold once validated, and their one canonical spelling.
//!
//! Canonical form is what makes cache keys stable: numbers are typed by the parameter's declared
//! type (an integer written for a float param becomes that float), floats are `f64` and print in
//! their shortest round-trip form, so `1e-4`, `0.0001` and `1.0e-4` are one value. Non-finite
//! floats are rejected at validation.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated parameter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<ParamValue>),
}

impl ParamValue {
    /// The canonical JSON form used in cache keys and manifests.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Bool(b) => serde_json::Value::Bool(*b),
            ParamValue::Int(i) => serde_json::Value::from(*i),
            ParamValue::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            ParamValue::Str(s) => serde_json::Value::String(s.clone()),
            ParamValue::List(items) => {
                serde_json::Value::Array(items.iter().map(ParamValue::to_json).collect())
            }
        }
    }

    /// A value from JSON (a coordinate as a result or table records it): integers stay
    /// integers, arrays become lists, anything else (null, objects) its JSON text.
    pub fn from_json(v: &serde_json::Value) -> ParamValue {
        match v {
            serde_json::Value::Bool(b) => ParamValue::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => ParamValue::Int(i),
                None => ParamValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => ParamValue::Str(s.clone()),
            serde_json::Value::Array(items) => {
                ParamValue::List(items.iter().map(ParamValue::from_json).collect())
            }
            other => ParamValue::Str(other.to_string()),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Float(f) => Some(*f),
            ParamValue::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ParamValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ParamValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// Short human spelling, as used in node names (`bvae[beta=2.5,seed=3]`).
impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => {
                let a = x.abs();
                if a != 0.0 && !(1e-4..1e6).contains(&a) {
                    write!(f, "{x:e}")
                } else {
                    write!(f, "{x}")
                }
            }
            ParamValue::Str(s) => write!(f, "{s}"),
            ParamValue::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ",")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_floats_have_one_canonical_spelling() {
        let a = ParamValue::Float("1e-4".parse().unwrap())
            .to_json()
            .to_string();
        let b = ParamValue::Float("0.0001".parse().unwrap())
            .to_json()
            .to_string();
        assert_eq!(a, b);
    }

    #[test]
    fn node_name_spelling_is_short() {
        assert_eq!(ParamValue::Float(2.5).to_string(), "2.5");
        assert_eq!(ParamValue::Float(1e-5).to_string(), "1e-5");
        assert_eq!(ParamValue::Int(3).to_string(), "3");
    }
}
