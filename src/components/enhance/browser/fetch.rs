//! Fragment requests: sent with `x-fragment`, answered with a status the island reads before
//! it puts anything into the page.

use gloo_net::http::{Request, RequestBuilder, Response};

use super::super::contract::{header, server_message, Outcome};

/// An answer to a fragment request, read.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// What to do with it.
    pub outcome: Outcome,
    content_type: String,
    /// The body.
    pub body: String,
    /// `x-next-fragment`, when present and not empty.
    pub next_fragment: Option<String>,
    /// `x-next-page`.
    pub next_page: Option<String>,
}

impl Answer {
    /// The server's own message, when it answered with one.
    pub fn message(&self) -> Option<&str> {
        server_message(&self.content_type, &self.body)
    }
}

/// `GET url` for a fragment; `None` when the network failed.
pub async fn get(url: &str) -> Option<Answer> {
    send(Request::get(url)).await
}

/// `POST url` with a form's fields; `None` when the network failed.
pub async fn post_form(url: &str, body: String) -> Option<Answer> {
    let req = Request::post(url)
        .header(header::FRAGMENT, "1")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .ok()?;
    read(req.send().await.ok()?).await
}

/// `POST url` with a form's fields and files as `multipart/form-data` (the browser writes the
/// boundary); `None` when the network failed.
pub async fn post_multipart(url: &str, body: web_sys::FormData) -> Option<Answer> {
    let req = Request::post(url)
        .header(header::FRAGMENT, "1")
        .body(body)
        .ok()?;
    read(req.send().await.ok()?).await
}

async fn send(req: RequestBuilder) -> Option<Answer> {
    read(req.header(header::FRAGMENT, "1").send().await.ok()?).await
}

async fn read(res: Response) -> Option<Answer> {
    let headers = res.headers();
    let content_type = headers.get("content-type").unwrap_or_default();
    let status = res.status();
    Some(Answer {
        status,
        outcome: Outcome::of(status, &content_type),
        next_fragment: headers.get(header::NEXT_FRAGMENT).filter(|n| !n.is_empty()),
        next_page: headers.get(header::NEXT_PAGE),
        body: res.text().await.ok()?,
        content_type,
    })
}
