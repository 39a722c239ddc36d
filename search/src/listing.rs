//! The public listing, served from the database.

use crate::SearchError;
use domain::entities::{
    bundle, bundle_product, product, product_industry, product_stage, supplier,
};
use domain::services::bundles::{BundleWithProducts, with_products};
use domain::services::{Page, PageRequest};
use domain::values::{Delivery, Industry, ListingStatus, Stage, SupplierStatus};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashMap;

/// How to order the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// Best text match first; without `q`, the newest first.
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    DeployDays,
}

/// A public product query; every field is a filter that must hold.
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    pub q: Option<String>,
    pub industry: Option<Industry>,
    pub stage: Option<Stage>,
    pub delivery: Option<Delivery>,
    /// On the pilot price.
    pub max_price_fen: Option<i64>,
    pub max_deploy_days: Option<i32>,
    pub ai_powered: Option<bool>,
    pub supplier_id: Option<String>,
    pub sort: ProductSort,
    pub page: PageRequest,
}

/// Products of vetted suppliers in `status`.
fn of_vetted(status: ListingStatus) -> Select<product::Entity> {
    product::Entity::find()
        .inner_join(supplier::Entity)
        .filter(product::Column::Status.eq(status))
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl ProductQuery {
    fn select(&self) -> Select<product::Entity> {
        let mut s = of_vetted(ListingStatus::Listed);
        if let Some(i) = self.industry {
            s = s.filter(
                product::Column::Id.in_subquery(
                    Query::select()
                        .column(product_industry::Column::ProductId)
                        .from(product_industry::Entity)
                        .and_where(product_industry::Column::Industry.eq(i))
                        .to_owned(),
                ),
            );
        }
        if let Some(st) = self.stage {
            s = s.filter(
                product::Column::Id.in_subquery(
                    Query::select()
                        .column(product_stage::Column::ProductId)
                        .from(product_stage::Entity)
                        .and_where(product_stage::Column::Stage.eq(st))
                        .to_owned(),
                ),
            );
        }
        if let Some(d) = self.delivery {
            s = s.filter(product::Column::Delivery.eq(d));
        }
        if let Some(p) = self.max_price_fen {
            s = s.filter(product::Column::PilotPriceFen.lte(p));
        }
        if let Some(d) = self.max_deploy_days {
            s = s.filter(product::Column::DeployDays.lte(d));
        }
        if let Some(a) = self.ai_powered {
            s = s.filter(product::Column::AiPowered.eq(a));
        }
        if let Some(id) = &self.supplier_id {
            s = s.filter(product::Column::SupplierId.eq(id.clone()));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            // Case-insensitive on both databases (SQLite's LIKE folds ASCII, PostgreSQL's not).
            let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
            let like = || LikeExpr::new(pattern.clone()).escape('\\');
            let lower = |col: product::Column| Func::lower(Expr::col((product::Entity, col)));
            let mut any = Condition::any()
                .add(Expr::expr(lower(product::Column::Name)).like(like()))
                .add(Expr::expr(lower(product::Column::Summary)).like(like()));
            // Tags are a JSON array: a match inside one tag never spans its quotes, so only a
            // query free of JSON syntax (quotes, brackets, commas) is compared with their text.
            if !q.contains(['"', '[', ']', ',', '\\']) {
                any = any.add(
                    Expr::expr(Func::lower(
                        Expr::col((product::Entity, product::Column::Tags))
                            .cast_as(Alias::new("text")),
                    ))
                    .like(like()),
                );
            }
            s = s.filter(any);
        }
        match self.sort {
            ProductSort::PriceAsc => s.order_by_asc(product::Column::PilotPriceFen),
            ProductSort::PriceDesc => s.order_by_desc(product::Column::PilotPriceFen),
            ProductSort::DeployDays => s.order_by_asc(product::Column::DeployDays),
            ProductSort::Newest | ProductSort::Relevance => {
                s.order_by_desc(product::Column::CreatedAt)
            }
        }
        .order_by_asc(product::Column::Id)
    }

    /// Runs the query.
    ///
    /// # Errors
    /// Database errors.
    pub async fn run<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Page<(product::Model, String)>, SearchError> {
        let select = self.select();
        let total = select.clone().count(db).await?;
        let rows = select
            .select_also(supplier::Entity)
            .offset(self.page.offset())
            .limit(self.page.per_page)
            .all(db)
            .await?;
        let items = rows
            .into_iter()
            .map(|(p, s)| (p, s.map(|s| s.name).unwrap_or_default()))
            .collect();
        Ok(Page::new(items, total, self.page))
    }
}

/// One supplier's products: all of them for its members and staff, listed ones for others.
///
/// # Errors
/// Database errors.
pub async fn supplier_products<C: ConnectionTrait>(
    db: &C,
    supplier: &supplier::Model,
    include_unlisted: bool,
    page: PageRequest,
) -> Result<Page<(product::Model, String)>, SearchError> {
    let mut s = product::Entity::find().filter(product::Column::SupplierId.eq(supplier.id.clone()));
    if !include_unlisted {
        s = s.filter(product::Column::Status.eq(ListingStatus::Listed));
    }
    let total = s.clone().count(db).await?;
    let items = s
        .order_by_desc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p, supplier.name.clone()))
        .collect();
    Ok(Page::new(items, total, page))
}

