//! Products (数字化产品): the supplier's catalogue entries and their review.

use super::Actor;
use crate::entities::json::{IndustryList, StageList, StringList};
use crate::entities::{product, product_industry, product_stage, supplier};
use crate::error::{Checker, DomainError, DomainResult};
use crate::jobs::{self, Job};
use crate::lifecycle::ListingAction;
use crate::new_id;
use crate::values::{Delivery, Industry, ListingStatus, PriceUnit, Stage, SupplierStatus};
use crate::xkqz::{Xkqz, XkqzFacts, XkqzPolicy};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// Prices above 100 亿元 are typing mistakes, and staying far below i64 keeps sums exact.
pub const MAX_PRICE_FEN: i64 = 1_000_000_000_000;

/// A product as a supplier writes it. `id`, `status`, `supplier_id` and `xkqz` are not fields:
/// sending them is a 422.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub name: String,
    pub summary: String,
    #[serde(default)]
    pub description: String,
    pub industries: Vec<Industry>,
    pub stages: Vec<Stage>,
    pub delivery: Delivery,
    pub price_fen: i64,
    pub pilot_price_fen: i64,
    pub price_unit: PriceUnit,
    pub deploy_days: i64,
    #[serde(default)]
    pub ip_certificates: Vec<String>,
    #[serde(default)]
    pub reference_cases: i64,
    #[serde(default)]
    pub ai_powered: bool,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A partial edit of a draft or rejected product.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub industries: Option<Vec<Industry>>,
    pub stages: Option<Vec<Stage>>,
    pub delivery: Option<Delivery>,
    pub price_fen: Option<i64>,
    pub pilot_price_fen: Option<i64>,
    pub price_unit: Option<PriceUnit>,
    pub deploy_days: Option<i64>,
    pub ip_certificates: Option<Vec<String>>,
    pub reference_cases: Option<i64>,
    pub ai_powered: Option<bool>,
    pub tags: Option<Vec<String>>,
}

