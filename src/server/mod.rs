//! Everything that runs only on the server. Never compiled into the browser bundle.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod connect;
pub mod crypto;
pub mod db;
pub mod failpoint;
pub mod health;
pub mod ids;
pub mod instagram;
pub mod lifecycle;
pub mod media;
pub mod metrics;
pub mod ops;
pub mod rest;
pub mod router;
pub mod sandbox;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod webhooks;
