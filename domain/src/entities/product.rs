use super::json::{IndustryList, StageList, StringList};
use crate::values::{Delivery, ListingStatus, PriceUnit};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub supplier_id: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    /// Kept here for reading; `product_industries` holds the same for filtering.
    #[sea_orm(column_type = "JsonBinary")]
    pub industries: IndustryList,
    /// Kept here for reading; `product_stages` holds the same for filtering.
    #[sea_orm(column_type = "JsonBinary")]
    pub stages: StageList,
    pub delivery: Delivery,
    pub price_fen: i64,
    pub pilot_price_fen: i64,
    pub price_unit: PriceUnit,
    pub deploy_days: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub ip_certificates: StringList,
    pub reference_cases: i32,
    pub ai_powered: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: StringList,
    pub status: ListingStatus,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::supplier::Entity",
        from = "Column::SupplierId",
        to = "super::supplier::Column::Id"
    )]
    Supplier,
}

impl Related<super::supplier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Supplier.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
