//! The long-running subcommands: `serve` (the web app) and `sandbox` (the Instagram sandbox
//! on its own).

use std::process::ExitCode;

use crate::server::{
    config::{Config, LogFormat},
    sandbox::{Sandbox, SandboxApp, SandboxOptions, APP_ID},
    startup::{shutdown_signal, Application},
    telemetry,
};

use super::{SandboxArgs, EXIT_CONFIG};

/// Runs the sandbox until Ctrl-C; refused with APP_ENV=production.
pub(super) async fn run_sandbox(args: SandboxArgs) -> ExitCode {
    let production = std::env::var("APP_ENV").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "production" | "prod"
        )
    });
    if production {
        eprintln!("error: the Instagram sandbox never runs with APP_ENV=production");
        return ExitCode::from(EXIT_CONFIG);
    }
    telemetry::init(LogFormat::Pretty);
    let options = SandboxOptions {
        public_url: args.public_url,
        app: SandboxApp {
            redirect_uris: args.redirect_uris,
            ..SandboxApp::default()
        },
        webhook_url: args.webhook_url,
    };
    match Sandbox::bind(args.listen, options).await {
        Ok(sandbox) => {
            tracing::info!(sandbox.url = %sandbox.url(), app.id = APP_ID, "Instagram sandbox ready");
            println!(
                "Instagram sandbox on {} (app ID {APP_ID}); Ctrl-C stops it.",
                sandbox.url()
            );
            shutdown_signal().await;
            sandbox.stop().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: could not listen on {}: {e}", args.listen);
            ExitCode::FAILURE
        }
    }
}

/// Serves the web app until a shutdown signal.
pub(super) async fn serve(config: Config) -> anyhow::Result<()> {
    let mut leptos_options = leptos::config::get_configuration(None)
        .map_err(|e| anyhow::anyhow!("the LEPTOS_* settings are invalid: {e}"))?
        .leptos_options;
    leptos_options.site_addr = config.listen_addr;
    let public_url = config.public_url("/");
    let app = Application::build(config, leptos_options).await?;
    tracing::info!(
        listen.addr = %app.local_addr(),
        public.url = %public_url,
        instagram.sandbox = app.sandbox().map(|s| s.url().to_string()),
        "instagram-connect is ready"
    );
    app.run_until(shutdown_signal()).await
}
