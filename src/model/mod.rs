//! Wire types shared by the server and the browser build.
//!
//! Nothing in here may depend on server-only crates: these types cross the network between
//! server functions and the hydrated UI, so they carry no secrets and use fixed-width integers.

pub mod access;
mod account;
pub mod admin;
mod developers;
mod error;
pub mod format;
mod health;
pub mod media;
pub mod notify;

pub use access::{Capability, MethodKind, Role, SignInMethod};
pub use account::{
    scope_label, ConnectError, ConnectOutcome, ConnectResult, CurrentViewer, DeletionStatus,
    FacebookConnectView, FacebookLink, FacebookPageOption, IntegrationStatus, IntegrationSummary,
    Outcome, Viewer,
};
pub use developers::{ApiOperation, ApiReference};
pub use error::AppError;
pub use health::{DatabaseHealth, Health, HealthStatus};
pub use media::*;
