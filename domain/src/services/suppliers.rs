//! Suppliers (数字化服务商) and their vetting by organisers.

use super::{Actor, Page, PageRequest};
use crate::entities::{json::IndustryList, supplier};
use crate::error::{Checker, DomainError, DomainResult};
use crate::jobs::{self, Job};
use crate::lifecycle::VettingDecision;
use crate::new_id;
use crate::values::{CreditCode, Email, Industry, SupplierKind, SupplierStatus};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// A supplier as given at registration.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplier {
    pub name: String,
    pub credit_code: String,
    pub kind: SupplierKind,
    pub industries: Vec<Industry>,
    #[serde(default)]
    pub description: String,
    pub contact_email: String,
}

/// The contract's view of a supplier.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupplierView {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub kind: SupplierKind,
    pub industries: Vec<Industry>,
    pub description: String,
    pub contact_email: String,
    pub status: SupplierStatus,
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<supplier::Model> for SupplierView {
    fn from(m: supplier::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            credit_code: m.credit_code,
            kind: m.kind,
            industries: m.industries.0,
            description: m.description,
            contact_email: m.contact_email,
            status: m.status,
            status_reason: m.status_reason,
            created_at: m.created_at,
        }
    }
}

impl NewSupplier {
    /// # Errors
    /// 422 with every problem found; field names carry `prefix`.
    pub fn into_active_model(self, prefix: &str) -> DomainResult<supplier::ActiveModel> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut c = Checker::new();
        let name = c.text(&f("name"), &self.name, 2, 100);
        let credit_code = c.parse(&f("credit_code"), CreditCode::parse(&self.credit_code));
        let industries = c.list(&f("industries"), &self.industries, 1, 6);
        let description = c.text(&f("description"), &self.description, 0, 2000);
        let contact_email = c.parse(&f("contact_email"), Email::parse(&self.contact_email));
        c.finish()?;
        let (Some(credit_code), Some(contact_email)) = (credit_code, contact_email) else {
            return Err(DomainError::Internal(
                "checker passed without values".into(),
            ));
        };
        let now = Utc::now();
        Ok(supplier::ActiveModel {
            id: Set(new_id()),
            name: Set(name),
            credit_code: Set(credit_code.to_string()),
            kind: Set(self.kind),
            industries: Set(IndustryList(industries)),
            description: Set(description),
            contact_email: Set(contact_email.into()),
            status: Set(SupplierStatus::Pending),
            status_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
    }
}

/// # Errors
/// 409 `credit_code_taken`, or database errors.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    model: supplier::ActiveModel,
) -> DomainResult<supplier::Model> {
    model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            DomainError::conflict("credit_code_taken", "该统一社会信用代码已登记")
        }
        _ => DomainError::Database(e),
    })
}

/// Whether `actor` may see a supplier in `status`: vetted ones are public; others only to
/// their own members and organisers.
#[must_use]
pub fn visible(actor: Option<&Actor>, supplier_id: &str, status: SupplierStatus) -> bool {
    status == SupplierStatus::Vetted
        || actor.is_some_and(|a| a.can_review() || a.is_supplier_member(supplier_id))
}

/// # Errors
/// 404 when missing or not visible to the actor.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    id: &str,
) -> DomainResult<supplier::Model> {
    supplier::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|s| visible(actor, &s.id, s.status))
        .ok_or(DomainError::NotFound("supplier"))
}

/// Vetted suppliers for everyone; organisers and reviewers see all and may filter by status.
///
/// # Errors
/// 403 when someone else asks for a status other than vetted.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    status: Option<SupplierStatus>,
    page: PageRequest,
) -> DomainResult<Page<supplier::Model>> {
    let staff = actor.is_some_and(Actor::can_review);
    let status = match (staff, status) {
        (true, s) => s,
        (false, None | Some(SupplierStatus::Vetted)) => Some(SupplierStatus::Vetted),
        (false, Some(_)) => return Err(DomainError::Forbidden),
    };
    let mut q = supplier::Entity::find();
    if let Some(s) = status {
        q = q.filter(supplier::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_asc(supplier::Column::CreatedAt)
        .order_by_asc(supplier::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}

/// Applies an organiser's decision. Listing queries join on the supplier's status, so a
/// suspension hides its products from every public list in the same instant.
///
/// # Errors
/// 403 for non-organisers, 404, 409 for a decision that does not apply, 422 for a long reason.
pub async fn vet<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    decision: VettingDecision,
    reason: &str,
) -> DomainResult<supplier::Model> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden);
    }
    let mut c = Checker::new();
    let reason = c.text("reason", reason, 0, 500);
    if reason.is_empty() && decision != VettingDecision::Approve {
        c.fail("reason", "暂停、恢复或移除服务商时须说明理由");
    }
    c.finish()?;
    let current = supplier::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("supplier"))?;
    let next = current.status.transition(decision)?;
    // Only a vetted supplier's products are searchable: the index follows through a job.
    if (current.status == SupplierStatus::Vetted) != (next == SupplierStatus::Vetted) {
        jobs::enqueue(
            db,
            Job::SyncSupplier {
                supplier_id: current.id.clone(),
            },
            None,
        )
        .await?;
    }
    let mut m: supplier::ActiveModel = current.into();
    m.status = Set(next);
    m.status_reason = Set((!reason.is_empty()).then_some(reason));
    m.updated_at = Set(Utc::now());
    Ok(m.update(db).await?)
}
