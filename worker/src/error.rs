//! The one error type of the worker crate.

#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    /// Worth another try later (SMTP down, database busy, effect in flight elsewhere).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (unreadable payload): dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<domain::DomainError> for JobError {
    fn from(e: domain::DomainError) -> Self {
        Self::Retry(e.to_string())
    }
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Retry(e.to_string())
    }
}
