//! The `instagram-connect` binary. All logic lives in the library; see `server::cli`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    instagram_connect::server::cli::run().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is only meaningful with the `ssr` feature; the browser build uses the library.
}
