//! PostgreSQL unreachable and back (every connection cut and new ones refused, by a proxy in
//! front of the server): requests get a 503, nothing reaches Instagram that could not be
//! recorded, and the app carries on by itself once the database answers again.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

use super::{assert_unavailable, deliver, ready, refresh};
use crate::helpers::{eventually, eventually_within, postgres_database, Raw, TestApp};

/// A TCP proxy to the database server that a test cuts (its port closed, so connecting is
/// refused as with a stopped server, and every open connection dropped) and restores (the same
/// port open again).
struct Cut {
    addr: SocketAddr,
    upstream: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Cut {
    async fn to(upstream: String) -> Cut {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let cut = Cut {
            addr: listener.local_addr().unwrap(),
            upstream,
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        cut.serve(listener);
        cut
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(link.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// The port closed and every open connection dropped.
    async fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        // The listener is gone once its task has stopped.
        crate::helpers::eventually("the port to close", async || {
            TcpStream::connect(self.addr).await.is_err()
        })
        .await;
    }

    async fn restore(&self) {
        self.serve(
            TcpListener::bind(self.addr)
                .await
                .expect("the same port again"),
        );
    }
}

#[tokio::test]
async fn an_unreachable_postgresql_refuses_with_503_and_the_app_recovers_by_itself() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let mut direct = url::Url::parse(&url).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = Cut::to(upstream).await;
    direct.set_host(Some("127.0.0.1")).unwrap();
    direct.set_port(Some(proxy.addr.port())).unwrap();
    let app = TestApp::builder()
        .var("DATABASE_URL", direct.as_str())
        .spawn()
        .await;
    let (_, id, key) = ready(&app).await;
    let refreshes = || app.sandbox.requests_to("ig_refresh_token").len();

    proxy.cut().await;
    let (status, body) = deliver(&app, "17999000000002001", 10).await;
    assert_unavailable("a webhook delivery", status, &body);
    let (status, retry, body) = refresh(&app, &key, &id).await;
    assert_unavailable("a refresh", status, &body);
    assert_eq!(retry.as_deref(), Some("5"));
    assert_eq!(
        app.get("/healthz").await.status(),
        503,
        "health says so too"
    );
    assert_eq!(
        refreshes(),
        0,
        "nothing reached Instagram that could not be recorded"
    );
    proxy.restore().await;

    eventually("the app to answer again", async || {
        app.get("/healthz").await.status() == 200
    })
    .await;
    let (status, _) = deliver(&app, "17999000000002001", 10).await;
    assert_eq!(status, 200);
    let (status, _, body) = refresh(&app, &key, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(refreshes(), 1);
    let raw = Raw::of(&app).await;
    assert_eq!(raw.count("SELECT COUNT(*) FROM webhook_events").await, 1);
    eventually_within(
        "the delivery to be processed",
        std::time::Duration::from_secs(30),
        async || {
            raw.count(
                "SELECT COUNT(*) FROM webhook_events WHERE status NOT IN ('pending', 'processing')",
            )
            .await
                == 1
        },
    )
    .await;
    app.stop().await;
}
