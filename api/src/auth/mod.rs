//! Access tokens and the log-in rate limit.

pub mod rate_limit;
pub mod tokens;

pub use rate_limit::AuthLimiter;
pub use tokens::{Claims, TokenKeys};

/// Password hashing takes 19 MiB and a core for tens of milliseconds; letting every request hash
/// at once would trade a login burst for memory and latency spikes everywhere. Two at a time
/// (the machine's cores) keeps both bounded; the rest wait their turn.
pub async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    static GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = GATE
        .acquire()
        .await
        .map_err(|e| crate::error::ApiError::Unexpected(e.into()))?;
    actix_web::web::block(work)
        .await
        .map_err(|e| crate::error::ApiError::Unexpected(e.into()))
}
