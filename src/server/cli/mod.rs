//! The command line: `instagram-connect [serve]` runs the web app; other subcommands are tools
//! for operators.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use super::{
    auth::api_keys,
    clock::{Clock, SystemClock},
    config::{load_dotenv, Config, SandboxMode},
    crypto::{append_key, KeySource},
    db, ops,
    sandbox::{Sandbox, SandboxApp, SandboxOptions, APP_ID},
    startup::{check_keys, shutdown_signal, Application},
    telemetry,
};

/// Connect Instagram professional accounts, browse their media and keep their tokens alive.
#[derive(Debug, Parser)]
#[command(name = "instagram-connect", version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Check the configuration and print it, secrets hidden. Exits with 2 when it is invalid.
    CheckConfig,
    /// Run the Instagram sandbox on its own (for tests, demos and several app instances).
    /// Refused when APP_ENV is production.
    Sandbox(SandboxArgs),
    /// Manage API keys for the REST API.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Make and list admins: a one-time link makes whoever opens it an admin, with a passkey.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Add a new token-encryption key to the key file and re-seal every token with it.
    /// Safe to run again after an interruption (--rewrap-only resumes without a new key).
    RotateKey {
        /// Re-seal with the current key only, without adding one.
        #[arg(long)]
        rewrap_only: bool,
    },
    /// Create a key file with one fresh key (owner-only permissions), for
    /// TOKEN_ENCRYPTION_KEY_FILE.
    NewKeyFile {
        /// Where to create it (it must not exist).
        path: std::path::PathBuf,
    },
    /// Refresh the tokens that expire soon, as the server's scheduler does; for cron, e.g.
    /// weekly: `0 0 * * 0 instagram-connect refresh-tokens`. Exits with 1 when any refresh
    /// failed.
    RefreshTokens {
        /// Refresh tokens expiring within this window: 30d, 12h, 90m (default:
        /// REFRESH_WINDOW_DAYS, 30 days).
        #[arg(long, value_parser = ops::parse_window, conflicts_with = "all")]
        within: Option<i64>,
        /// Refresh every token that is at least a day old, whatever its expiry.
        #[arg(long)]
        all: bool,
        /// Only list the tokens that would be refreshed.
        #[arg(long)]
        dry_run: bool,
        /// Refreshes at a time (default: REFRESH_CONCURRENCY, 4).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: Option<u16>,
    },
    /// Inspect connected accounts.
    #[command(subcommand)]
    Integrations(IntegrationsCommand),
    /// Call Instagram with an account's token: does it work, how fast, how much of the rate
    /// limit is used.
    Ping {
        /// The integration's ID, the username, or the Instagram user ID.
        account: String,
    },
    /// Check the configuration, the database, the token key and whether the Instagram hosts
    /// can be reached, with what to fix.
    Doctor,
}

/// `instagram-connect integrations …`
#[derive(Debug, Subcommand)]
pub enum IntegrationsCommand {
    /// Every connected account with its status and token expiry.
    List,
    /// One account: token (masked), scopes, expiry, refresh history, last error.
    Show {
        /// The integration's ID, the username, or the Instagram user ID.
        account: String,
    },
}

/// `instagram-connect admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print a one-time link that makes whoever opens it (and adds a passkey) an admin.
    Invite {
        /// How long the link works, in hours.
        #[arg(long, default_value_t = crate::server::sharing::ADMIN_HOURS,
              value_parser = clap::value_parser!(i64).range(1..=720))]
        hours: i64,
    },
    /// The admins: those made with a link, and the owners of the accounts in
    /// ADMIN_INSTAGRAM_USERS.
    List,
    /// Ends the admin rights a link gave a person (by their ID, from `admin list`).
    Remove {
        /// The person's ID (`usr_…`).
        person: String,
    },
    /// The admin links made, and whether each was used.
    Invitations,
    /// Withdraws an unused admin link (by its ID, from `admin invitations`).
    RevokeInvitation {
        /// The invitation's ID (`inv_…`).
        id: String,
    },
}