/// Products waiting for review, oldest first (first come, first reviewed).
///
/// # Errors
/// Database errors.
pub async fn review_queue<C: ConnectionTrait>(
    db: &C,
    page: PageRequest,
) -> Result<Page<(product::Model, String)>, SearchError> {
    let s = product::Entity::find().filter(product::Column::Status.eq(ListingStatus::Submitted));
    let total = s.clone().count(db).await?;
    let items = s
        .find_also_related(supplier::Entity)
        .order_by_asc(product::Column::UpdatedAt)
        .order_by_asc(product::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?
        .into_iter()
        .map(|(p, s)| (p, s.map(|s| s.name).unwrap_or_default()))
        .collect();
    Ok(Page::new(items, total, page))
}

/// A bundle query: public lists, one supplier's list, or the review queue.
#[derive(Debug, Clone, Default)]
pub struct BundleQuery {
    pub industry: Option<Industry>,
    pub supplier_id: Option<String>,
    /// `None`: publicly visible bundles only. `Some(s)`: every bundle in status `s`
    /// (for staff and owners; the caller checks who may ask).
    pub status: Option<ListingStatus>,
    /// With `supplier_id`: every status (the owner's own view).
    pub all_statuses: bool,
    /// Text: bundles whose name or description holds it, or that hold a product the search
    /// engine finds for it.
    pub text: Option<BundleText>,
    pub page: PageRequest,
}

/// A text condition on bundles.
#[derive(Debug, Clone, Default)]
pub struct BundleText {
    pub q: String,
    /// Products the engine found for `q`.
    pub product_ids: Vec<String>,
}

/// A bundle is public when it is listed, its seller is vetted and each product is listed by a
/// vetted supplier. Raw SQL because the condition spans three tables; it is portable.
const ALL_PRODUCTS_PUBLIC: &str = "NOT EXISTS (SELECT 1 FROM bundle_products bp \
     JOIN products p ON p.id = bp.product_id JOIN suppliers ps ON ps.id = p.supplier_id \
     WHERE bp.bundle_id = bundles.id AND (p.status <> 'listed' OR ps.status <> 'vetted'))";

impl BundleQuery {
    /// # Errors
    /// Database errors.
    pub async fn run<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Page<BundleWithProducts>, SearchError> {
        let mut s = bundle::Entity::find().inner_join(supplier::Entity);
        if let Some(id) = &self.supplier_id {
            s = s.filter(bundle::Column::SupplierId.eq(id.clone()));
        }
        if let Some(i) = self.industry {
            s = s.filter(bundle::Column::Industry.eq(i));
        }
        match (self.status, self.all_statuses) {
            (_, true) => {}
            (Some(st), false) => s = s.filter(bundle::Column::Status.eq(st)),
            (None, false) => {
                s = s
                    .filter(bundle::Column::Status.eq(ListingStatus::Listed))
                    .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
                    .filter(Expr::cust(ALL_PRODUCTS_PUBLIC));
            }
        }
        if let Some(t) = &self.text {
            let pattern = format!("%{}%", escape_like(&t.q.trim().to_lowercase()));
            let like = || LikeExpr::new(pattern.clone()).escape('\\');
            let lower = |col: bundle::Column| Func::lower(Expr::col((bundle::Entity, col)));
            let mut any = Condition::any()
                .add(Expr::expr(lower(bundle::Column::Name)).like(like()))
                .add(Expr::expr(lower(bundle::Column::Description)).like(like()));
            if !t.product_ids.is_empty() {
                any = any.add(
                    bundle::Column::Id.in_subquery(
                        Query::select()
                            .column(bundle_product::Column::BundleId)
                            .from(bundle_product::Entity)
                            .and_where(
                                bundle_product::Column::ProductId.is_in(t.product_ids.clone()),
                            )
                            .to_owned(),
                    ),
                );
            }
            s = s.filter(any);
            return Self::by_relevance(db, s, t, self.page).await;
        }
        let total = s.clone().count(db).await?;
        let rows = s
            .select_also(supplier::Entity)
            .order_by_desc(bundle::Column::UpdatedAt)
            .order_by_asc(bundle::Column::Id)
            .offset(self.page.offset())
            .limit(self.page.per_page)
            .all(db)
            .await?;
        let bundles = rows
            .into_iter()
            .map(|(b, s)| (b, s.map(|s| s.name).unwrap_or_default()))
            .collect();
        Ok(Page::new(
            with_products(db, bundles).await?,
            total,
            self.page,
        ))
    }

    /// The bundles of a text query, best first: those whose own name says it, then those
    /// whose description does, then the rest; within each, by their best product's place in
    /// the engine's ranking, then the newest. Ranked in memory: a text query keeps few
    /// bundles, and their order needs the engine's ranking, which the database lacks.
    async fn by_relevance<C: ConnectionTrait>(
        db: &C,
        found: Select<bundle::Entity>,
        text: &BundleText,
        page: PageRequest,
    ) -> Result<Page<BundleWithProducts>, SearchError> {
        let rows = found.select_also(supplier::Entity).all(db).await?;
        // Each bundle's best product: its place among the engine's hits (at most a page of
        // them, so the query's parameters stay few however many bundles match).
        let mut best: HashMap<String, usize> = HashMap::new();
        if !text.product_ids.is_empty() {
            let place: HashMap<&str, usize> = text
                .product_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            for link in bundle_product::Entity::find()
                .filter(bundle_product::Column::ProductId.is_in(text.product_ids.clone()))
                .all(db)
                .await?
            {
                if let Some(&at) = place.get(link.product_id.as_str()) {
                    let b = best.entry(link.bundle_id).or_insert(at);
                    *b = (*b).min(at);
                }
            }
        }
        let best_product = |bundle_id: &str| best.get(bundle_id).copied().unwrap_or(usize::MAX);
        let q = text.q.trim().to_lowercase();
        let own_words = |b: &bundle::Model| {
            if b.name.to_lowercase().contains(&q) {
                0
            } else if b.description.to_lowercase().contains(&q) {
                1
            } else {
                2
            }
        };
        let mut ranked = rows;
        ranked.sort_by_cached_key(|(b, _)| {
            (
                own_words(b),
                best_product(&b.id),
                std::cmp::Reverse(b.updated_at),
                b.id.clone(),
            )
        });
        let total = ranked.len() as u64;
        let bundles = ranked
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(page.per_page).unwrap_or(usize::MAX))
            .map(|(b, s)| (b, s.map(|s| s.name).unwrap_or_default()))
            .collect();
        Ok(Page::new(with_products(db, bundles).await?, total, page))
    }
}
