use crate::orders_lifecycle::OrderStatus;
use sea_orm::entity::prelude::*;

/// An order reaching a status after `placed` (see the migration for why `placed` is not here).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_status_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: OrderStatus,
    /// The user who moved it; `None` for moves made before the timeline was kept.
    pub changed_by: Option<String>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
