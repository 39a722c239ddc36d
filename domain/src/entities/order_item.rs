use sea_orm::entity::prelude::*;

/// One line of an order: a product or a bundle, with the unit price it had when ordered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: String,
    /// The line's place in the order as the client sent it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    /// Exactly one of `product_id` and `bundle_id` is set.
    pub product_id: Option<String>,
    pub bundle_id: Option<String>,
    /// The product's or bundle's name when ordered.
    pub name: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::order::Entity",
        from = "Column::OrderId",
        to = "super::order::Column::Id"
    )]
    Order,
}

impl Related<super::order::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
