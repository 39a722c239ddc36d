//! The marketplace's entities and business rules: typed values, state machines, the 小快轻准
//! policy and the services that change state inside a caller's transaction.
//!
//! May import sea-orm and plain libraries only: no HTTP, no Redis, no SMTP (DESIGN.md).

pub mod entities;
pub mod error;
pub mod jobs;
pub mod lifecycle;
pub mod orders_lifecycle;
pub mod services;
pub mod values;
pub mod xkqz;

pub use error::{Checker, DomainError, DomainResult, FieldErrors};

/// A new opaque identifier (UUID v7: time-ordered, so indexes stay compact).
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
