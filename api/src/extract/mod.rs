//! Request extractors that answer with the error table.

pub mod auth;
pub mod json;
pub mod query;

pub use auth::{AuthUser, MaybeUser};
pub use json::Json;
pub use query::QueryMap;
