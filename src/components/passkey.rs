//! The browser's half of a passkey ceremony, for the [`Enhance`](super::enhance::Enhance)
//! island: a `form[data-passkey="register"]` or `form[data-passkey="sign-in"]` asks the server
//! for the options, hands them to the browser's passkey dialog
//! (`navigator.credentials.create()` / `get()`, through `PublicKeyCredential`'s JSON helpers),
//! sends the answer back, and follows the server's `redirect`.

#[cfg(feature = "hydrate")]
pub use browser::run;

#[cfg(feature = "hydrate")]
mod browser {
    use gloo_net::http::Request;
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{FormData, HtmlFormElement};

    fn get(target: &JsValue, key: &str) -> Result<JsValue, String> {
        Reflect::get(target, &JsValue::from_str(key)).map_err(|_| key.to_owned())
    }

    fn unsupported() -> String {
        "This browser cannot use passkeys here. Try an up-to-date browser, or sign in another way."
            .to_owned()
    }

    /// Posts JSON to `url`; the answer's JSON, or the server's message.
    async fn post(url: &str, body: String) -> Result<JsValue, String> {
        let res = Request::post(url)
            .header("content-type", "application/json")
            .body(body)
            .map_err(|_| "The request could not be made.".to_owned())?
            .send()
            .await
            .map_err(|_| {
                "That did not go through. Check your connection and try again.".to_owned()
            })?;
        let text = res.text().await.unwrap_or_default();
        let json = JSON::parse(&text).unwrap_or(JsValue::NULL);
        if res.ok() {
            return Ok(json);
        }
        let message = get(&json, "error")
            .and_then(|e| get(&e, "message"))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("That did not go through (error {}).", res.status()));
        Err(message)
    }

    fn field(data: &FormData, name: &str) -> String {
        data.get(name).as_string().unwrap_or_default()
    }

    /// One ceremony's two requests and the browser calls between them.
    struct Ceremony {
        /// Where the options come from.
        start: String,
        /// Where the browser's answer goes.
        finish: String,
        /// The `PublicKeyCredential` helper that reads the options.
        parse: &'static str,
        /// The `navigator.credentials` method that opens the passkey dialog.
        call: &'static str,
        /// What the start request sends.
        body: String,
    }

    impl Ceremony {
        /// Registering: the passkey's label, the new person's name and whether the invitation
        /// is accepted, from the form.
        fn register(data: &FormData) -> Self {
            let body = Object::new();
            for key in ["label", "name"] {
                let _ = Reflect::set(&body, &key.into(), &field(data, key).into());
            }
            let accept = field(data, "accept_invitation") == "true";
            let _ = Reflect::set(&body, &"accept_invitation".into(), &accept.into());
            Self {
                start: crate::paths::PASSKEY_REGISTER_START.to_owned(),
                finish: crate::paths::PASSKEY_REGISTER_FINISH.to_owned(),
                parse: "parseCreationOptionsFromJSON",
                call: "create",
                body: JSON::stringify(&body)
                    .ok()
                    .and_then(|s| s.as_string())
                    .unwrap_or_default(),
            }
        }

        /// Signing in: the page to return to goes with the answer.
        fn sign_in(data: &FormData) -> Self {
            let back = js_sys::encode_uri_component(&field(data, "return_to"));
            Self {
                start: crate::paths::PASSKEY_SIGN_IN_START.to_owned(),
                finish: format!(
                    "{}?return_to={}",
                    crate::paths::PASSKEY_SIGN_IN_FINISH,
                    String::from(back)
                ),
                parse: "parseRequestOptionsFromJSON",
                call: "get",
                body: "{}".to_owned(),
            }
        }
    }

    /// Runs the ceremony `mode` (`register` or `sign-in`) for `form`; where to go next.
    pub async fn run(form: HtmlFormElement, mode: String) -> Result<String, String> {
        let window = web_sys::window().ok_or_else(unsupported)?;
        let pkc = get(&window, "PublicKeyCredential")?;
        if pkc.is_undefined() {
            return Err(unsupported());
        }
        let data = FormData::new_with_form(&form).map_err(|_| unsupported())?;
        let Ceremony {
            start,
            finish,
            parse,
            call,
            body,
        } = if mode == "register" {
            Ceremony::register(&data)
        } else {
            Ceremony::sign_in(&data)
        };
        let options = post(&start, body).await?;
        let credential = ask_browser(&window, &pkc, parse, call, &options).await?;
        let to_json: Function = get(&credential, "toJSON")?
            .dyn_into()
            .map_err(|_| unsupported())?;
        let answer = to_json.call0(&credential).map_err(|_| unsupported())?;
        let body = JSON::stringify(&answer)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(unsupported)?;
        let done = post(&finish, body).await?;
        Ok(get(&done, "redirect")
            .ok()
            .and_then(|r| r.as_string())
            .filter(|r| r.starts_with('/') && !r.starts_with("//"))
            .unwrap_or_else(|| crate::paths::ACCOUNTS.to_owned()))
    }

    /// Hands the server's `options` to the browser's passkey dialog (`navigator.credentials`'
    /// method `call`, after `PublicKeyCredential`'s helper `parse`); the credential made or
    /// chosen there.
    async fn ask_browser(
        window: &web_sys::Window,
        pkc: &JsValue,
        parse: &str,
        call: &str,
        options: &JsValue,
    ) -> Result<JsValue, String> {
        let parse: Function = get(pkc, parse)?.dyn_into().map_err(|_| unsupported())?;
        let public_key = parse
            .call1(pkc, &get(options, "publicKey")?)
            .map_err(|_| unsupported())?;
        let request = Object::new();
        let _ = Reflect::set(&request, &"publicKey".into(), &public_key);
        let credentials = get(&get(window, "navigator")?, "credentials")?;
        let ask: Function = get(&credentials, call)?
            .dyn_into()
            .map_err(|_| unsupported())?;
        let promise: Promise = ask
            .call1(&credentials, &request)
            .map_err(|_| unsupported())?
            .dyn_into()
            .map_err(|_| unsupported())?;
        JsFuture::from(promise).await.map_err(|e| dialog_error(&e))
    }

    /// What the person is told when the passkey dialog gave no credential.
    fn dialog_error(e: &JsValue) -> String {
        let name = get(e, "name")
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "AbortError" => {
                "The passkey dialog was closed; nothing changed. Try again when you are ready."
                    .to_owned()
            }
            "InvalidStateError" => "This passkey is already registered here.".to_owned(),
            _ => "The browser could not use a passkey. Try again.".to_owned(),
        }
    }
}
