use sea_orm::entity::prelude::*;

/// A client's `Idempotency-Key` for placing an order, kept 24 hours: a retry with the same key
/// and body gets the stored answer instead of a second order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Keys are scoped to the user: two users may pick the same key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 (hex) of the request body as parsed, so a retry is recognised as the same
    /// request regardless of whitespace or key order.
    pub request_hash: String,
    pub order_id: String,
    /// The status of the first answer, repeated to retries.
    pub status_code: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
