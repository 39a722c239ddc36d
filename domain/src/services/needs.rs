//! Needs (需求): an enterprise member states what the enterprise wants to improve, in which
//! stages, for how much and how fast. Matching (the `search` crate) proposes products for it;
//! suppliers see open needs, anonymised, as leads.
//!
//! Who sees what: the enterprise's members their own needs, organisers all; everyone else is
//! told the need does not exist (404).

use super::products::MAX_PRICE_FEN;
use super::{Actor, Page, PageRequest};
use crate::entities::json::StageList;
use crate::entities::{enterprise, need};
use crate::error::{Checker, DomainError, DomainResult};
use crate::new_id;
use crate::values::{EnterpriseIndustry, NeedStatus, Role, SizeBand, Stage};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// How many open needs leads and new-listing notices look at: the newest first. A pilot has
/// hundreds; this bounds the work if it ever has many more.
pub const MAX_OPEN_NEEDS_SCANNED: u64 = 2000;

/// A need as an enterprise member posts it. Status and owner are not fields.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNeed {
    /// What is wanted, in a line: 2–100 characters.
    pub title: String,
    /// The situation and what should change: 1–5000 characters. Matching reads it.
    pub description: String,
    /// The stages concerned (1–7): a proposed product covers at least one.
    pub stages: Vec<Stage>,
    /// The most the enterprise will pay, in fen (compared with pilot prices); 1 – 10^12.
    pub budget_fen: i64,
    /// The longest acceptable deployment, in days (1–3650).
    #[serde(default)]
    pub max_deploy_days: Option<i32>,
}

/// A need as its enterprise and organisers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: String,
    pub enterprise_id: String,
    pub title: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub budget_fen: i64,
    pub max_deploy_days: Option<i32>,
    pub status: NeedStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<need::Model> for NeedView {
    fn from(n: need::Model) -> Self {
        Self {
            id: n.id,
            enterprise_id: n.enterprise_id,
            title: n.title,
            description: n.description,
            stages: n.stages.0,
            budget_fen: n.budget_fen,
            max_deploy_days: n.max_deploy_days,
            status: n.status,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// What a supplier may know of the enterprise behind a lead: nothing that names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnonymousEnterprise {
    pub industry: EnterpriseIndustry,
    pub district: String,
    pub size: SizeBand,
}

impl From<&enterprise::Model> for AnonymousEnterprise {
    fn from(e: &enterprise::Model) -> Self {
        Self {
            industry: e.industry,
            district: e.district.clone(),
            size: SizeBand::of(i64::from(e.employees), e.annual_revenue_wan),
        }
    }
}

struct Checked {
    title: String,
    description: String,
    stages: Vec<Stage>,
    budget_fen: i64,
    max_deploy_days: Option<i32>,
}

impl NewNeed {
    fn check(&self) -> DomainResult<Checked> {
        let mut c = Checker::new();
        let title = c.text("title", &self.title, 2, 100);
        let description = c.text("description", &self.description, 1, 5000);
        let stages = c.list("stages", &self.stages, 1, 7);
        let budget_fen = c.range("budget_fen", self.budget_fen, 1, MAX_PRICE_FEN);
        let max_deploy_days = self
            .max_deploy_days
            .map(|d| c.range("max_deploy_days", d, 1, 3650));
        c.finish()?;
        Ok(Checked {
            title,
            description,
            stages,
            budget_fen,
            max_deploy_days,
        })
    }
}

/// The enterprise of an enterprise member; others may not post needs.
fn own_enterprise(actor: &Actor) -> DomainResult<&str> {
    match (actor.role, actor.organisation_id.as_deref()) {
        (Role::Enterprise, Some(id)) => Ok(id),
        _ => Err(DomainError::Forbidden),
    }
}

/// # Errors
/// 403 unless an enterprise member; 422 naming each bad field.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    body: NewNeed,
) -> DomainResult<need::Model> {
    let enterprise_id = own_enterprise(actor)?.to_owned();
    let c = body.check()?;
    let now = Utc::now();
    Ok(need::ActiveModel {
        id: Set(new_id()),
        enterprise_id: Set(enterprise_id),
        created_by: Set(actor.user_id.clone()),
        title: Set(c.title),
        description: Set(c.description),
        stages: Set(StageList(c.stages)),
        budget_fen: Set(c.budget_fen),
        max_deploy_days: Set(c.max_deploy_days),
        status: Set(NeedStatus::Open),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A need the actor may see, with its enterprise.
///
/// # Errors
/// 404 when it does not exist or belongs to another enterprise.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<(need::Model, enterprise::Model)> {
    let found = need::Entity::find_by_id(id.to_owned())
        .find_also_related(enterprise::Entity)
        .one(db)
        .await?;
    match found {
        Some((n, Some(e)))
            if actor.is_organiser() || actor.is_enterprise_member(&n.enterprise_id) =>
        {
            Ok((n, e))
        }
        _ => Err(DomainError::NotFound("need")),
    }
}

/// The actor's enterprise's needs (organisers: all), newest first.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    status: Option<NeedStatus>,
    page: PageRequest,
) -> DomainResult<Page<need::Model>> {
    let mut q = need::Entity::find();
    if !actor.is_organiser() {
        match (actor.role, &actor.organisation_id) {
            (Role::Enterprise, Some(id)) => q = q.filter(need::Column::EnterpriseId.eq(id.clone())),
            _ => return Ok(Page::new(Vec::new(), 0, page)),
        }
    }
    if let Some(s) = status {
        q = q.filter(need::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    // Ids are UUID v7 (time-ordered): they break ties between needs of the same instant.
    let rows = q
        .order_by_desc(need::Column::CreatedAt)
        .order_by_desc(need::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(rows, total, page))
}

/// The enterprise closes its need: it is no longer matched or shown as a lead.
///
/// # Errors
/// 404 unless the actor's enterprise owns it (organisers may close any); 409 when closed.
pub async fn close<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<need::Model> {
    let (n, _) = get(db, actor, id).await?;
    if n.status == NeedStatus::Closed {
        return Err(DomainError::conflict("need_closed", "需求已关闭"));
    }
    let mut m: need::ActiveModel = n.into();
    m.status = Set(NeedStatus::Closed);
    m.updated_at = Set(Utc::now());
    Ok(m.update(db).await?)
}

/// Open needs with their enterprises, newest first (at most [`MAX_OPEN_NEEDS_SCANNED`]):
/// what leads and new-listing notices match against.
///
/// # Errors
/// Database errors.
pub async fn open_with_enterprises<C: ConnectionTrait>(
    db: &C,
) -> DomainResult<Vec<(need::Model, enterprise::Model)>> {
    let rows = need::Entity::find()
        .filter(need::Column::Status.eq(NeedStatus::Open))
        .find_also_related(enterprise::Entity)
        .order_by_desc(need::Column::CreatedAt)
        .limit(MAX_OPEN_NEEDS_SCANNED)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(n, e)| e.map(|e| (n, e)))
        .collect())
}

/// Checks that `need_id` names an open need of `enterprise_id` (an order may answer one).
///
/// # Errors
/// 422 naming `need_id` otherwise.
pub async fn check_reference<C: ConnectionTrait>(
    db: &C,
    enterprise_id: &str,
    need_id: &str,
) -> DomainResult<()> {
    let n = need::Entity::find_by_id(need_id.to_owned()).one(db).await?;
    match n {
        Some(n) if n.enterprise_id == enterprise_id => Ok(()),
        _ => Err(DomainError::field("need_id", "不是本企业发布的需求")),
    }
}
