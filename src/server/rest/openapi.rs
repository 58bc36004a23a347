//! The OpenAPI 3.1 document served at `/integrations/instagram/openapi.json` (and read by
//! people at `/developers`): every public JSON route. The REST API's two
//! operations with their schemas and security, the health check, Meta's webhook and its two
//! signed callbacks. Every error answer is the one `Error` shape.

use serde_json::{json, Value};

/// The OpenAPI 3.1 description of the app's public JSON routes.
pub fn openapi_document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": info(),
        "components": components(),
        "security": [{ "apiKey": [] }, { "session": [] }],
        "paths": paths()
    })
}

/// The title, version and how to authenticate.
fn info() -> Value {
    json!({
        "title": "instagram-connect",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Exchange Instagram authorization codes for long-lived tokens and refresh them. Authenticate with `Authorization: Bearer <API key>` (create one with `instagram-connect api-key create`), or with a browser session (then `token` is null unless REST_EXPOSE_TOKEN_TO_BROWSER is set)."
    })
}

/// The security schemes and the request, answer and error schemas.
fn components() -> Value {
    json!({
        "securitySchemes": {
            "apiKey": { "type": "http", "scheme": "bearer" },
            "session": { "type": "apiKey", "in": "cookie", "name": "id" }
        },
        "schemas": {
            "TokenRequest": {
                "type": "object", "required": ["code", "redirectUri"],
                "properties": {
                    "code": { "type": "string", "description": "The code from Instagram's redirect (a trailing #_ is ignored)." },
                    "redirectUri": { "type": "string", "description": "Exactly the redirect URI of the authorization request; it must be configured." }
                }
            },
            "Integration": {
                "type": "object", "required": ["id", "name", "token", "expiresAt", "instagramId"],
                "properties": {
                    "id": { "type": "string" },
                    "name": { "const": "INSTAGRAM" },
                    "token": { "type": ["string", "null"] },
                    "expiresAt": { "type": "string", "format": "date-time", "examples": ["2023-06-01T00:00:00.000Z"] },
                    "instagramId": { "type": "string" }
                }
            },
            "IntegrationResponse": {
                "type": "object", "required": ["integration", "token", "expiresAt"],
                "properties": {
                    "integration": { "$ref": "#/components/schemas/Integration" },
                    "token": { "type": ["string", "null"] },
                    "expiresAt": { "type": "string", "format": "date-time" }
                }
            },
            "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": { "type": "object", "required": ["code", "message"],
                    "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
            },
            "Health": {
                "type": "object", "required": ["status", "version", "database"],
                "properties": {
                    "status": { "enum": ["ok", "degraded"] },
                    "version": { "type": "string" },
                    "database": { "type": "object", "required": ["reachable", "backend", "latency_ms"],
                        "properties": {
                            "reachable": { "type": "boolean" },
                            "backend": { "enum": ["sqlite", "postgres"] },
                            "latency_ms": { "type": "integer", "minimum": 0 }
                        } }
                }
            },
            "SignedRequestForm": {
                "type": "object", "required": ["signed_request"],
                "properties": { "signed_request": { "type": "string", "description": "`<signature>.<payload>`, base64url, signed with the app secret." } }
            }
        }
    })
}

/// An error answer with its description.
fn err(description: &str) -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    json!({ "description": description, "content": { "application/json": { "schema": error } } })
}

/// Every path: the two REST operations, the document itself, health, then Meta's routes.
fn paths() -> Value {
    json!({
        "/integrations/instagram/token": { "post": token() },
        "/integrations/instagram/refresh/{integrationId}": { "post": refresh() },
        "/integrations/instagram/openapi.json": { "get": {
            "summary": "This document", "security": [],
            "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
        "/healthz": { "get": {
            "summary": "Is the app up, and does its database answer?", "security": [],
            "responses": {
                "200": { "description": "Everything answers", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } },
                "503": { "description": "The database does not answer", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } }
            } } },
        "/integrations/instagram/webhook": webhook(),
        "/integrations/instagram/deauthorize": { "post": meta_callback(
            "Meta's deauthorize callback: the person removed the app; their token is erased",
            json!({ "type": "object", "required": ["success"], "properties": { "success": { "const": true } } }),
        ) },
        "/integrations/instagram/data-deletion": { "post": meta_callback(
            "Meta's data-deletion callback: everything stored about the account is deleted",
            json!({ "type": "object", "required": ["url", "confirmation_code"], "properties": {
                "url": { "type": "string", "format": "uri", "description": "The deletion's status page." },
                "confirmation_code": { "type": "string" } } }),
        ) }
    })
}

