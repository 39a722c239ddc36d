//! What matching offers people: the products and bundles proposed for a need, the leads a
//! supplier sees (open needs its products answer), and the needs a newly listed product
//! answers. Ranking is [`crate::match_need`]'s (remembered by the [`Matcher`]); this module adds bundles, reads the authoritative rows
//! from the database (an index entry may lag a change by a moment) and keeps enterprises
//! anonymous towards suppliers.

use crate::engine::ProductDocument;
use crate::matching::{money, need_filter};
use crate::{Match, Matcher, NeedQuery, SearchError};
use domain::entities::{bundle, enterprise, need, product, supplier};
use domain::services::bundles::{BundleView, with_products};
use domain::services::needs::{self, AnonymousEnterprise};
use domain::services::products::ProductView;
use domain::values::{Industry, ListingStatus, Stage, SupplierStatus};
use domain::xkqz::XkqzPolicy;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A product is a lead for its supplier, or worth telling an enterprise about, when it is
/// among this many best matches of the need.
pub const TOP_MATCHES: usize = 10;
/// Products looked at when looking for bundles that contain them.
const BUNDLE_SOURCE_MATCHES: usize = 30;
/// A bundle with one matching product ranks just under that product; each further matching
/// product it holds lifts it by this share.
const BUNDLE_BASE: f32 = 0.9;
const BUNDLE_PER_MATCH: f32 = 0.1;

/// How matching sees a need of an enterprise.
#[must_use]
pub fn need_query(n: &need::Model, e: &enterprise::Model, limit: usize) -> NeedQuery {
    NeedQuery {
        text: format!("{}\n{}", n.title, n.description),
        industry: e.industry.segment(),
        stages: n.stages.0.clone(),
        budget_fen: n.budget_fen,
        max_deploy_days: n.max_deploy_days,
        limit,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    Product,
    Bundle,
}

/// One proposal for a need.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub kind: ProposalKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleView>,
    /// Relative to the best proposal for the same need (1.0).
    pub score: f32,
    /// Why it is proposed, in Chinese.
    pub reasons: Vec<String>,
}

/// Listed products of vetted suppliers among `ids`, as views: what a search hit or a match is
/// shown as (the database decides, in case the index lags a change).
///
/// # Errors
/// Database errors.
pub async fn listed_products<C: ConnectionTrait>(
    db: &C,
    policy: &XkqzPolicy,
    ids: &[String],
) -> Result<HashMap<String, ProductView>, SearchError> {
    // By primary key only: with a status condition too, SQLite's planner prefers the status
    // index and reads every listed product (12 ms for 20 ids among 10,000).
    let rows = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().cloned()))
        .find_also_related(supplier::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(p, _)| p.status == ListingStatus::Listed)
        .filter_map(|(p, s)| {
            s.filter(|s| s.status == SupplierStatus::Vetted)
                .map(|s| (p, s))
        })
        .map(|(p, s)| (p.id.clone(), ProductView::new(p, s.name, policy)))
        .collect())
}