/// The contract's view of a product, with its 小快轻准 check under the current policy.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductView {
    pub id: String,
    pub supplier_id: String,
    pub supplier_name: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub industries: Vec<Industry>,
    pub stages: Vec<Stage>,
    pub delivery: Delivery,
    pub price_fen: i64,
    pub pilot_price_fen: i64,
    pub price_unit: PriceUnit,
    pub deploy_days: i32,
    pub ip_certificates: Vec<String>,
    pub reference_cases: i32,
    pub ai_powered: bool,
    pub tags: Vec<String>,
    pub status: ListingStatus,
    pub xkqz: Xkqz,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProductView {
    #[must_use]
    pub fn new(m: product::Model, supplier_name: String, policy: &XkqzPolicy) -> Self {
        let xkqz = policy.check(&XkqzFacts {
            pilot_price_fen: m.pilot_price_fen,
            price_unit: m.price_unit,
            deploy_days: m.deploy_days,
            delivery: m.delivery,
            industries: &m.industries.0,
            stages: &m.stages.0,
            reference_cases: m.reference_cases,
        });
        Self {
            id: m.id,
            supplier_id: m.supplier_id,
            supplier_name,
            name: m.name,
            summary: m.summary,
            description: m.description,
            industries: m.industries.0,
            stages: m.stages.0,
            delivery: m.delivery,
            price_fen: m.price_fen,
            pilot_price_fen: m.pilot_price_fen,
            price_unit: m.price_unit,
            deploy_days: m.deploy_days,
            ip_certificates: m.ip_certificates.0,
            reference_cases: m.reference_cases,
            ai_powered: m.ai_powered,
            tags: m.tags.0,
            status: m.status,
            xkqz,
            review_comment: m.review_comment,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The checked content of a product.
struct Content {
    name: String,
    summary: String,
    description: String,
    industries: Vec<Industry>,
    stages: Vec<Stage>,
    delivery: Delivery,
    price_fen: i64,
    pilot_price_fen: i64,
    price_unit: PriceUnit,
    deploy_days: i32,
    ip_certificates: Vec<String>,
    reference_cases: i32,
    ai_powered: bool,
    tags: Vec<String>,
}

/// Checks the industries of a product or supplier: pilot segments, or `general` alone.
pub(crate) fn check_industries(c: &mut Checker, field: &str, v: &[Industry]) -> Vec<Industry> {
    let list = c.list(field, v, 1, 5);
    if list.contains(&Industry::General) && list.len() > 1 {
        c.fail(field, "“通用”产品不能同时选择具体行业");
    }
    list
}

impl NewProduct {
    fn check(self) -> DomainResult<Content> {
        let mut c = Checker::new();
        let name = c.text("name", &self.name, 2, 60);
        let summary = c.text("summary", &self.summary, 1, 200);
        let description = c.text("description", &self.description, 0, 5000);
        let industries = check_industries(&mut c, "industries", &self.industries);
        let stages = c.list("stages", &self.stages, 1, 7);
        let price_fen = c.range("price_fen", self.price_fen, 0, MAX_PRICE_FEN);
        let pilot_price_fen = c.range("pilot_price_fen", self.pilot_price_fen, 0, MAX_PRICE_FEN);
        if pilot_price_fen > price_fen {
            c.fail("pilot_price_fen", "试点价不能高于原价");
        }
        let deploy_days = c.range("deploy_days", self.deploy_days, 1, 3650);
        let ip_certificates = c.strings("ip_certificates", &self.ip_certificates, 50, 100);
        let reference_cases = c.range("reference_cases", self.reference_cases, 0, 1_000_000);
        let tags = c.strings("tags", &self.tags, 20, 30);
        c.finish()?;
        Ok(Content {
            name,
            summary,
            description,
            industries,
            stages,
            delivery: self.delivery,
            price_fen,
            pilot_price_fen,
            price_unit: self.price_unit,
            deploy_days: i32::try_from(deploy_days).unwrap_or(1),
            ip_certificates,
            reference_cases: i32::try_from(reference_cases).unwrap_or(0),
            ai_powered: self.ai_powered,
            tags,
        })
    }
}

impl ProductPatch {
    fn merged_over(self, m: &product::Model) -> NewProduct {
        NewProduct {
            name: self.name.unwrap_or_else(|| m.name.clone()),
            summary: self.summary.unwrap_or_else(|| m.summary.clone()),
            description: self.description.unwrap_or_else(|| m.description.clone()),
            industries: self.industries.unwrap_or_else(|| m.industries.0.clone()),
            stages: self.stages.unwrap_or_else(|| m.stages.0.clone()),
            delivery: self.delivery.unwrap_or(m.delivery),
            price_fen: self.price_fen.unwrap_or(m.price_fen),
            pilot_price_fen: self.pilot_price_fen.unwrap_or(m.pilot_price_fen),
            price_unit: self.price_unit.unwrap_or(m.price_unit),
            deploy_days: self.deploy_days.unwrap_or(i64::from(m.deploy_days)),
            ip_certificates: self
                .ip_certificates
                .unwrap_or_else(|| m.ip_certificates.0.clone()),
            reference_cases: self.reference_cases.unwrap_or(i64::from(m.reference_cases)),
            ai_powered: self.ai_powered.unwrap_or(m.ai_powered),
            tags: self.tags.unwrap_or_else(|| m.tags.0.clone()),
        }
    }
}

fn apply(m: &mut product::ActiveModel, c: Content) {
    m.name = Set(c.name);
    m.summary = Set(c.summary);
    m.description = Set(c.description);
    m.industries = Set(IndustryList(c.industries));
    m.stages = Set(StageList(c.stages));
    m.delivery = Set(c.delivery);
    m.price_fen = Set(c.price_fen);
    m.pilot_price_fen = Set(c.pilot_price_fen);
    m.price_unit = Set(c.price_unit);
    m.deploy_days = Set(c.deploy_days);
    m.ip_certificates = Set(StringList(c.ip_certificates));
    m.reference_cases = Set(c.reference_cases);
    m.ai_powered = Set(c.ai_powered);
    m.tags = Set(StringList(c.tags));
}

/// Rewrites the rows the listing filters on, from the product's own lists.
async fn write_facets<C: ConnectionTrait>(db: &C, p: &product::Model) -> DomainResult<()> {
    product_industry::Entity::delete_many()
        .filter(product_industry::Column::ProductId.eq(p.id.clone()))
        .exec(db)
        .await?;
    product_stage::Entity::delete_many()
        .filter(product_stage::Column::ProductId.eq(p.id.clone()))
        .exec(db)
        .await?;
    product_industry::Entity::insert_many(p.industries.0.iter().map(|i| {
        product_industry::ActiveModel {
            product_id: Set(p.id.clone()),
            industry: Set(*i),
        }
    }))
    .exec_without_returning(db)
    .await?;
    product_stage::Entity::insert_many(p.stages.0.iter().map(|s| product_stage::ActiveModel {
        product_id: Set(p.id.clone()),
        stage: Set(*s),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The supplier an actor acts for, checked to exist and not be removed.
async fn own_supplier<C: ConnectionTrait>(db: &C, actor: &Actor) -> DomainResult<supplier::Model> {
    let id = match (&actor.role, &actor.organisation_id) {
        (crate::values::Role::Supplier, Some(id)) => id.clone(),
        _ => return Err(DomainError::Forbidden),
    };
    let s = supplier::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::Forbidden)?;
    if s.status == SupplierStatus::Removed {
        return Err(DomainError::Forbidden);
    }
    Ok(s)
}

/// Creates a draft of the actor's supplier.
///
/// # Errors
/// 403 for non-suppliers, 422 on bad content.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewProduct,
) -> DomainResult<(product::Model, supplier::Model)> {
    let supplier = own_supplier(db, actor).await?;
    let content = input.check()?;
    let now = Utc::now();
    let mut m = product::ActiveModel {
        id: Set(new_id()),
        supplier_id: Set(supplier.id.clone()),
        status: Set(ListingStatus::Draft),
        review_comment: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut m, content);
    let p = m.insert(db).await?;
    write_facets(db, &p).await?;
    Ok((p, supplier))
}

/// Whether `actor` may see a product that is not publicly listed.
fn sees_unlisted(actor: Option<&Actor>, p: &product::Model) -> bool {
    actor.is_some_and(|a| a.can_review() || a.is_supplier_member(&p.supplier_id))
}

/// Reads a product: listed products of vetted suppliers for everyone; everything for its
/// supplier's members and for organisers/reviewers; 404 otherwise.
///
/// # Errors
/// 404 when missing or not visible.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    id: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (p, s) = product::Entity::find_by_id(id.to_owned())
        .find_also_related(supplier::Entity)
        .one(db)
        .await?
        .and_then(|(p, s)| s.map(|s| (p, s)))
        .ok_or(DomainError::NotFound("product"))?;
    let public = p.status == ListingStatus::Listed && s.status == SupplierStatus::Vetted;
    if public || sees_unlisted(actor, &p) {
        Ok((p, s))
    } else {
        Err(DomainError::NotFound("product"))
    }
}

/// Loads a product for a change by its owner; others get 404 (unseen) or 403 (seen, not theirs).
async fn owned<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (p, s) = get(db, Some(actor), id).await?;
    if actor.is_supplier_member(&p.supplier_id) {
        Ok((p, s))
    } else {
        Err(DomainError::Forbidden)
    }
}

/// # Errors
/// 404/403 as for `owned`, 409 unless draft or rejected, 422 on bad content.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    patch: ProductPatch,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (current, s) = owned(db, actor, id).await?;
    current.status.transition(ListingAction::Edit)?;
    let content = patch.merged_over(&current).check()?;
    let mut m: product::ActiveModel = current.into();
    apply(&mut m, content);
    m.updated_at = Set(Utc::now());
    let p = m.update(db).await?;
    write_facets(db, &p).await?;
    Ok((p, s))
}

async fn set_status<C: ConnectionTrait>(
    db: &C,
    current: product::Model,
    next: ListingStatus,
    review: Option<(&Actor, Option<String>)>,
) -> DomainResult<product::Model> {
    let now = Utc::now();
    // The search index follows listings through jobs written with the change.
    let was_listed = current.status == ListingStatus::Listed;
    if next == ListingStatus::Listed && !was_listed {
        jobs::enqueue(
            db,
            Job::AnnounceListing {
                product_id: current.id.clone(),
            },
            None,
        )
        .await?;
    } else if was_listed && next != ListingStatus::Listed {
        jobs::enqueue(
            db,
            Job::SyncProducts {
                product_ids: vec![current.id.clone()],
            },
            None,
        )
        .await?;
    }
    let mut m: product::ActiveModel = current.into();
    m.status = Set(next);
    m.updated_at = Set(now);
    if let Some((reviewer, comment)) = review {
        m.review_comment = Set(comment);
        m.reviewed_by = Set(Some(reviewer.user_id.clone()));
        m.reviewed_at = Set(Some(now));
    }
    Ok(m.update(db).await?)
}

/// # Errors
/// 404/403 for non-owners, 409 unless draft or rejected.
pub async fn submit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (current, s) = owned(db, actor, id).await?;
    let next = current.status.transition(ListingAction::Submit)?;
    Ok((set_status(db, current, next, None).await?, s))
}

/// A reviewer's decision on a submitted product or bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Reject,
}

