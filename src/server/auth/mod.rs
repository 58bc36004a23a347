//! Who is calling: browser sessions (stored in the database), API keys for integrators, the
//! admin rule, and CSRF protection for cookie-authenticated writes.

pub mod api_keys;
pub mod csrf;
pub mod session;
pub mod store;
pub mod viewer;

pub use session::{session_layer, SESSION_COOKIE};
pub use store::DbSessionStore;
pub use viewer::{summarize, viewer_for, Caller};
