//! The web adapters that are not pages or server functions: the form and fragment routes the
//! [`Enhance`](crate::components::enhance::Enhance) island and plain forms post to, and the admin
//! console's live parts. Each handler checks its caller, calls a service, and answers through
//! [`fragment`].

pub mod admin;
pub mod facebook;
pub mod fragment;
pub mod kept;
pub mod media;
pub mod meta;
pub mod metrics;
pub mod notify;
pub mod passkeys;
pub mod publish;
pub mod uploads;
