//! The OpenAPI document read back as the developers' page shows it.

use serde_json::Value;

use super::openapi::openapi_document;
use crate::model::{ApiOperation, ApiReference};

/// Every operation of the document, for people.
pub fn reference() -> ApiReference {
    let doc = openapi_document();
    let info = &doc["info"];
    let schemas = &doc["components"]["schemas"];
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            operations.push(operation(path, method, op, schemas));
        }
    }
    ApiReference {
        title: format!("{} {}", text(&info["title"]), text(&info["version"])),
        description: text(&info["description"]),
        document: crate::paths::OPENAPI.to_owned(),
        operations,
    }
}

fn operation(path: &str, method: &str, op: &Value, schemas: &Value) -> ApiOperation {
    // Operations without their own `security` use the document's (an API key or a session).
    let authenticated = op
        .get("security")
        .and_then(Value::as_array)
        .is_none_or(|s| !s.is_empty());
    let parameters = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let required = if p["required"].as_bool() == Some(true) {
                ", required"
            } else {
                ""
            };
            (
                format!("{} ({}{required})", text(&p["name"]), text(&p["in"])),
                text(&p["description"]),
            )
        })
        .collect();
    let body = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(content_type, media)| {
            let fields = required_fields(&media["schema"], schemas);
            if fields.is_empty() {
                content_type.clone()
            } else {
                format!("{content_type}: {}", fields.join(", "))
            }
        });
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| (status.clone(), text(&r["description"])))
        .collect();
    ApiOperation {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        summary: text(&op["summary"]),
        authenticated,
        parameters,
        body,
        responses,
    }
}

/// The required fields of a schema, following one `$ref`.
fn required_fields(schema: &Value, schemas: &Value) -> Vec<String> {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &schemas[r.rsplit('/').next().unwrap_or_default()],
        None => schema,
    };
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
