use sea_orm::entity::prelude::*;

/// An effect that was (or is being) delivered, under its unique key `template:subject:user` (channel in `channel`),
/// so a redelivered job never sends the same mail twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub job_id: String,
    pub user_id: String,
    pub channel: String,
    /// `sending` while in flight, `sent` once the transport accepted it.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
