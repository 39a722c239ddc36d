//! Services: rules as functions over `C: ConnectionTrait`, so they run inside a caller's
//! transaction. Each takes the `Actor` doing it and checks what that actor may see or change.

pub mod accounts;
pub mod actor;
pub mod bundles;
pub mod enterprises;
pub mod events;
pub mod needs;
pub mod notifications;
pub mod orders;
pub mod page;
pub mod passwords;
pub mod products;
pub mod stats;
pub mod suppliers;

pub use actor::Actor;
pub use page::{Page, PageRequest};

/// Begins a transaction for a change that reads first: on SQLite it takes the write lock at
/// once, so the write never fails with SQLITE_BUSY because another writer committed between
/// the read and the write. PostgreSQL ignores the mode.
///
/// # Errors
/// Database errors.
pub async fn begin_write<D: sea_orm::TransactionTrait>(
    db: &D,
) -> Result<D::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..sea_orm::TransactionOptions::default()
    })
    .await
}
