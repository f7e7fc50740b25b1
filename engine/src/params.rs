//! A node's parameter values, validated, defaults filled in, keyed by name.
//!
//! A stage reads them one way: [`Params::parse`] into its own serde struct, one field per
//! declared param (the values were type-checked against the stage's
//! [`ParamSpec`](crate::stage::ParamSpec)s and defaults filled in, so parsing only fails for a
//! struct that does not match the declaration — a bug in the stage).

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
