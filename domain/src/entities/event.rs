use super::json::IndustryList;
use crate::values::EventStatus;
use sea_orm::entity::prelude::*;

/// 宣讲对接活动.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    pub description: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub industries: IndustryList,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub venue: String,
    pub online_url: Option<String>,
    pub capacity: i32,
    pub status: EventStatus,
    /// Bumped on every change of time or venue: change notices and reminders are keyed by it.
    pub revision: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
