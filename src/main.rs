//! The `instagram-connect` binary. All logic lives in the library; see `server::cli`.

/// mimalloc instead of the system's allocator: rendering a page allocates and frees thousands of
/// small strings, and `./dev bench` measures the difference in pages per second.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    instagram_connect::server::cli::run().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is only meaningful with the `ssr` feature; the browser build uses the library.
}
