//! Opening the database, shared by both binaries.

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

/// Opens `url` with a bounded pool and per-query timeouts (statement timeout on PostgreSQL,
/// busy timeout on SQLite, which also runs in WAL mode with foreign keys on).
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect(
    url: &str,
    max_connections: u32,
    query_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let postgres = url.starts_with("postgres");
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(query_timeout)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if postgres {
        opts.statement_timeout(query_timeout);
    } else {
        opts.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(query_timeout)
                .foreign_keys(true)
                // Reads straight from the file's pages instead of copying them into each
                // connection's page cache first.
                .pragma("mmap_size", "268435456")
        });
    }
    Database::connect(opts)
        .await
        .context("DATABASE_URL: cannot connect to the database")
}
