//! When each order reached each status, and who moved it there: the order's timeline for both
//! parties and the bureau. An order passes through a status at most once (the workflow has no
//! loops), so the pair is the key. `placed` is not stored: the order's own `created_at` and
//! `placed_by` say it, and placing stays one insert lighter.
//!
//! Orders moved before this table existed get their current status, reached at their
//! `updated_at` (every move sets it, nothing else does); who moved them, and when they passed
//! the steps between, was not kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderStatusChanges {
    Table,
    OrderId,
    Status,
    ChangedBy,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OrderStatusChanges::Table)
                .col(string_len(OrderStatusChanges::OrderId, 36))
                .col(string_len(OrderStatusChanges::Status, 24))
                // Null for the steps of older orders (see above).
                .col(string_len_null(OrderStatusChanges::ChangedBy, 36))
                .col(timestamp_with_time_zone(OrderStatusChanges::ChangedAt))
                .primary_key(
                    Index::create()
                        .col(OrderStatusChanges::OrderId)
                        .col(OrderStatusChanges::Status),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderStatusChanges::Table, OrderStatusChanges::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderStatusChanges::Table, OrderStatusChanges::ChangedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO order_status_changes (order_id, status, changed_by, changed_at) \
                 SELECT id, status, NULL, updated_at FROM orders WHERE status <> 'placed'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OrderStatusChanges::Table).to_owned())
            .await
    }
}
