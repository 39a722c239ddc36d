//! Bundles (产品组合方案包): listed products sold together for one industry. The products may
//! come from several suppliers of a consortium; the bundle is sold by the supplier who made it.

use super::Actor;
use super::products::{ReviewDecision, check_review};
use crate::entities::{bundle, bundle_product, product, supplier};
use crate::error::{Checker, DomainError, DomainResult};
use crate::lifecycle::ListingAction;
use crate::new_id;
use crate::values::{Industry, ListingStatus, Role, SupplierStatus};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_BUNDLE_PRODUCTS: usize = 20;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBundle {
    pub name: String,
    pub industry: Industry,
    #[serde(default)]
    pub description: String,
    pub product_ids: Vec<String>,
    pub price_fen: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundlePatch {
    pub name: Option<String>,
    pub industry: Option<Industry>,
    pub description: Option<String>,
    pub product_ids: Option<Vec<String>>,
    pub price_fen: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BundleView {
    pub id: String,
    pub supplier_id: String,
    pub supplier_name: String,
    pub name: String,
    pub industry: Industry,
    pub description: String,
    pub product_ids: Vec<String>,
    pub price_fen: i64,
    /// What the products would cost one by one at their pilot prices.
    pub products_pilot_price_fen: i64,
    pub status: ListingStatus,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A bundle with its products in order.
#[derive(Debug, Clone)]
pub struct BundleWithProducts {
    pub bundle: bundle::Model,
    pub supplier_name: String,
    pub products: Vec<product::Model>,
}

impl From<BundleWithProducts> for BundleView {
    fn from(b: BundleWithProducts) -> Self {
        let m = b.bundle;
        Self {
            id: m.id,
            supplier_id: m.supplier_id,
            supplier_name: b.supplier_name,
            name: m.name,
            industry: m.industry,
            description: m.description,
            product_ids: b.products.iter().map(|p| p.id.clone()).collect(),
            price_fen: m.price_fen,
            products_pilot_price_fen: b
                .products
                .iter()
                .map(|p| p.pilot_price_fen)
                .fold(0i64, i64::saturating_add),
            status: m.status,
            review_comment: m.review_comment,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Loads the products of bundles, in each bundle's order.
///
/// # Errors
/// Database errors only.
pub async fn with_products<C: ConnectionTrait>(
    db: &C,
    bundles: Vec<(bundle::Model, String)>,
) -> DomainResult<Vec<BundleWithProducts>> {
    let ids: Vec<String> = bundles.iter().map(|(b, _)| b.id.clone()).collect();
    let links = bundle_product::Entity::find()
        .filter(bundle_product::Column::BundleId.is_in(ids))
        .order_by_asc(bundle_product::Column::Position)
        .all(db)
        .await?;
    let product_ids: Vec<String> = links.iter().map(|l| l.product_id.clone()).collect();
    let products: HashMap<String, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(bundles
        .into_iter()
        .map(|(bundle, supplier_name)| {
            let products = links
                .iter()
                .filter(|l| l.bundle_id == bundle.id)
                .filter_map(|l| products.get(&l.product_id).cloned())
                .collect();
            BundleWithProducts {
                bundle,
                supplier_name,
                products,
            }
        })
        .collect())
}

struct Content {
    name: String,
    industry: Industry,
    description: String,
    product_ids: Vec<String>,
    price_fen: i64,
}

/// Checks the content, including that every product is listed by a vetted supplier and serves
/// the bundle's industry.
async fn check<C: ConnectionTrait>(db: &C, input: NewBundle) -> DomainResult<Content> {
    let mut c = Checker::new();
    let name = c.text("name", &input.name, 2, 60);
    let description = c.text("description", &input.description, 0, 5000);
    let price_fen = c.range(
        "price_fen",
        input.price_fen,
        0,
        super::products::MAX_PRICE_FEN,
    );
    // Distinct ids, each with the position the client sent it at (errors name that position).
    let mut positions: Vec<(usize, String)> = Vec::new();
    // A huge list is refused before the quadratic de-duplication below.
    let sent = &input.product_ids[..input.product_ids.len().min(4 * MAX_BUNDLE_PRODUCTS)];
    for (i, id) in sent.iter().enumerate() {
        if positions.iter().all(|(_, seen)| seen != id) {
            positions.push((i, id.clone()));
        }
    }
    let product_ids: Vec<String> = positions.iter().map(|(_, id)| id.clone()).collect();
    if product_ids.len() < 2 {
        c.fail("product_ids", "组合方案包至少包含 2 个不同的产品");
    } else if product_ids.len() > MAX_BUNDLE_PRODUCTS || sent.len() < input.product_ids.len() {
        c.fail(
            "product_ids",
            format!("组合方案包最多包含 {MAX_BUNDLE_PRODUCTS} 个产品"),
        );
    } else {
        let found: HashMap<String, (product::Model, Option<supplier::Model>)> =
            product::Entity::find()
                .filter(product::Column::Id.is_in(product_ids.clone()))
                .find_also_related(supplier::Entity)
                .all(db)
                .await?
                .into_iter()
                .map(|(p, s)| (p.id.clone(), (p, s)))
                .collect();
        for (i, id) in &positions {
            let field = format!("product_ids[{i}]");
            match found.get(id) {
                Some((p, Some(s)))
                    if p.status == ListingStatus::Listed && s.status == SupplierStatus::Vetted =>
                {
                    let serves = p.industries.0.contains(&input.industry)
                        || p.industries.0.contains(&Industry::General);
                    if !serves {
                        c.fail(&field, format!("产品“{}”不适用于该行业", p.name));
                    }
                }
                _ => c.fail(&field, "产品不存在或未上架"),
            }
        }
    }
    c.finish()?;
    Ok(Content {
        name,
        industry: input.industry,
        description,
        product_ids,
        price_fen,
    })
}

async fn write_products<C: ConnectionTrait>(
    db: &C,
    bundle_id: &str,
    ids: &[String],
) -> DomainResult<()> {
    bundle_product::Entity::delete_many()
        .filter(bundle_product::Column::BundleId.eq(bundle_id))
        .exec(db)
        .await?;
    bundle_product::Entity::insert_many(ids.iter().enumerate().map(|(i, id)| {
        bundle_product::ActiveModel {
            bundle_id: Set(bundle_id.to_owned()),
            product_id: Set(id.clone()),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn load<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<Option<BundleWithProducts>> {
    let Some((b, Some(s))) = bundle::Entity::find_by_id(id.to_owned())
        .find_also_related(supplier::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_products(db, vec![(b, s.name)]).await?.pop())
}

/// Whether everyone may see the bundle: listed, its supplier vetted, every product listed.
async fn is_public<C: ConnectionTrait>(db: &C, b: &BundleWithProducts) -> DomainResult<bool> {
    if b.bundle.status != ListingStatus::Listed {
        return Ok(false);
    }
    let seller = supplier::Entity::find_by_id(b.bundle.supplier_id.clone())
        .one(db)
        .await?;
    if seller.is_none_or(|s| s.status != SupplierStatus::Vetted) {
        return Ok(false);
    }
    let supplier_ids: Vec<String> = b.products.iter().map(|p| p.supplier_id.clone()).collect();
    let vetted = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(supplier_ids))
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
        .all(db)
        .await?;
    Ok(b.products
        .iter()
        .all(|p| p.status == ListingStatus::Listed && vetted.iter().any(|s| s.id == p.supplier_id)))
}

/// # Errors
/// 404 when missing or not visible.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    id: &str,
) -> DomainResult<BundleWithProducts> {
    let b = load(db, id).await?.ok_or(DomainError::NotFound("bundle"))?;
    let insider =
        actor.is_some_and(|a| a.can_review() || a.is_supplier_member(&b.bundle.supplier_id));
    if insider || is_public(db, &b).await? {
        Ok(b)
    } else {
        Err(DomainError::NotFound("bundle"))
    }
}

async fn owned<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<BundleWithProducts> {
    let b = get(db, Some(actor), id).await?;
    if actor.is_supplier_member(&b.bundle.supplier_id) {
        Ok(b)
    } else {
        Err(DomainError::Forbidden)
    }
}

/// # Errors
/// 403 for non-suppliers or removed suppliers, 422 on bad content.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewBundle,
) -> DomainResult<BundleWithProducts> {
    let supplier_id = match (actor.role, &actor.organisation_id) {
        (Role::Supplier, Some(id)) => id.clone(),
        _ => return Err(DomainError::Forbidden),
    };
    let seller = supplier::Entity::find_by_id(supplier_id.clone())
        .one(db)
        .await?
        .filter(|s| s.status != SupplierStatus::Removed)
        .ok_or(DomainError::Forbidden)?;
    let content = check(db, input).await?;
    let now = Utc::now();
    let b = bundle::ActiveModel {
        id: Set(new_id()),
        supplier_id: Set(seller.id.clone()),
        name: Set(content.name),
        industry: Set(content.industry),
        description: Set(content.description),
        price_fen: Set(content.price_fen),
        status: Set(ListingStatus::Draft),
        review_comment: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    write_products(db, &b.id, &content.product_ids).await?;
    load(db, &b.id)
        .await?
        .ok_or(DomainError::NotFound("bundle"))
}

/// # Errors
/// 404/403 for non-owners, 409 unless draft or rejected, 422 on bad content.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    patch: BundlePatch,
) -> DomainResult<BundleWithProducts> {
    let current = owned(db, actor, id).await?;
    current.bundle.status.transition(ListingAction::Edit)?;
    let merged = NewBundle {
        name: patch.name.unwrap_or_else(|| current.bundle.name.clone()),
        industry: patch.industry.unwrap_or(current.bundle.industry),
        description: patch
            .description
            .unwrap_or_else(|| current.bundle.description.clone()),
        product_ids: patch
            .product_ids
            .unwrap_or_else(|| current.products.iter().map(|p| p.id.clone()).collect()),
        price_fen: patch.price_fen.unwrap_or(current.bundle.price_fen),
    };
    let content = check(db, merged).await?;
    let mut m: bundle::ActiveModel = current.bundle.into();
    m.name = Set(content.name);
    m.industry = Set(content.industry);
    m.description = Set(content.description);
    m.price_fen = Set(content.price_fen);
    m.updated_at = Set(Utc::now());
    let b = m.update(db).await?;
    write_products(db, &b.id, &content.product_ids).await?;
    load(db, &b.id)
        .await?
        .ok_or(DomainError::NotFound("bundle"))
}

async fn set_status<C: ConnectionTrait>(
    db: &C,
    current: BundleWithProducts,
    next: ListingStatus,
    review: Option<(&Actor, Option<String>)>,
) -> DomainResult<BundleWithProducts> {
    let now = Utc::now();
    let mut m: bundle::ActiveModel = current.bundle.into();
    m.status = Set(next);
    m.updated_at = Set(now);
    if let Some((reviewer, comment)) = review {
        m.review_comment = Set(comment);
        m.reviewed_by = Set(Some(reviewer.user_id.clone()));
        m.reviewed_at = Set(Some(now));
    }
    let bundle = m.update(db).await?;
    Ok(BundleWithProducts {
        bundle,
        supplier_name: current.supplier_name,
        products: current.products,
    })
}

/// # Errors
/// 404/403 for non-owners, 409 unless draft or rejected, 422 when a product is no longer listed.
pub async fn submit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<BundleWithProducts> {
    let current = owned(db, actor, id).await?;
    let next = current.bundle.status.transition(ListingAction::Submit)?;
    recheck(db, &current).await?;
    set_status(db, current, next, None).await
}

/// Products can be delisted while a bundle waits; approving then would list a broken bundle.
async fn recheck<C: ConnectionTrait>(db: &C, b: &BundleWithProducts) -> DomainResult<()> {
    check(
        db,
        NewBundle {
            name: b.bundle.name.clone(),
            industry: b.bundle.industry,
            description: b.bundle.description.clone(),
            product_ids: b.products.iter().map(|p| p.id.clone()).collect(),
            price_fen: b.bundle.price_fen,
        },
    )
    .await
    .map(|_| ())
}

/// # Errors
/// 403 unless reviewer/organiser, 404, 409 unless submitted, 422 on the comment or when a
/// product is no longer listed (approving only).
pub async fn review<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    decision: ReviewDecision,
    comment: &str,
) -> DomainResult<BundleWithProducts> {
    if !actor.can_review() {
        return Err(DomainError::Forbidden);
    }
    let comment = check_review(decision, comment)?;
    let current = get(db, Some(actor), id).await?;
    let next = current.bundle.status.transition(decision.action())?;
    if decision == ReviewDecision::Approve {
        recheck(db, &current).await?;
    }
    set_status(db, current, next, Some((actor, comment))).await
}

/// # Errors
/// 404/403 unless owner or organiser, 409 unless listed.
pub async fn delist<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<BundleWithProducts> {
    let current = get(db, Some(actor), id).await?;
    if !(actor.is_organiser() || actor.is_supplier_member(&current.bundle.supplier_id)) {
        return Err(DomainError::Forbidden);
    }
    let next = current.bundle.status.transition(ListingAction::Delist)?;
    set_status(db, current, next, None).await
}

/// The owner takes a delisted bundle back to a draft, to edit it and submit it again.
///
/// # Errors
/// 404 unseen, 403 unless the supplier's member, 409 unless delisted.
pub async fn revise<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<BundleWithProducts> {
    let current = get(db, Some(actor), id).await?;
    if !actor.is_supplier_member(&current.bundle.supplier_id) {
        return Err(DomainError::Forbidden);
    }
    let next = current.bundle.status.transition(ListingAction::Revise)?;
    set_status(db, current, next, None).await
}