/// A JSON answer with its description.
fn ok_json(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

/// A callback Meta posts as a form with a `signed_request`.
fn meta_callback(summary: &str, answer: Value) -> Value {
    json!({
        "summary": summary, "security": [],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": {
            "schema": { "$ref": "#/components/schemas/SignedRequestForm" } } } },
        "responses": {
            "200": ok_json("Done", answer),
            "400": err("No form, or a signed_request that is malformed, wrongly signed or too old"),
            "503": err("The database does not answer: Meta calls again later")
        }
    })
}

/// `POST /integrations/instagram/token`.
fn token() -> Value {
    json!({
        "summary": "Exchange an authorization code for a long-lived token",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TokenRequest" } } } },
        "responses": {
            "200": { "description": "Connected", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntegrationResponse" } } } },
            "400": err("Bad input, invalid or used code, or a redirect URI that is not configured"),
            "401": err("Not authenticated"),
            "403": err("Instagram refused the account"),
            "413": err("Body too large"),
            "415": err("Not JSON"),
            "429": err("Rate limited; see Retry-After"),
            "502": err("Instagram failed"),
            "503": err("The app's database does not answer for now: nothing changed; try again (see Retry-After)")
        }
    })
}

/// `POST /integrations/instagram/refresh/{integrationId}`.
fn refresh() -> Value {
    json!({
        "summary": "Refresh an integration's long-lived token",
        "parameters": [{ "name": "integrationId", "in": "path", "required": true, "schema": { "type": "string", "minLength": 1 } }],
        "responses": {
            "200": { "description": "Refreshed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntegrationResponse" } } } },
            "401": err("Not authenticated"),
            "403": err("Neither the owner nor an admin"),
            "404": err("Unknown integration"),
            "409": err("Refresh not yet allowed (token younger than 24 h), already running, or the integration is connected through Facebook Login only (`facebook_login_integration`: its Page token does not expire and is not handed out)"),
            "410": err("Token expired or revoked: reconnect"),
            "429": err("Rate limited; see Retry-After"),
            "502": err("Instagram failed"),
            "503": err("The app's database does not answer for now: nothing changed; try again (see Retry-After)")
        }
    })
}

/// `GET` and `POST /integrations/instagram/webhook`: Meta's handshake and deliveries.
fn webhook() -> Value {
    let query = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description });
    let text = |description: &str| json!({ "description": description, "content": { "text/plain": { "schema": { "type": "string" } } } });
    json!({
        "get": {
            "summary": "Meta's verification handshake: the challenge is echoed when the verify token matches",
            "security": [],
            "parameters": [
                query("hub.mode", "`subscribe`"),
                query("hub.verify_token", "INSTAGRAM_WEBHOOK_VERIFY_TOKEN"),
                query("hub.challenge", "Letters, digits, `-` and `_`; at most 128")
            ],
            "responses": {
                "200": text("The challenge"),
                "400": err("A challenge that is missing or not made of letters, digits, - and _"),
                "403": err("Not a subscription, or the wrong verify token")
            }
        },
        "post": {
            "summary": "Webhook deliveries, signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret)",
            "security": [],
            "parameters": [{ "name": "X-Hub-Signature-256", "in": "header", "required": false,
                "schema": { "type": "string" }, "description": "`sha256=` and 64 hex digits" }],
            "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object" } } } },
            "responses": {
                "200": text("Stored (`EVENT_RECEIVED`); a delivery seen before is acknowledged again"),
                "401": err("No signature, or one that no app secret produces"),
                "413": err("Body too large"),
                "429": err("Too many bad signatures from this address"),
                "503": err("The database does not answer: Meta delivers again later")
            }
        }
    })
}
