use crate::values::{EnterpriseIndustry, Specialised};
use sea_orm::entity::prelude::*;

/// 一企一档: the file the pilot keeps on each enterprise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub industry: EnterpriseIndustry,
    pub district: String,
    pub employees: i32,
    pub annual_revenue_wan: i64,
    pub specialised: Specialised,
    pub digital_level: i32,
    pub digital_level_baseline: i32,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
