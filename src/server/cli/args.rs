//! The command line's arguments: the subcommands, their options and their help text.

use clap::{Parser, Subcommand};

use crate::server::ops;

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
    /// Checks the setup (database, keys, Instagram, mail) and says how to fix what fails.
    Doctor {
        /// Also sends a test email to this address through SMTP_URL.
        #[arg(long, value_name = "ADDRESS")]
        send_test_email: Option<String>,
    },
    /// Webhook endpoints the app sends events to.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

/// `webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Adds an endpoint and prints its signing secret.
    Add {
        /// Where events are posted (https in production).
        url: String,
        /// Event types, comma separated (default: all).
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// What it is for.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Lists endpoints and their last deliveries.
    List,
    /// Deletes an endpoint.
    Remove {
        /// Its ID (`wep_…`).
        id: String,
    },
    /// Sends a `test.ping` event to an endpoint (delivered by the running server).
    Test {
        /// Its ID.
        id: String,
    },
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
