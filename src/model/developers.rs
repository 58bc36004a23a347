//! The developers' page: the public JSON routes as the OpenAPI document describes them.

use serde::{Deserialize, Serialize};

/// Every documented operation, by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    /// The document's title and version.
    pub title: String,
    /// How to authenticate.
    pub description: String,
    /// Where the machine-readable document is.
    pub document: String,
    /// The operations.
    pub operations: Vec<ApiOperation>,
}

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// `GET`, `POST`.
    pub method: String,
    /// The path, with `{parameters}`.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// Whether it needs an API key or a session (Meta's routes are signed instead).
    pub authenticated: bool,
    /// Its parameters: `name (in, required)` and what they are.
    pub parameters: Vec<(String, String)>,
    /// The body's content type and the fields it requires, if it takes one.
    pub body: Option<String>,
    /// Each status it answers and why.
    pub responses: Vec<(String, String)>,
}
