//! JSON results to typed columns: nested objects are flattened with dotted names, arrays are set
//! aside (they become rows only in long form), and each column takes the narrowest type that
//! holds all its values — Int64, Float64, Boolean, else String (a non-string value then as its
//! JSON text) — with nulls where a node lacks the field.

use flow_engine::ParamValue;
use polars::prelude::*;
use serde_json::Value;

/// The scalar fields and the vector (array) fields of one JSON value, flattened.
#[derive(Default, Debug)]
pub struct Flattened {
    pub scalars: Vec<(String, Value)>,
    pub vectors: Vec<(String, Vec<Value>)>,
}

/// Flattens `value` under `prefix` (`a.b.c` for nested objects).
pub fn flatten(prefix: &str, value: &Value, out: &mut Flattened) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(items) => out.vectors.push((prefix.to_string(), items.clone())),
        scalar => out.scalars.push((prefix.to_string(), scalar.clone())),
    }
}

/// A sweep coordinate as a JSON scalar (a list coordinate as an array, shown as text).
pub fn coordinate(value: &ParamValue) -> Value {
    value.to_json()
}

/// The narrowest column type of `values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Text,
}

fn kind_of(values: &[Value]) -> Kind {
    let present = || values.iter().filter(|v| !v.is_null());
    if present().all(Value::is_boolean) && present().next().is_some() {
        Kind::Bool
    } else if present().all(|v| v.is_i64()) && present().next().is_some() {
        Kind::Int
    } else if present().all(Value::is_number) && present().next().is_some() {
        Kind::Float
    } else {
        Kind::Text
    }
}

/// The column `name` of `values` (nulls where `Null`).
pub fn column(name: &str, values: &[Value]) -> Column {
    let name = PlSmallStr::from(name);
    match kind_of(values) {
        Kind::Bool => Column::new(name, values.iter().map(Value::as_bool).collect::<Vec<_>>()),
        Kind::Int => Column::new(name, values.iter().map(Value::as_i64).collect::<Vec<_>>()),
        Kind::Float => Column::new(name, values.iter().map(Value::as_f64).collect::<Vec<_>>()),
        Kind::Text => Column::new(
            name,
            values
                .iter()
                .map(|v| match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_flatten_with_dotted_names_and_arrays_are_set_aside() {
        let mut f = Flattened::default();
        flatten(
            "",
            &json!({ "a": 1, "b": { "c": 2.5, "d": { "e": "x" } }, "v": [1, 2] }),
            &mut f,
        );
        let names: Vec<&str> = f.scalars.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b.c", "b.d.e"]);
        assert_eq!(f.vectors, vec![("v".to_string(), vec![json!(1), json!(2)])]);
    }

    #[test]
    fn a_column_takes_the_narrowest_type_that_holds_every_value() {
        let ints = column("n", &[json!(1), Value::Null, json!(3)]);
        assert_eq!(ints.dtype(), &DataType::Int64);
        assert_eq!(ints.null_count(), 1);
        assert_eq!(
            column("x", &[json!(1), json!(2.5)]).dtype(),
            &DataType::Float64
        );
        assert_eq!(
            column("k", &[json!(true), json!(false)]).dtype(),
            &DataType::Boolean
        );
        let mixed = column("m", &[json!("a"), json!(2)]);
        assert_eq!(mixed.dtype(), &DataType::String);
    }
}
