//! Results as JSON: numbers out (NaN/±inf as `null`, matrices as lists of rows) and numbers in
//! from other stages' JSON results, every error naming the port and field.

use faer::Mat;
use flow_engine::StageError;
use serde_json::Value;

// ---- JSON out ----

/// A number, NaN/±inf as `null`.
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A list of numbers.
pub fn nums(xs: &[f64]) -> Value {
    Value::Array(xs.iter().map(|&x| num(x)).collect())
}

/// A list of optional numbers (`None` → null).
pub fn opt_nums(xs: &[Option<f64>]) -> Value {
    Value::Array(xs.iter().map(|x| x.map_or(Value::Null, num)).collect())
}

/// A matrix as a list of rows.
pub fn mat_rows(m: &Mat<f64>) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|i| Value::Array((0..m.ncols()).map(|j| num(m[(i, j)])).collect()))
            .collect(),
    )
}

/// Nested rows of numbers.
pub fn rows_json(rows: &[Vec<f64>]) -> Value {
    Value::Array(rows.iter().map(|r| nums(r)).collect())
}

pub fn usizes(xs: &[usize]) -> Value {
    Value::Array(xs.iter().map(|&x| Value::from(x)).collect())
}

pub fn bools(xs: &[bool]) -> Value {
    Value::Array(xs.iter().map(|&x| Value::Bool(x)).collect())
}

// ---- JSON in (results of other stages) ----

/// A field of a JSON object, or an input error naming it.
pub fn field<'a>(value: &'a Value, name: &str, port: &str) -> Result<&'a Value, StageError> {
    value
        .get(name)
        .ok_or_else(|| StageError::input(port, format!("has no field `{name}`")))
}

/// A JSON number (null → NaN).
pub fn json_f64(value: &Value, what: &str, port: &str) -> Result<f64, StageError> {
    match value {
        Value::Null => Ok(f64::NAN),
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| StageError::input(port, format!("`{what}` is not a number"))),
        _ => Err(StageError::input(port, format!("`{what}` is not a number"))),
    }
}

/// A JSON list of numbers (null → NaN).
pub fn json_vec(value: &Value, what: &str, port: &str) -> Result<Vec<f64>, StageError> {
    let items = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list")))?;
    items.iter().map(|v| json_f64(v, what, port)).collect()
}

/// A JSON list of booleans.
pub fn json_bools(value: &Value, what: &str, port: &str) -> Result<Vec<bool>, StageError> {
    let items = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list")))?;
    items
        .iter()
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| StageError::input(port, format!("`{what}` holds a non-boolean")))
        })
        .collect()
}

/// A JSON matrix (a list of equally long rows of numbers).
pub fn json_matrix(value: &Value, what: &str, port: &str) -> Result<Mat<f64>, StageError> {
    let rows = value
        .as_array()
        .ok_or_else(|| StageError::input(port, format!("`{what}` is not a list of rows")))?;
    let rows: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| json_vec(r, what, port))
        .collect::<Result<_, _>>()?;
    let ncols = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != ncols) {
        return Err(StageError::input(
            port,
            format!("`{what}` has rows of different lengths"),
        ));
    }
    Ok(Mat::from_fn(rows.len(), ncols, |i, j| rows[i][j]))
}
