//! The HTML of the authorize pages: one layout, escaping and the names of the scopes.

use axum::response::Html;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const PAGE_STYLE: &str = "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#fafafa;color:#1d1a21}\
main{max-width:420px;margin:48px auto;padding:32px;background:#fff;border:1px solid #dbdbdb;border-radius:12px}\
.badge{display:inline-block;font-size:12px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:#7a1148;background:#fde7f2;border-radius:999px;padding:2px 10px}\
h1{font-size:22px;margin:12px 0 4px}p{color:#555}fieldset{border:0;padding:0;margin:16px 0}legend{font-weight:600;margin-bottom:8px}\
label{display:flex;gap:10px;align-items:center;padding:10px;border:1px solid #dbdbdb;border-radius:8px;margin-bottom:8px;cursor:pointer}\
label:hover{background:#f5f5f5}small{color:#555}.actions{display:flex;gap:10px;margin-top:20px}\
button{flex:1;min-height:44px;border-radius:8px;border:1px solid #dbdbdb;font:inherit;font-weight:600;cursor:pointer;background:#fff}\
button.allow{background:#0064e0;border-color:#0064e0;color:#fff}button:focus-visible,input:focus-visible{outline:3px solid #1a5fd6;outline-offset:2px}\
.error{color:#b3261e}";

/// A sandbox page with `title` around `body` (already HTML).
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · Instagram sandbox</title><link rel=\"icon\" href=\"data:,\"><style>{PAGE_STYLE}</style></head><body><main><span class=\"badge\">Instagram sandbox</span>{body}</main></body></html>",
        esc(title)
    ))
}

/// What a scope lets the app do, in words a person understands.
pub fn scope_label(s: &str) -> &'static str {
    match s {
        "instagram_business_basic" => "Profile and media",
        "instagram_business_content_publish" => "Publish posts and reels",
        "instagram_business_manage_comments" => "Read and manage comments",
        "instagram_business_manage_insights" => "View insights",
        "instagram_business_manage_messages" => "Read and send messages",
        _ => "Other access",
    }
}
