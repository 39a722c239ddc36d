//! Background jobs: the outbox runner (in-process in the embedded mode), the Redis Streams
//! transport (relay + consumer group) for the scale-out mode, and mail with lettre.
//!
//! May import `domain`, sea-orm, Redis and lettre; never the HTTP API.

pub mod app;
pub mod context;
pub mod db;
pub mod error;
pub mod handlers;
pub mod mail;
pub mod redis_transport;
pub mod runner;
pub mod search_jobs;
pub mod settings;

pub use context::{JobContext, SearchIndex};
pub use error::JobError;
pub use settings::JobSettings;
