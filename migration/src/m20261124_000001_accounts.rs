//! Users, refresh tokens, enterprises and suppliers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    Role,
    OrganisationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    Name,
    CreditCode,
    Industry,
    District,
    Employees,
    AnnualRevenueWan,
    Specialised,
    DigitalLevel,
    DigitalLevelBaseline,
    ContactName,
    ContactPhone,
    ContactEmail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Suppliers {
    Table,
    Id,
    Name,
    CreditCode,
    Kind,
    Industries,
    Description,
    ContactEmail,
    Status,
    StatusReason,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(string_len(Users::Id, 36).primary_key())
                .col(string_len_uniq(Users::Email, 254))
                .col(string(Users::PasswordHash))
                .col(string_len(Users::DisplayName, 60))
                .col(string_len(Users::Role, 24))
                .col(string_len_null(Users::OrganisationId, 36))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_organisation")
                .table(Users::Table)
                .col(Users::OrganisationId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(string_len(RefreshTokens::Id, 36).primary_key())
                .col(string_len(RefreshTokens::UserId, 36))
                .col(string_len(RefreshTokens::FamilyId, 36))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Enterprises::Table)
                .col(string_len(Enterprises::Id, 36).primary_key())
                .col(string_len(Enterprises::Name, 100))
                .col(string_len_uniq(Enterprises::CreditCode, 18))
                .col(string_len(Enterprises::Industry, 24))
                .col(string_len(Enterprises::District, 50))
                .col(integer(Enterprises::Employees))
                .col(big_integer(Enterprises::AnnualRevenueWan))
                .col(string_len(Enterprises::Specialised, 24))
                .col(integer(Enterprises::DigitalLevel))
                .col(integer(Enterprises::DigitalLevelBaseline))
                .col(string_len(Enterprises::ContactName, 50))
                .col(string_len(Enterprises::ContactPhone, 20))
                .col(string_len(Enterprises::ContactEmail, 254))
                .col(timestamp_with_time_zone(Enterprises::CreatedAt))
                .col(timestamp_with_time_zone(Enterprises::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_enterprises_industry", Enterprises::Industry),
            ("idx_enterprises_district", Enterprises::District),
            ("idx_enterprises_digital_level", Enterprises::DigitalLevel),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Enterprises::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Suppliers::Table)
                .col(string_len(Suppliers::Id, 36).primary_key())
                .col(string_len(Suppliers::Name, 100))
                .col(string_len_uniq(Suppliers::CreditCode, 18))
                .col(string_len(Suppliers::Kind, 24))
                .col(json_binary(Suppliers::Industries))
                .col(text(Suppliers::Description))
                .col(string_len(Suppliers::ContactEmail, 254))
                .col(string_len(Suppliers::Status, 24))
                .col(text_null(Suppliers::StatusReason))
                .col(timestamp_with_time_zone(Suppliers::CreatedAt))
                .col(timestamp_with_time_zone(Suppliers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_suppliers_status")
                .table(Suppliers::Table)
                .col(Suppliers::Status)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Suppliers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Enterprises::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
