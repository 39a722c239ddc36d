//! Access tokens and the log-in rate limit.

pub mod rate_limit;
pub mod tokens;

pub use rate_limit::AuthLimiter;
pub use tokens::{Claims, TokenKeys};
