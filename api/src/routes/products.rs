//! Products: the supplier's drafts, review, and the public listing.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, MaybeUser, QueryMap};
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::Checker;
use domain::entities::{product, supplier};
use domain::services::Page;
use domain::services::products::{self, NewProduct, ProductPatch, ProductView, ReviewDecision};
use domain::values::{Delivery, Industry, Stage};
use search::{ProductQuery, ProductSort};
use serde::{Deserialize, Serialize};

pub(crate) fn view(state: &AppState, (p, supplier_name): (product::Model, String)) -> ProductView {
    ProductView::new(p, supplier_name, &state.policy)
}

pub(crate) fn views(state: &AppState, page: Page<(product::Model, String)>) -> Page<ProductView> {
    page.map(|row| view(state, row))
}

fn one(state: &AppState, (p, s): (product::Model, supplier::Model)) -> ProductView {
    view(state, (p, s.name))
}

const SORTS: &[&str] = &[
    "relevance",
    "price_asc",
    "price_desc",
    "newest",
    "deploy_days",
];

fn sort_from_code(code: &str) -> Option<ProductSort> {
    match code {
        "relevance" => Some(ProductSort::Relevance),
        "price_asc" => Some(ProductSort::PriceAsc),
        "price_desc" => Some(ProductSort::PriceDesc),
        "newest" => Some(ProductSort::Newest),
        "deploy_days" => Some(ProductSort::DeployDays),
        _ => None,
    }
}

fn json_bytes<T: Serialize>(v: &T) -> Result<Bytes, search::SearchError> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|e| search::SearchError::Domain(domain::DomainError::Internal(e.to_string())))
}

/// A page of search results: the listing's page, and how many of all results fall in each
/// industry, stage and delivery.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<FoundProduct>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// Present when `q` is given: counts per code, e.g. `{"industry": {"pcb": 3}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub facets: Option<search::engine::Facets>,
}

/// A product found by `q`; with `highlight=true`, its name and summary marked where they hold
/// the query's words.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FoundProduct {
    #[serde(flatten)]
    pub product: ProductView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<search::Highlight>,
}

/// The engine's hits shown as the database has them now (a hit delisted a moment ago is left
/// out).
async fn search_page(
    db: &sea_orm::DatabaseConnection,
    policy: &domain::xkqz::XkqzPolicy,
    highlight: Option<&str>,
    found: search::engine::SearchResults,
) -> Result<SearchPage, search::SearchError> {
    let ids: Vec<String> = found.page.items.iter().map(|h| h.id.clone()).collect();
    let mut views = search::proposals::listed_products(db, policy, &ids).await?;
    let marker = highlight.map(search::Highlighter::new);
    Ok(SearchPage {
        items: ids
            .iter()
            .filter_map(|id| views.remove(id))
            .map(|product| FoundProduct {
                highlight: marker
                    .as_ref()
                    .map(|m| m.highlight(&product.name, &product.summary)),
                product,
            })
            .collect(),
        total: found.page.total,
        page: found.page.page,
        per_page: found.page.per_page,
        facets: Some(found.facets),
    })
}

/// Listed products of vetted suppliers, filtered, sorted and paginated. With `q`, the search
/// engine answers (Chinese words, synonyms, typos; relevance first unless another sort is
/// asked for) and the response adds `facets`.
#[utoipa::path(tag = "products", params(
    ("q" = Option<String>, Query), ("industry" = Option<Industry>, Query), ("stage" = Option<Stage>, Query),
    ("delivery" = Option<Delivery>, Query), ("max_price_fen" = Option<i64>, Query, description = "on the pilot price"),
    ("max_deploy_days" = Option<i32>, Query), ("ai_powered" = Option<bool>, Query), ("supplier_id" = Option<String>, Query),
    ("sort" = Option<ProductSort>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query),
    ("highlight" = Option<bool>, Query, description = "with `q`: mark the query's words in each product's name and summary (`highlight`)")),
    responses((status = 200, body = SearchPage), (status = 422, body = crate::error::Problem)))]
