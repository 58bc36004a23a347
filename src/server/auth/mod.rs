//! Who is calling and what they may do: browser sessions (stored in the database), the people
//! and sign-in methods behind them, roles on shared accounts, API keys for integrators, the
//! table of who may call what, and CSRF protection for cookie-authenticated writes.

pub mod api_keys;
pub mod browsing;
pub mod csrf;
pub mod memo;
pub mod person;
pub mod session;
pub mod store;
pub mod table;
pub mod viewer;

pub use session::SESSION_COOKIE;
pub use store::session_layer;
pub use store::DbSessionStore;
pub use viewer::{
    account_by_id, caller, require_admin, summarize, viewer_for, who, AccountAccess, Caller, Person,
};
