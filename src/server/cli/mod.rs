//! The command line: `instagram-connect [serve]` runs the web app; other subcommands are tools
//! for operators.

mod admin;
mod api_key;
mod args;
mod describe;
mod serve;
mod token_keys;
mod webhooks;

use std::process::ExitCode;

use clap::Parser;

pub use args::{
    AdminCommand, ApiKeyCommand, Cli, Command, IntegrationsCommand, SandboxArgs, WebhooksCommand,
};
pub use describe::describe;

use super::{
    config::{load_dotenv, Config},
    ops, telemetry,
};

/// Exit status for an invalid configuration.
const EXIT_CONFIG: u8 = 2;

/// Parses the command line and runs the chosen subcommand.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = load_dotenv() {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let command = cli.command.unwrap_or(Command::Serve);
    let command = match command {
        Command::Sandbox(args) => return serve::run_sandbox(args).await,
        Command::NewKeyFile { path } => return token_keys::new_key_file(&path),
        other => other,
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    dispatch(config, command).await
}

/// Runs a subcommand that needs the configuration.
async fn dispatch(config: Config, command: Command) -> ExitCode {
    match command {
        Command::CheckConfig => {
            print!("{}", describe(&config));
            ExitCode::SUCCESS
        }
        Command::Sandbox(_) | Command::NewKeyFile { .. } => unreachable!("handled above"),
        Command::ApiKey(cmd) => report(api_key::api_key(config, cmd).await),
        Command::Admin(cmd) => {
            telemetry::init_for_cli();
            report(admin::admin(config, cmd).await)
        }
        Command::RotateKey { rewrap_only } => {
            report(token_keys::rotate_key(config, rewrap_only).await)
        }
        Command::RefreshTokens {
            within,
            all,
            dry_run,
            concurrency,
        } => {
            quiet_logs(config, |config| async move {
                ops::refresh_tokens(
                    config,
                    ops::RefreshOptions {
                        within,
                        all,
                        dry_run,
                        concurrency: concurrency.map(usize::from),
                    },
                )
                .await
            })
            .await
        }
        Command::Integrations(IntegrationsCommand::List) => {
            report(ops::integrations_list(config).await)
        }
        Command::Integrations(IntegrationsCommand::Show { account }) => {
            report(ops::integrations_show(config, &account).await)
        }
        Command::Ping { account } => {
            quiet_logs(
                config,
                |config| async move { ops::ping(config, &account).await },
            )
            .await
        }
        Command::Doctor { send_test_email } => ops::doctor(config, send_test_email).await,
        Command::Webhooks(cmd) => report(webhooks::webhooks(config, cmd).await),
        Command::Serve => {
            telemetry::init(config.log_format);
            match serve::serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "the server stopped with an error");
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Runs a command whose output is for people: logs go to stderr, warnings and errors only.
async fn quiet_logs<F, Fut>(config: Config, run: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    telemetry::init_for_cli();
    match run(config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The exit status of a command's result; an error is printed with its causes.
fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
