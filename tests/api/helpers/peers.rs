//! More instances of a test app: servers in this process on the same database, the same data
//! directory and the same sandbox, reading the same clock, each with its own workers. They
//! stand for the instances behind a load balancer, and for the app started again after a crash.

use std::{collections::HashMap, sync::Arc};

use instagram_connect::server::{clock::OffsetClock, config::Config, startup::Application};
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use super::{TestApp, OUTPUT_NAME};

/// Another instance of a [`TestApp`].
pub struct Peer {
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts another instance on this app's database, data directory and sandbox, reading
    /// `clock`.
    pub async fn peer(&self, clock: Arc<OffsetClock>) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let sandbox = self.sandbox.url().as_str().trim_end_matches('/').to_owned();
        let vars: HashMap<String, String> = HashMap::from([
            ("APP_ENV".into(), "test".into()),
            ("LISTEN_ADDR".into(), addr.to_string()),
            ("PUBLIC_BASE_URL".into(), base_url.clone()),
            (
                "DATA_DIR".into(),
                self.data_dir.path().display().to_string(),
            ),
            (
                "DATABASE_URL".into(),
                self.state.config.database_url.expose().to_owned(),
            ),
            ("INSTAGRAM_OAUTH_BASE".into(), sandbox.clone()),
            ("INSTAGRAM_API_BASE".into(), sandbox.clone()),
            ("INSTAGRAM_GRAPH_BASE".into(), sandbox.clone()),
            (
                "INSTAGRAM_FACEBOOK_GRAPH_BASE".into(),
                format!("{sandbox}/fb"),
            ),
            ("REFRESH_SCHEDULER".into(), "off".into()),
        ]);
        let mut vars = vars;
        let notify = &self.state.config.notify;
        if let (Some(url), Some(from)) = (&notify.smtp_url, &notify.smtp_from) {
            use secrecy::ExposeSecret;
            vars.insert("SMTP_URL".into(), url.expose_secret().to_owned());
            vars.insert("SMTP_FROM".into(), from.clone());
        }
        vars.insert("NOTIFY_POLL_MS".into(), notify.poll_ms.to_string());
        vars.insert(
            "WEBHOOK_TIMEOUT_SECS".into(),
            notify.hook_timeout_secs.to_string(),
        );
        let config =
            Config::from_lookup(|k| vars.get(k).cloned()).expect("a valid peer configuration");
        let leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(self.data_dir.path().join("site").display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let app = Application::build_on_with_clock(listener, config, leptos_options, clock)
            .await
            .expect("the peer starts");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Peer {
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

impl Peer {
    /// Stops the instance and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
