//! Waiting for conditions: tests wait for what they expect, never for a fixed time.

/// Waits until `condition` holds (checking every 20 ms, for at most 20 seconds); panics with
/// `what` when it never does. Tests wait for conditions, never for a fixed time.
pub async fn eventually(what: &str, condition: impl AsyncFnMut() -> bool) {
    eventually_within(what, std::time::Duration::from_secs(20), condition).await;
}

/// [`eventually`] with another limit, for work known to take long (hundreds of refreshes).
pub async fn eventually_within(
    what: &str,
    limit: std::time::Duration,
    condition: impl AsyncFnMut() -> bool,
) {
    eventually_explained(what, limit, condition, String::new).await;
}

/// [`eventually_within`] outside an async runtime: a child process starting or exiting.
pub fn eventually_blocking(
    what: &str,
    limit: std::time::Duration,
    mut condition: impl FnMut() -> bool,
) {
    let deadline = std::time::Instant::now() + limit;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened within {limit:?}: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// [`eventually_within`], adding `explain()` (logs, say) to the failure.
pub async fn eventually_explained(
    what: &str,
    limit: std::time::Duration,
    mut condition: impl AsyncFnMut() -> bool,
    explain: impl FnOnce() -> String,
) {
    let deadline = std::time::Instant::now() + limit;
    while !condition().await {
        if std::time::Instant::now() >= deadline {
            panic!("never happened within {limit:?}: {what}\n{}", explain());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