/// `instagram-connect api-key …`
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by ID.
    Revoke {
        /// The key's ID (`key_…`).
        id: String,
    },
}

/// Options of `instagram-connect sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:3100")]
    pub listen: std::net::SocketAddr,
    /// The address browsers reach the sandbox at, if not the one they asked for.
    #[arg(long)]
    pub public_url: Option<url::Url>,
    /// Where to deliver comment webhooks (the app's /integrations/instagram/webhook).
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Redirect URIs registered for the sandbox app (repeatable); none: any http(s) URI.
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
}

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
        Command::Sandbox(args) => return run_sandbox(args).await,
        Command::NewKeyFile { path } => {
            return match crate::server::crypto::create_key_file(&path) {
                Ok(()) => {
                    println!("Created {}: set TOKEN_ENCRYPTION_KEY_FILE to it and keep it apart from the database.", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        other => other,
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match command {
        Command::CheckConfig => {
            print!("{}", describe(&config));
            ExitCode::SUCCESS
        }
        Command::Sandbox(_) | Command::NewKeyFile { .. } => unreachable!("handled above"),
        Command::ApiKey(cmd) => report(api_key(config, cmd).await),
        Command::Admin(cmd) => {
            telemetry::init_for_cli();
            report(admin(config, cmd).await)
        }
        Command::RotateKey { rewrap_only } => report(rotate_key(config, rewrap_only).await),
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
        Command::Doctor => ops::doctor(config).await,
        Command::Serve => {
            telemetry::init(config.log_format);
            match serve(config).await {
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

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn api_key(config: Config, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let store = db::open(&config.database_url).await?;
    let now = SystemClock.now();
    match cmd {
        ApiKeyCommand::Create { name } => {
            let key = api_keys::create(store.as_ref(), name.trim(), now).await?;
            println!("Created API key {} ({}).", key.row.id, key.row.name);
            println!("Key (shown only now; store it as a secret):");
            println!("{}", key.secret);
        }
        ApiKeyCommand::List => {
            let keys = store.api_keys().await?;
            if keys.is_empty() {
                println!(
                    "No API keys. Create one with `instagram-connect api-key create --name NAME`."
                );
            }
            for k in keys {
                let state = match k.revoked_at {
                    Some(_) => "revoked".to_owned(),
                    None => match k.last_used_at {
                        Some(t) => format!("last used {}", crate::server::tokens::rfc3339(t)),
                        None => "never used".to_owned(),
                    },
                };
                println!("{:<24} {:<20} {}…  {state}", k.id, k.name, k.prefix);
            }
        }
        ApiKeyCommand::Revoke { id } => {
            if store.api_key_revoke(&id, now).await? {
                println!("Revoked {id}.");
            } else {
                anyhow::bail!("no active API key has the ID {id}");
            }
        }
    }
    store.close().await;
    Ok(())
}

async fn admin(config: Config, cmd: AdminCommand) -> anyhow::Result<()> {
    use crate::server::sharing;
    let st = crate::server::startup::offline_state(config).await?;
    let now = st.clock.now();
    let rfc = crate::server::tokens::rfc3339;
    match cmd {
        AdminCommand::Invite { hours } => {
            let (link, expires_at) = sharing::admin_invitation(&st, hours)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("This link makes whoever opens it an admin, once they add a passkey. It works once, until {}:", rfc(expires_at));
            println!("{link}");
            if !st.passkeys.available() {
                println!("note: passkeys do not work at PUBLIC_BASE_URL ({}): open the app at a domain name or localhost.", st.config.public_base_url);
            }
        }
        AdminCommand::List => {
            let admins = st.store.admins().await?;
            if admins.is_empty() && st.config.admins.is_empty() {
                println!("No admins yet. Make one with `instagram-connect admin invite`.");
            }
            for (user, at, by) in admins {
                println!(
                    "{:<20} {:<24} admin since {} ({by})",
                    user.id,
                    user.display_name,
                    rfc(at)
                );
            }
            for ig in &st.config.admins {
                match st.store.integration_by_instagram_id(ig).await? {
                    Some(row) if row.is_active() => {
                        for m in st.store.members_of(&row.id).await? {
                            if m.role == "owner" {
                                println!("{:<20} {:<24} admin while they own @{} (ADMIN_INSTAGRAM_USERS)", m.user_id, m.display_name, row.username);
                            }
                        }
                    }
                    Some(row) => println!("(nobody)             @{} is listed in ADMIN_INSTAGRAM_USERS but not connected and active", row.username),
                    None => println!("(nobody)             Instagram user {ig} is listed in ADMIN_INSTAGRAM_USERS but not connected"),
                }
            }
        }
        AdminCommand::Remove { person } => {
            if st.store.admin_revoke(&person).await? {
                println!("{person} is no longer an admin (made by a link).");
            } else {
                anyhow::bail!(
                    "{person} was not made an admin by a link (see `instagram-connect admin list`)"
                );
            }
        }
        AdminCommand::Invitations => {
            let all = st.store.invitations_by(None).await?;
            if all.is_empty() {
                println!("No admin links. Make one with `instagram-connect admin invite`.");
            }
            for (row, _) in all {
                let state = sharing::state_of(&row, now);
                let who = row.used_by.clone().unwrap_or_default();
                println!(
                    "{:<28} made {}  expires {}  {} {who}",
                    row.id,
                    rfc(row.created_at),
                    rfc(row.expires_at),
                    state.label()
                );
            }
        }
        AdminCommand::RevokeInvitation { id } => {
            if st.store.invitation_revoke(&id, None, now).await? {
                println!("The admin link {id} no longer works.");
            } else {
                anyhow::bail!("no unused admin link has the ID {id} (see `instagram-connect admin invitations`)");
            }
        }
    }
    st.store.close().await;
    Ok(())
}

async fn rotate_key(config: Config, rewrap_only: bool) -> anyhow::Result<()> {
    let KeySource::File { path, create } = &config.token_keys else {
        anyhow::bail!("keys can be rotated only in a key file: set TOKEN_ENCRYPTION_KEY_FILE instead of TOKEN_ENCRYPTION_KEY");
    };
    if *create && !path.exists() {
        anyhow::bail!(
            "there is no key file at {} yet: nothing to rotate",
            path.display()
        );
    }
    let store = db::open(&config.database_url).await?;
    let now = SystemClock.now();
    check_keys(
        store.as_ref(),
        &config.token_keys.load().map_err(anyhow::Error::msg)?,
        now,
    )
    .await?;
    if !rewrap_only {
        let id = append_key(path).map_err(anyhow::Error::msg)?;
        println!(
            "Added key {id} to {}; new tokens are sealed with it.",
            path.display()
        );
    }
    let keyring = config.token_keys.load().map_err(anyhow::Error::msg)?;
    check_keys(store.as_ref(), &keyring, now).await?;
    let current = keyring.current_id().to_owned();
    let (mut done, mut skipped) = (0, 0);
    for row in store.integrations_all().await? {
        let Some(sealed) = row.sealed() else { continue };
        if sealed.key_id == current {
            continue;
        }
        let token = keyring
            .open(&row.id, &sealed)
            .map_err(|e| anyhow::anyhow!("integration {}: {e}", row.id))?;
        if store
            .integration_rewrap(&row.id, row.version, &keyring.seal(&row.id, &token), now)
            .await?
        {
            done += 1;
        } else {
            // Refreshed meanwhile: the new token is already sealed with the current key.
            skipped += 1;
        }
    }
    let still: Vec<String> = store
        .token_key_ids_in_use()
        .await?
        .into_iter()
        .filter(|k| *k != current)
        .collect();
    println!("Re-sealed {done} token(s) with {current} ({skipped} changed meanwhile).");
    if still.is_empty() {
        println!("No token uses an older key any more: once every instance runs with this file, older keys may be removed from it.");
    } else {
        println!(
            "Tokens still sealed with {}: run `instagram-connect rotate-key --rewrap-only` again.",
            still.join(", ")
        );
    }
    store.close().await;
    Ok(())
}

async fn run_sandbox(args: SandboxArgs) -> ExitCode {
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
    telemetry::init(super::config::LogFormat::Pretty);
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

async fn serve(config: Config) -> anyhow::Result<()> {
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

/// A readable summary of the configuration with every secret replaced by "set".
pub fn describe(c: &Config) -> String {
    let set = |present: bool| if present { "set (hidden)" } else { "not set" };
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<32} {v}\n"));
    line("APP_ENV", c.app_env.as_str());
    line("LISTEN_ADDR", &c.listen_addr.to_string());
    line("PUBLIC_BASE_URL", c.public_base_url.as_str());
    line("DATA_DIR", &c.data_dir.display().to_string());
    line("DATABASE_URL", &format!("{:?}", c.database_url));
    let instagram = match &c.instagram.sandbox {
        SandboxMode::Off => "the real Instagram".to_owned(),
        SandboxMode::Embedded { listen_addr, .. } => {
            format!("the built-in sandbox on {listen_addr}")
        }
        SandboxMode::External => "a sandbox at the configured hosts".to_owned(),
    };
    line("Instagram", &instagram);
    line(
        "INSTAGRAM_GRAPH_BASE",
        c.instagram.endpoints.graph_base.as_str(),
    );
    line(
        "INSTAGRAM_GRAPH_VERSION",
        &c.instagram.endpoints.graph_version,
    );
    line("INSTAGRAM_SCOPES", &c.instagram.scopes.join(","));
    line(
        "INSTAGRAM_REQUESTS_PER_HOUR",
        &c.instagram.requests_per_hour.to_string(),
    );
    match &c.instagram.credentials {
        Some(creds) => {
            line("INSTAGRAM_APP_ID", &creds.app_id);
            line(
                "INSTAGRAM_APP_SECRET",
                set(!creds.app_secret.expose_secret().is_empty()),
            );
        }
        None => {
            line(
                "INSTAGRAM_APP_ID",
                "not set: the built-in Instagram sandbox is used",
            );
            line("INSTAGRAM_APP_SECRET", "not set");
        }
    }
    line("INSTAGRAM_REDIRECT_URI", &c.instagram.redirect_uri);
    line(
        "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
        set(c.instagram.webhook_verify_token.is_some()),
    );
    line(
        "Meta/previous app secrets",
        &format!("{} more (hidden)", c.instagram.extra_webhook_secrets.len()),
    );
    line(
        "INSTAGRAM_EXTRA_REDIRECT_URIS",
        &if c.extra_redirect_uris.is_empty() {
            "none".to_owned()
        } else {
            c.extra_redirect_uris.join(",")
        },
    );
    line(
        "Token keys",
        &match &c.token_keys {
            KeySource::File { path, create: true } => {
                format!("{} (created on first run)", path.display())
            }
            KeySource::File {
                path,
                create: false,
            } => path.display().to_string(),
            KeySource::Env(_) => "TOKEN_ENCRYPTION_KEY (hidden)".to_owned(),
        },
    );
    line(
        "ADMIN_INSTAGRAM_USERS",
        &if c.admins.is_empty() {
            "none".to_owned()
        } else {
            c.admins.join(",")
        },
    );
    line(
        "REST_EXPOSE_TOKEN_TO_BROWSER",
        &c.expose_token_to_browser.to_string(),
    );
    line("LOG_FORMAT", &format!("{:?}", c.log_format).to_lowercase());
    out
}
