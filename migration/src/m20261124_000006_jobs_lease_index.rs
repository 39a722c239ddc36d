//! Lets the claim find running jobs whose lease ran out without reading every running job: with
//! only `(status, run_at)` each relay poll read all rows in flight (thousands during a fan-out).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Status,
    LockedUntil,
}

const NAME: &str = "idx_jobs_status_locked_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(Jobs::Table)
                .col(Jobs::Status)
                .col(Jobs::LockedUntil)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Jobs::Table).to_owned())
            .await
    }
}