/// Checks a review comment: up to 1000 characters, required when rejecting.
///
/// # Errors
/// 422 naming `comment`.
pub fn check_review(decision: ReviewDecision, comment: &str) -> DomainResult<Option<String>> {
    let mut c = Checker::new();
    let comment = c.text("comment", comment, 0, 1000);
    if decision == ReviewDecision::Reject && comment.is_empty() {
        c.fail("comment", "驳回时须填写审核意见");
    }
    c.finish()?;
    Ok((!comment.is_empty()).then_some(comment))
}

impl ReviewDecision {
    #[must_use]
    pub const fn action(self) -> ListingAction {
        match self {
            Self::Approve => ListingAction::Approve,
            Self::Reject => ListingAction::Reject,
        }
    }
}

/// # Errors
/// 403 unless reviewer or organiser, 404, 409 unless submitted, 422 on the comment.
pub async fn review<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    decision: ReviewDecision,
    comment: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    if !actor.can_review() {
        return Err(DomainError::Forbidden);
    }
    let comment = check_review(decision, comment)?;
    let (current, s) = get(db, Some(actor), id).await?;
    let next = current.status.transition(decision.action())?;
    Ok((
        set_status(db, current, next, Some((actor, comment))).await?,
        s,
    ))
}

/// # Errors
/// 404/403 unless owner or organiser, 409 unless listed.
pub async fn delist<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (current, s) = get(db, Some(actor), id).await?;
    if !(actor.is_organiser() || actor.is_supplier_member(&current.supplier_id)) {
        return Err(DomainError::Forbidden);
    }
    let next = current.status.transition(ListingAction::Delist)?;
    Ok((set_status(db, current, next, None).await?, s))
}

/// The owner takes a delisted product back to a draft, to edit it and submit it for review
/// again (its id, and the orders that name it, stay).
///
/// # Errors
/// 404 unseen, 403 unless the supplier's member, 409 unless delisted.
pub async fn revise<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<(product::Model, supplier::Model)> {
    let (current, s) = get(db, Some(actor), id).await?;
    if !actor.is_supplier_member(&current.supplier_id) {
        return Err(DomainError::Forbidden);
    }
    let next = current.status.transition(ListingAction::Revise)?;
    Ok((set_status(db, current, next, None).await?, s))
}
