//! One module per route.

pub mod accounts;
pub mod admin;
pub mod calendar;
pub mod callback;
pub mod connect;
pub mod deletion;
pub mod developers;
pub mod discover;
pub mod facebook;
pub mod hashtags;
pub mod home;
pub mod insights;
pub mod invite;
pub mod media;
pub mod not_found;
pub mod post;
pub mod publish;
pub mod publish_job;
pub mod sharing;
pub mod sign_in;
