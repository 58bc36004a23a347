//! Errors in Meta's shapes, and the JSON answers that carry them.

use axum::{
    http::{header, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

/// An error in one of Meta's shapes.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// `{"error": {...}}`
    Graph {
        /// HTTP status.
        status: u16,
        /// `code`.
        code: i64,
        /// `error_subcode`.
        subcode: Option<i64>,
        /// `message`.
        message: String,
        /// `is_transient`.
        transient: bool,
    },
    /// `{"error_type", "code", "error_message"}` (token endpoints).
    Flat {
        /// `code` (also the HTTP status).
        code: u16,
        /// `error_message`.
        message: String,
    },
}

impl ApiError {
    /// A Graph error with HTTP 400.
    pub fn graph(code: i64, subcode: Option<i64>, message: impl Into<String>) -> Self {
        ApiError::Graph {
            status: 400,
            code,
            subcode,
            message: message.into(),
            transient: false,
        }
    }

    /// `100` invalid parameter.
    pub fn param(message: impl Into<String>) -> Self {
        Self::graph(100, None, message)
    }

    /// `100/33`: unknown object or no access to it.
    pub fn no_object(id: &str, method: &Method) -> Self {
        Self::graph(
            100,
            Some(33),
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                method.as_str().to_lowercase()
            ),
        )
    }

    /// `10`: a permission is missing.
    pub fn permission(scope: &str) -> Self {
        Self::graph(
            10,
            None,
            format!(
                "(#10) Application does not have permission for this action (requires {scope})"
            ),
        )
    }

    /// A flat token-endpoint error.
    pub fn flat(message: impl Into<String>) -> Self {
        ApiError::Flat {
            code: 400,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Graph { status, .. } => *status,
            ApiError::Flat { code, .. } => *code,
        }
    }

    fn body(&self, trace: &str) -> Value {
        match self {
            ApiError::Graph {
                code,
                subcode,
                message,
                transient,
                ..
            } => {
                let mut e = json!({
                    "message": message,
                    "type": if *code == 190 || *code == 2500 { "OAuthException" } else { "IGApiException" },
                    "code": code,
                    "fbtrace_id": trace,
                });
                if let Some(s) = subcode {
                    e["error_subcode"] = json!(s);
                }
                if *transient {
                    e["is_transient"] = json!(true);
                }
                json!({ "error": e })
            }
            ApiError::Flat { code, message } => json!({
                "error_type": "OAuthException",
                "code": code,
                "error_message": message,
            }),
        }
    }
}

/// A JSON response.
pub fn json_response(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        v.to_string(),
    )
        .into_response()
}

/// An error response with a fresh trace ID.
pub fn error_response(e: &ApiError) -> Response {
    let trace = format!("Sbx{:08x}", rand::random::<u32>());
    json_response(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        &e.body(&trace),
    )
}
