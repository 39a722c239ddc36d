//! Products, their filter rows, bundles.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suppliers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    SupplierId,
    Name,
    Summary,
    Description,
    Industries,
    Stages,
    Delivery,
    PriceFen,
    PilotPriceFen,
    PriceUnit,
    DeployDays,
    IpCertificates,
    ReferenceCases,
    AiPowered,
    Tags,
    Status,
    ReviewComment,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductIndustries {
    Table,
    ProductId,
    Industry,
}

#[derive(DeriveIden)]
enum ProductStages {
    Table,
    ProductId,
    Stage,
}

#[derive(DeriveIden)]
enum Bundles {
    Table,
    Id,
    SupplierId,
    Name,
    Industry,
    Description,
    PriceFen,
    Status,
    ReviewComment,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BundleProducts {
    Table,
    BundleId,
    ProductId,
    Position,
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
                .table(Products::Table)
                .col(string_len(Products::Id, 36).primary_key())
                .col(string_len(Products::SupplierId, 36))
                .col(string_len(Products::Name, 60))
                .col(string_len(Products::Summary, 200))
                .col(text(Products::Description))
                .col(json_binary(Products::Industries))
                .col(json_binary(Products::Stages))
                .col(string_len(Products::Delivery, 24))
                .col(big_integer(Products::PriceFen))
                .col(big_integer(Products::PilotPriceFen))
                .col(string_len(Products::PriceUnit, 24))
                .col(integer(Products::DeployDays))
                .col(json_binary(Products::IpCertificates))
                .col(integer(Products::ReferenceCases))
                .col(boolean(Products::AiPowered))
                .col(json_binary(Products::Tags))
                .col(string_len(Products::Status, 24))
                .col(text_null(Products::ReviewComment))
                .col(string_len_null(Products::ReviewedBy, 36))
                .col(timestamp_with_time_zone_null(Products::ReviewedAt))
                .col(timestamp_with_time_zone(Products::CreatedAt))
                .col(timestamp_with_time_zone(Products::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Products::Table, Products::SupplierId)
                        .to(Suppliers::Table, Suppliers::Id),
                )
                .to_owned(),
        )
        .await?;
        // The public listing filters on status and sorts by one of these columns.
        for (name, cols) in [
            ("idx_products_supplier", &["supplier_id", "status"][..]),
            (
                "idx_products_status_price",
                &["status", "pilot_price_fen"][..],
            ),
            ("idx_products_status_created", &["status", "created_at"][..]),
            ("idx_products_status_deploy", &["status", "deploy_days"][..]),
        ] {
            m.create_index(index(name, Products::Table, cols)).await?;
        }

        m.create_table(
            Table::create()
                .table(ProductIndustries::Table)
                .col(string_len(ProductIndustries::ProductId, 36))
                .col(string_len(ProductIndustries::Industry, 24))
                .primary_key(
                    Index::create()
                        .col(ProductIndustries::ProductId)
                        .col(ProductIndustries::Industry),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProductIndustries::Table, ProductIndustries::ProductId)
                        .to(Products::Table, Products::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_product_industries_industry",
            ProductIndustries::Table,
            &["industry", "product_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProductStages::Table)
                .col(string_len(ProductStages::ProductId, 36))
                .col(string_len(ProductStages::Stage, 24))
                .primary_key(
                    Index::create()
                        .col(ProductStages::ProductId)
                        .col(ProductStages::Stage),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProductStages::Table, ProductStages::ProductId)
                        .to(Products::Table, Products::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_product_stages_stage",
            ProductStages::Table,
            &["stage", "product_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Bundles::Table)
                .col(string_len(Bundles::Id, 36).primary_key())
                .col(string_len(Bundles::SupplierId, 36))
                .col(string_len(Bundles::Name, 60))
                .col(string_len(Bundles::Industry, 24))
                .col(text(Bundles::Description))
                .col(big_integer(Bundles::PriceFen))
                .col(string_len(Bundles::Status, 24))
                .col(text_null(Bundles::ReviewComment))
                .col(string_len_null(Bundles::ReviewedBy, 36))
                .col(timestamp_with_time_zone_null(Bundles::ReviewedAt))
                .col(timestamp_with_time_zone(Bundles::CreatedAt))
                .col(timestamp_with_time_zone(Bundles::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Bundles::Table, Bundles::SupplierId)
                        .to(Suppliers::Table, Suppliers::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_bundles_supplier", &["supplier_id", "status"][..]),
            ("idx_bundles_status_industry", &["status", "industry"][..]),
        ] {
            m.create_index(index(name, Bundles::Table, cols)).await?;
        }

        m.create_table(
            Table::create()
                .table(BundleProducts::Table)
                .col(string_len(BundleProducts::BundleId, 36))
                .col(string_len(BundleProducts::ProductId, 36))
                .col(integer(BundleProducts::Position))
                .primary_key(
                    Index::create()
                        .col(BundleProducts::BundleId)
                        .col(BundleProducts::ProductId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(BundleProducts::Table, BundleProducts::BundleId)
                        .to(Bundles::Table, Bundles::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(BundleProducts::Table, BundleProducts::ProductId)
                        .to(Products::Table, Products::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_bundle_products_product",
            BundleProducts::Table,
            &["product_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            BundleProducts::Table.into_iden(),
            Bundles::Table.into_iden(),
            ProductStages::Table.into_iden(),
            ProductIndustries::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
