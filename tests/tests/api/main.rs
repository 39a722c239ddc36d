//! End-to-end tests through HTTP against the real server, on SQLite always and on PostgreSQL
//! when `TEST_DATABASE_URL` is set. One test binary (faster links), one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed test is meant to panic

mod helpers;
mod problems;
mod smtp;

mod accounts;
mod bundles;
mod enterprises;
mod events;
mod needs;
mod operations;
mod orders;
mod products;
mod security;
mod validation;
