//! A node's parameter values, validated, defaults filled in, keyed by name.
//!
//! Stages read them with typed getters (the values were type-checked against the stage's
//! [`ParamSpec`](crate::stage::ParamSpec)s, so a getter only fails for a name the stage never
//! declared) or deserialise them into their own serde struct with [`Params::parse`].

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::stage::StageError;
use crate::value::ParamValue;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Params(pub BTreeMap<String, ParamValue>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    fn require(&self, name: &str) -> Result<&ParamValue, StageError> {
        self.0
            .get(name)
            .ok_or_else(|| StageError::param(name, "not set (and no default)"))
    }

    pub fn f64(&self, name: &str) -> Result<f64, StageError> {
        self.require(name)?
            .as_f64()
            .ok_or_else(|| StageError::param(name, "is not a number"))
    }

    pub fn i64(&self, name: &str) -> Result<i64, StageError> {
        self.require(name)?
            .as_i64()
            .ok_or_else(|| StageError::param(name, "is not an integer"))
    }

    /// A non-negative integer as `usize`.
    pub fn usize(&self, name: &str) -> Result<usize, StageError> {
        let v = self.i64(name)?;
        usize::try_from(v).map_err(|_| StageError::param(name, format!("must be ≥ 0, got {v}")))
    }

    pub fn bool(&self, name: &str) -> Result<bool, StageError> {
        self.require(name)?
            .as_bool()
            .ok_or_else(|| StageError::param(name, "is not a boolean"))
    }

    pub fn str(&self, name: &str) -> Result<&str, StageError> {
        self.require(name)?
            .as_str()
            .ok_or_else(|| StageError::param(name, "is not a string"))
    }

    pub fn f64_list(&self, name: &str) -> Result<Vec<f64>, StageError> {
        match self.require(name)? {
            ParamValue::List(items) => items
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| StageError::param(name, "holds a non-number"))
                })
                .collect(),
            _ => Err(StageError::param(name, "is not a list")),
        }
    }

    /// Deserialises all params into a stage's own typed struct.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, StageError> {
        serde_json::from_value(self.to_json())
            .map_err(|e| StageError::failed(format!("parameters do not fit the stage: {e}")))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}
