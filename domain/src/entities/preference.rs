use super::json::IndustryList;
use sea_orm::entity::prelude::*;

/// A user's mail preferences; no row means the defaults (everything on).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// Event announcements at all.
    pub announcements: bool,
    /// Industries whose announcements the user does not want.
    #[sea_orm(column_type = "JsonBinary")]
    pub muted_industries: IndustryList,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
