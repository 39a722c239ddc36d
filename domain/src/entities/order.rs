use crate::orders_lifecycle::OrderStatus;
use chrono::NaiveDate;
use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// 订单: an enterprise's purchase from one supplier. Prices live on its items, copied from the
/// catalogue when ordered, so later catalogue changes never alter an order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub enterprise_id: String,
    pub supplier_id: String,
    /// The user who placed it.
    pub placed_by: String,
    pub status: OrderStatus,
    pub total_fen: i64,
    /// The enterprise's need this order answers (checked to be the enterprise's own when
    /// ordered; a plain column because orders predate needs in the schema).
    pub need_id: Option<String>,
    pub note: Option<String>,
    pub reject_reason: Option<String>,
    /// What the transformation contract states, once the supplier records it.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub contract: Option<Contract>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// The contents of a transformation contract (the work plan's list: responsibilities, measures,
/// period, targets, prices), stored as one JSON column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Contract {
    pub responsibilities: String,
    pub measures: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub targets: String,
    pub price_details: Vec<ContractPriceLine>,
    /// Sum of `price_details`.
    pub price_total_fen: i64,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPriceLine {
    pub item: String,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::supplier::Entity",
        from = "Column::SupplierId",
        to = "super::supplier::Column::Id"
    )]
    Supplier,
    #[sea_orm(has_many = "super::order_item::Entity")]
    OrderItem,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::supplier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Supplier.def()
    }
}

impl Related<super::order_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrderItem.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
