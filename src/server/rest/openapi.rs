//! The OpenAPI 3.1 document served at `/integrations/instagram/openapi.json`: the REST API's
//! two operations, its schemas and security, and the Meta callbacks.

use serde_json::{json, Value};

/// The OpenAPI 3.1 description of the REST API and the Meta callbacks.
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
            }
        }
    })
}

/// An error answer with its description.
fn err(description: &str) -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    json!({ "description": description, "content": { "application/json": { "schema": error } } })
}

/// Every path: the two REST operations, then the Meta callbacks.
fn paths() -> Value {
    json!({
        "/integrations/instagram/token": { "post": token() },
        "/integrations/instagram/refresh/{integrationId}": { "post": refresh() },
        "/integrations/instagram/webhook": webhook(),
        "/integrations/instagram/deauthorize": { "post": { "summary": "Meta's deauthorize callback (form: signed_request)", "security": [],
            "responses": { "200": { "description": "Revoked" }, "400": { "description": "Bad signed_request" } } } },
        "/integrations/instagram/data-deletion": { "post": { "summary": "Meta's data-deletion callback (form: signed_request)", "security": [],
            "responses": { "200": { "description": "{url, confirmation_code}" }, "400": { "description": "Bad signed_request" } } } }
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
            "502": err("Instagram failed")
        }
    })
}

/// `POST /integrations/instagram/refresh/{integrationId}`.
fn refresh() -> Value {
    json!({
        "summary": "Refresh an integration's long-lived token",
        "parameters": [{ "name": "integrationId", "in": "path", "required": true, "schema": { "type": "string" } }],
        "responses": {
            "200": { "description": "Refreshed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IntegrationResponse" } } } },
            "401": err("Not authenticated"),
            "403": err("Neither the owner nor an admin"),
            "404": err("Unknown integration"),
            "409": err("Refresh not yet allowed (token younger than 24 h), or already running"),
            "410": err("Token expired or revoked: reconnect"),
            "429": err("Rate limited; see Retry-After"),
            "502": err("Instagram failed")
        }
    })
}

/// `GET` and `POST /integrations/instagram/webhook`: Meta's handshake and deliveries.
fn webhook() -> Value {
    json!({
        "get": { "summary": "Meta's verification handshake (hub.mode, hub.verify_token, hub.challenge)", "security": [],
                 "responses": { "200": { "description": "The challenge, as text/plain" }, "400": { "description": "Bad challenge" }, "403": { "description": "Wrong verify token" } } },
        "post": { "summary": "Webhook deliveries, signed with X-Hub-Signature-256", "security": [],
                  "responses": { "200": { "description": "Stored" }, "401": { "description": "Bad signature" }, "413": { "description": "Body too large" }, "429": { "description": "Too many bad signatures" } } }
    })
}