#[get("/products")]
pub async fn list(
    state: web::Data<AppState>,
    // Checked, not used: a client sending a bad token should hear about it.
    _user: MaybeUser,
    req: HttpRequest,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let query = ProductQuery {
        q: q.text(&mut c, "q", 100),
        industry: q.code(&mut c, "industry", Industry::from_code, Industry::codes()),
        stage: q.code(&mut c, "stage", Stage::from_code, Stage::codes()),
        delivery: q.code(&mut c, "delivery", Delivery::from_code, Delivery::codes()),
        max_price_fen: q.int(&mut c, "max_price_fen", 0, i64::MAX),
        max_deploy_days: q
            .int(&mut c, "max_deploy_days", 1, 3650)
            .and_then(|d| i32::try_from(d).ok()),
        ai_powered: q.bool(&mut c, "ai_powered"),
        supplier_id: q.text(&mut c, "supplier_id", 64),
        sort: q
            .code(&mut c, "sort", sort_from_code, SORTS)
            .unwrap_or_default(),
        page: q.page(&mut c),
    };
    let highlight = q.bool(&mut c, "highlight").unwrap_or(false);
    c.finish()?;
    // The listing is public and the same for everyone, so a page can be shared between callers.
    let key = req.query_string().to_owned();
    let db = state.db.clone();
    let policy = state.policy.clone();
    let engine = state.search.engine().clone();
    let body = state
        .listing_cache
        .get_or_load(key, async move {
            if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
                let text = query.q.as_deref().unwrap_or_default();
                // Punctuation alone names nothing: no product is about `%` or `[`.
                if !text.chars().any(char::is_alphanumeric) {
                    return json_bytes(&SearchPage {
                        items: Vec::new(),
                        total: 0,
                        page: query.page.page,
                        per_page: query.page.per_page,
                        facets: Some(search::engine::Facets::default()),
                    });
                }
                let found = engine.search(&query).await?;
                json_bytes(&search_page(&db, &policy, highlight.then_some(text), found).await?)
            } else {
                let page = query
                    .run(&db)
                    .await?
                    .map(|(p, supplier)| ProductView::new(p, supplier, &policy));
                json_bytes(&page)
            }
        })
        .await
        .map_err(|e| crate::error::ApiError::Unexpected(anyhow::anyhow!("listing: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

/// A product: anyone if listed; its supplier's members and staff always.
#[utoipa::path(tag = "products", params(("id" = String, Path)), responses((status = 200, body = ProductView), (status = 404, body = crate::error::Problem)))]
#[get("/products/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = products::get(&state.db, actor.as_ref(), &id).await?;
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

/// A supplier member creates a draft of their supplier.
#[utoipa::path(tag = "products", request_body = NewProduct, responses((status = 201, body = ProductView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/products")]
pub async fn create(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<NewProduct>,
) -> ApiResult<HttpResponse> {
    let row = products::create(&state.db, &actor, body).await?;
    Ok(HttpResponse::Created().json(one(&state, row)))
}

/// The owner edits a draft or rejected product.
#[utoipa::path(tag = "products", params(("id" = String, Path)), request_body = ProductPatch, responses((status = 200, body = ProductView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[patch("/products/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<ProductPatch>,
) -> ApiResult<HttpResponse> {
    let row = products::update(&state.db, &actor, &id, body).await?;
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

/// The owner submits a draft or rejected product for review.
#[utoipa::path(tag = "products", params(("id" = String, Path)), responses((status = 200, body = ProductView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/products/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = products::submit(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub decision: ReviewDecision,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: String,
}

/// A reviewer or organiser approves (→ listed) or rejects a submitted product.
#[utoipa::path(tag = "products", params(("id" = String, Path)), request_body = ReviewRequest, responses((status = 200, body = ProductView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/products/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    // The index sync job is written with the change, or neither is.
    let txn = domain::services::begin_write(&state.db).await?;
    let row = products::review(&txn, &actor, &id, body.decision, &body.comment).await?;
    txn.commit().await?;
    state.listing_cache.clear();
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

/// The owner or an organiser takes a listed product off the market.
#[utoipa::path(tag = "products", params(("id" = String, Path)), responses((status = 200, body = ProductView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/products/{id}/delist")]
pub async fn delist(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let txn = domain::services::begin_write(&state.db).await?;
    let row = products::delist(&txn, &actor, &id).await?;
    txn.commit().await?;
    state.listing_cache.clear();
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

/// The owner takes a delisted product back to a draft, to edit and resubmit it.
#[utoipa::path(tag = "products", params(("id" = String, Path)), responses((status = 200, body = ProductView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/products/{id}/revise")]
pub async fn revise(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = products::revise(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(one(&state, row)))
}

/// Products waiting for review, oldest first (reviewers and organisers).
#[utoipa::path(tag = "review", params(("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<ProductView>), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/review/products")]
pub async fn review_queue(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    if !actor.can_review() {
        return Err(domain::DomainError::Forbidden.into());
    }
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    let found = search::listing::review_queue(&state.db, page).await?;
    Ok(HttpResponse::Ok().json(views(&state, found)))
}
