//! Orders, their items (with the prices snapshotted when ordered), and the idempotency keys
//! that make placing an order safe to retry.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Suppliers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Bundles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    EnterpriseId,
    SupplierId,
    PlacedBy,
    Status,
    TotalFen,
    NeedId,
    Note,
    RejectReason,
    Contract,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    OrderId,
    Position,
    ProductId,
    BundleId,
    Name,
    Quantity,
    UnitPriceFen,
    LineTotalFen,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    RequestHash,
    OrderId,
    StatusCode,
    CreatedAt,
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Orders::Table)
                .col(string_len(Orders::Id, 36).primary_key())
                .col(string_len(Orders::EnterpriseId, 36))
                .col(string_len(Orders::SupplierId, 36))
                .col(string_len(Orders::PlacedBy, 36))
                .col(string_len(Orders::Status, 24))
                .col(big_integer(Orders::TotalFen))
                // Needs do not exist yet: a plain string for now, a foreign key once they do.
                .col(string_len_null(Orders::NeedId, 64))
                .col(text_null(Orders::Note))
                .col(text_null(Orders::RejectReason))
                .col(json_binary_null(Orders::Contract))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .col(timestamp_with_time_zone(Orders::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Orders::Table, Orders::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Orders::Table, Orders::SupplierId)
                        .to(Suppliers::Table, Suppliers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Orders::Table, Orders::PlacedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // Each side lists its own orders newest first; organisers filter by status; /stats
        // groups by status.
        for (name, cols) in [
            (
                "idx_orders_enterprise_created",
                &["enterprise_id", "created_at"][..],
            ),
            (
                "idx_orders_supplier_created",
                &["supplier_id", "created_at"][..],
            ),
            ("idx_orders_status_created", &["status", "created_at"][..]),
        ] {
            m.create_index(index(name, Orders::Table, cols)).await?;
        }

        m.create_table(
            Table::create()
                .table(OrderItems::Table)
                .col(string_len(OrderItems::OrderId, 36))
                .col(integer(OrderItems::Position))
                .col(string_len_null(OrderItems::ProductId, 36))
                .col(string_len_null(OrderItems::BundleId, 36))
                .col(string_len(OrderItems::Name, 60))
                .col(integer(OrderItems::Quantity))
                .col(big_integer(OrderItems::UnitPriceFen))
                .col(big_integer(OrderItems::LineTotalFen))
                .primary_key(
                    Index::create()
                        .col(OrderItems::OrderId)
                        .col(OrderItems::Position),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderItems::Table, OrderItems::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderItems::Table, OrderItems::ProductId)
                        .to(Products::Table, Products::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderItems::Table, OrderItems::BundleId)
                        .to(Bundles::Table, Bundles::Id),
                )
                .to_owned(),
        )
        .await?;

        // The primary key (user_id, key) is what makes one key create one order: a concurrent
        // request with the same key fails on it and answers with the stored order instead.
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(string_len(IdempotencyKeys::UserId, 36))
                .col(string_len(IdempotencyKeys::Key, 255))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(string_len(IdempotencyKeys::OrderId, 36))
                .col(integer(IdempotencyKeys::StatusCode))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::UserId)
                        .col(IdempotencyKeys::Key),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(IdempotencyKeys::Table, IdempotencyKeys::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(IdempotencyKeys::Table, IdempotencyKeys::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Expired keys are swept by age.
        m.create_index(index(
            "idx_idempotency_keys_created",
            IdempotencyKeys::Table,
            &["created_at"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IdempotencyKeys::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
