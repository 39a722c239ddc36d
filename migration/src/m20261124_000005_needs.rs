//! Enterprises' needs (需求), matched to products and shown to suppliers as leads.

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
enum Needs {
    Table,
    Id,
    EnterpriseId,
    CreatedBy,
    Title,
    Description,
    Stages,
    BudgetFen,
    MaxDeployDays,
    Status,
    CreatedAt,
    UpdatedAt,
}

fn index(name: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Needs::Table);
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
                .table(Needs::Table)
                .col(string_len(Needs::Id, 36).primary_key())
                .col(string_len(Needs::EnterpriseId, 36))
                .col(string_len(Needs::CreatedBy, 36))
                .col(string_len(Needs::Title, 100))
                .col(text(Needs::Description))
                .col(json_binary(Needs::Stages))
                .col(big_integer(Needs::BudgetFen))
                .col(integer_null(Needs::MaxDeployDays))
                .col(string_len(Needs::Status, 24))
                .col(timestamp_with_time_zone(Needs::CreatedAt))
                .col(timestamp_with_time_zone(Needs::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Needs::Table, Needs::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Needs::Table, Needs::CreatedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // An enterprise lists its own needs newest first; leads and new-listing notices read
        // the open ones.
        m.create_index(index(
            "idx_needs_enterprise_created",
            &["enterprise_id", "created_at"],
        ))
        .await?;
        m.create_index(index("idx_needs_status_created", &["status", "created_at"]))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Needs::Table).to_owned())
            .await
    }
}
