//! Reusable views.

pub mod account;
pub mod admin;
pub mod chart;
pub mod comments;
pub mod enhance;
pub mod icons;
pub mod layout;
pub mod media;
pub mod notify;
pub mod passkey;
pub mod publish;
pub mod theme;
pub mod tiles;
