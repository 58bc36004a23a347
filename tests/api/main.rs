//! HTTP-level tests: the real app on a loopback port, driven with a real HTTP client, and the
//! Instagram client against the sandbox.
//!
//! One test binary (modules below) keeps linking to once per build.

mod access;
mod admin;
mod assets;
mod authenticator;
mod cli;
mod connect;
mod contract;
mod dist;
mod faults;
mod gallery;
mod health;
mod helpers;
mod instagram;
mod instances;
mod lifecycle;
mod migration;
mod notify;
mod outage;
mod pages;
mod people;
mod rest;
mod rotation;
mod sandbox;
mod security;
mod storage;
mod webhooks;