/// Public bundles that hold at least one of `product_ids` and meet the need's conditions.
async fn bundles_for<C: ConnectionTrait>(
    db: &C,
    q: &NeedQuery,
    matches: &[Match],
) -> Result<Vec<Proposal>, SearchError> {
    let ids: Vec<String> = matches.iter().map(|m| m.product_id.clone()).collect();
    let bundle_ids: Vec<String> = domain::entities::bundle_product::Entity::find()
        .filter(domain::entities::bundle_product::Column::ProductId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.bundle_id)
        .collect();
    if bundle_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = bundle::Entity::find()
        .filter(bundle::Column::Id.is_in(bundle_ids))
        .filter(bundle::Column::Status.eq(ListingStatus::Listed))
        .find_also_related(supplier::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(b, s)| {
            s.filter(|s| s.status == SupplierStatus::Vetted)
                .map(|s| (b, s.name))
        })
        .collect();
    let score_of: HashMap<&str, &Match> =
        matches.iter().map(|m| (m.product_id.as_str(), m)).collect();
    let bundles = with_products(db, rows).await?;
    let vetted: HashSet<String> = supplier::Entity::find()
        .filter(
            supplier::Column::Id.is_in(
                bundles
                    .iter()
                    .flat_map(|b| b.products.iter().map(|p| p.supplier_id.clone())),
            ),
        )
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut out = Vec::new();
    for b in bundles {
        let industry_ok = b.bundle.industry == Industry::General
            || q.industry.is_some_and(|i| i == b.bundle.industry);
        // Every product must still be public and meet the deployment limit; the whole bundle
        // is bought at its own price.
        let all_public = b
            .products
            .iter()
            .all(|p| p.status == ListingStatus::Listed && vetted.contains(&p.supplier_id));
        let deploy_ok = q
            .max_deploy_days
            .is_none_or(|max| b.products.iter().all(|p| p.deploy_days <= max));
        let stages: Vec<Stage> = q
            .stages
            .iter()
            .copied()
            .filter(|s| b.products.iter().any(|p| p.stages.0.contains(s)))
            .collect();
        if !industry_ok
            || !all_public
            || !deploy_ok
            || stages.is_empty()
            || b.bundle.price_fen > q.budget_fen
        {
            continue;
        }
        let matched: Vec<&product::Model> = b
            .products
            .iter()
            .filter(|p| score_of.contains_key(p.id.as_str()))
            .collect();
        let Some(best) = matched
            .iter()
            .filter_map(|p| score_of.get(p.id.as_str()).map(|m| m.score))
            .max_by(f32::total_cmp)
        else {
            continue;
        };
        let score = best * (BUNDLE_BASE + BUNDLE_PER_MATCH * matched.len() as f32);
        let names: Vec<&str> = matched.iter().map(|p| p.name.as_str()).collect();
        let mut reasons = vec![format!("组合包含匹配产品：{}", names.join("、"))];
        reasons.push(format!(
            "覆盖环节：{}",
            stages
                .iter()
                .map(|s| s.label_zh())
                .collect::<Vec<_>>()
                .join("、")
        ));
        reasons.push(format!(
            "组合价 {}，在预算 {} 内",
            money(b.bundle.price_fen),
            money(q.budget_fen)
        ));
        let view = BundleView::from(b);
        if view.products_pilot_price_fen > view.price_fen {
            reasons.push(format!(
                "比单独购买节省 {}",
                money(view.products_pilot_price_fen - view.price_fen)
            ));
        }
        out.push(Proposal {
            kind: ProposalKind::Bundle,
            product: None,
            bundle: Some(view),
            score,
            reasons,
        });
    }
    Ok(out)
}

/// Products and bundles proposed for a need, best first, at most `limit`.
///
/// # Errors
/// Database or engine errors.
pub async fn for_need<C: ConnectionTrait>(
    db: &C,
    matcher: &Matcher,
    policy: &XkqzPolicy,
    n: &need::Model,
    e: &enterprise::Model,
    limit: usize,
) -> Result<Vec<Proposal>, SearchError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let q = need_query(n, e, limit.max(BUNDLE_SOURCE_MATCHES));
    let matches = matcher.match_need(&q).await?;
    let ids: Vec<String> = matches.iter().map(|m| m.product_id.clone()).collect();
    // Only the first `limit` products can make the answer; the ones after them are read only
    // to replace any the database no longer lists (the index lags a change by a moment).
    let mut products = HashMap::new();
    let mut next = 0;
    while products.len() < limit && next < ids.len() {
        let end = ids.len().min(next + limit - products.len());
        products.extend(listed_products(db, policy, &ids[next..end]).await?);
        next = end;
    }
    let mut out: Vec<Proposal> = bundles_for(db, &q, &matches).await?;
    out.extend(matches.into_iter().filter_map(|m| {
        products.remove(&m.product_id).map(|p| Proposal {
            kind: ProposalKind::Product,
            product: Some(p),
            bundle: None,
            score: m.score,
            reasons: m.reasons,
        })
    }));
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.truncate(limit);
    let best = out.first().map_or(1.0, |p| p.score).max(f32::EPSILON);
    for p in &mut out {
        p.score /= best;
    }
    Ok(out)
}

