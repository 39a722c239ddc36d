use super::json::StageList;
use crate::values::NeedStatus;
use sea_orm::entity::prelude::*;

/// 需求: what an enterprise wants to improve, with the conditions an answer must meet. Matching
/// proposes products and bundles for it; suppliers see it, anonymised, as a lead.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub enterprise_id: String,
    /// The member who posted it.
    pub created_by: String,
    pub title: String,
    pub description: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub stages: StageList,
    /// The most the enterprise will pay, compared with pilot prices.
    pub budget_fen: i64,
    pub max_deploy_days: Option<i32>,
    pub status: NeedStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
