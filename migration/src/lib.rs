//! The schema, as sea-orm migrations portable between SQLite and PostgreSQL. No seed data here:
//! demo data is loaded by `api serve --demo`.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_accounts;
mod m20261124_000002_catalogue;
mod m20261124_000003_jobs_events;
mod m20261124_000004_orders;
mod m20261124_000005_needs;
mod m20261124_000006_jobs_lease_index;
mod m20261124_000007_order_status_changes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_accounts::Migration),
            Box::new(m20261124_000002_catalogue::Migration),
            Box::new(m20261124_000003_jobs_events::Migration),
            Box::new(m20261124_000004_orders::Migration),
            Box::new(m20261124_000005_needs::Migration),
            Box::new(m20261124_000006_jobs_lease_index::Migration),
            Box::new(m20261124_000007_order_status_changes::Migration),
        ]
    }
}