/// One of the supplier's products that answers a lead.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadProduct {
    pub id: String,
    pub name: String,
    pub score: f32,
    pub reasons: Vec<String>,
}

/// The need as a supplier sees it: what is wanted, not who wants it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadNeed {
    pub id: String,
    pub title: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub budget_fen: i64,
    pub max_deploy_days: Option<i32>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An open need the supplier's products answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lead {
    pub need: LeadNeed,
    pub enterprise: AnonymousEnterprise,
    pub products: Vec<LeadProduct>,
    /// How well the supplier's best product fits, discounted by its rank among all matches:
    /// a product first for a need is a better lead than one seventh.
    pub score: f32,
}

/// Open needs that the supplier's listed products answer (each product among the need's
/// [`TOP_MATCHES`] best), best first, at most `limit`.
///
/// # Errors
/// Database or engine errors.
pub async fn leads<C: ConnectionTrait>(
    db: &C,
    matcher: &Matcher,
    policy: &XkqzPolicy,
    supplier_id: &str,
    limit: usize,
) -> Result<Vec<Lead>, SearchError> {
    let Some(s) = supplier::Entity::find_by_id(supplier_id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    if s.status != SupplierStatus::Vetted {
        return Ok(Vec::new());
    }
    let own: Vec<ProductDocument> = product::Entity::find()
        .filter(product::Column::SupplierId.eq(supplier_id))
        .filter(product::Column::Status.eq(ListingStatus::Listed))
        .all(db)
        .await?
        .into_iter()
        .map(|p| ProductDocument::from(&ProductView::new(p, s.name.clone(), policy)))
        .collect();
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (n, e) in needs::open_with_enterprises(db).await? {
        let q = need_query(&n, &e, TOP_MATCHES);
        // Only needs one of the products could meet are worth a search.
        let filter = need_filter(&q);
        if !own.iter().any(|d| filter.accepts(d)) {
            continue;
        }
        let matches = matcher.match_need(&q).await?;
        let mut products = Vec::new();
        let mut score = 0.0_f32;
        for (rank, m) in matches.into_iter().enumerate() {
            if let Some(d) = own.iter().find(|d| d.id == m.product_id) {
                score = score.max(m.score / (1.0 + rank as f32).log2().max(1.0));
                products.push(LeadProduct {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    score: m.score,
                    reasons: m.reasons,
                });
            }
        }
        if products.is_empty() {
            continue;
        }
        out.push(Lead {
            need: LeadNeed {
                id: n.id,
                title: n.title,
                description: n.description,
                stages: n.stages.0,
                budget_fen: n.budget_fen,
                max_deploy_days: n.max_deploy_days,
                created_at: n.created_at,
            },
            enterprise: AnonymousEnterprise::from(&e),
            products,
            score,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.need.created_at.cmp(&a.need.created_at))
    });
    out.truncate(limit);
    Ok(out)
}

/// Open needs for which `product_id` is among the [`TOP_MATCHES`] best matches (a newly listed
/// product is worth telling them about).
///
/// # Errors
/// Database or engine errors.
pub async fn needs_answered_by<C: ConnectionTrait>(
    db: &C,
    matcher: &Matcher,
    policy: &XkqzPolicy,
    product_id: &str,
) -> Result<Vec<need::Model>, SearchError> {
    let Some((p, Some(s))) = product::Entity::find_by_id(product_id.to_owned())
        .find_also_related(supplier::Entity)
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    if p.status != ListingStatus::Listed || s.status != SupplierStatus::Vetted {
        return Ok(Vec::new());
    }
    let doc = ProductDocument::from(&ProductView::new(p, s.name, policy));
    let mut out = Vec::new();
    for (n, e) in needs::open_with_enterprises(db).await? {
        let q = need_query(&n, &e, TOP_MATCHES);
        if !need_filter(&q).accepts(&doc) {
            continue;
        }
        if matcher
            .match_need(&q)
            .await?
            .iter()
            .any(|m| m.product_id == doc.id)
        {
            out.push(n);
        }
    }
    Ok(out)
}
