//! `json`: one object mapping each name to its value, in the order selected.

use crate::secret::Variable;
use serde_json::{Map, Value};

pub(super) fn document(variables: &[Variable]) -> String {
    let object: Map<String, Value> = variables
        .iter()
        .map(|v| (v.name.clone(), Value::String(v.value.expose().to_string())))
        .collect();
    let mut text = serde_json::to_string_pretty(&Value::Object(object))
        .expect("a map of strings always serializes");
    text.push('\n');
    text
}
