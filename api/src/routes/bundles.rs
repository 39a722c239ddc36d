//! Bundles (产品组合方案包): same life as products.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, MaybeUser, QueryMap};
use crate::routes::products::ReviewRequest;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use domain::services::Page;
use domain::services::PageRequest;
use domain::services::bundles::{self, BundlePatch, BundleView, NewBundle};
use domain::services::page::MAX_PER_PAGE;
use domain::values::{Industry, ListingStatus};
use domain::{Checker, DomainError};
use search::{BundleQuery, BundleText, ProductQuery};

/// Publicly listed bundles (listed, seller vetted, every product listed). `q` finds bundles by
/// their name and description, and by the products they hold.
#[utoipa::path(tag = "bundles", params(("q" = Option<String>, Query), ("industry" = Option<Industry>, Query), ("supplier_id" = Option<String>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<BundleView>), (status = 422, body = crate::error::Problem)))]
#[get("/bundles")]
pub async fn list(
    state: web::Data<AppState>,
    _user: MaybeUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let text = q.text(&mut c, "q", 100).filter(|t| !t.trim().is_empty());
    let mut query = BundleQuery {
        industry: q.code(&mut c, "industry", Industry::from_code, Industry::codes()),
        supplier_id: q.text(&mut c, "supplier_id", 64),
        page: q.page(&mut c),
        ..BundleQuery::default()
    };
    c.finish()?;
    if let Some(text) = text {
        // A bundle is found by its own words or by its products' (with the engine's Chinese
        // words, synonyms and typo tolerance).
        let products = state
            .search
            .engine()
            .search(&ProductQuery {
                q: Some(text.clone()),
                page: PageRequest {
                    page: 1,
                    per_page: MAX_PER_PAGE,
                },
                ..ProductQuery::default()
            })
            .await?;
        query.text = Some(BundleText {
            q: text,
            product_ids: products.page.items.into_iter().map(|h| h.id).collect(),
        });
    }
    let found = query.run(&state.db).await?;
    Ok(HttpResponse::Ok().json(found.map(BundleView::from)))
}

/// A bundle: anyone if publicly listed; its supplier's members and staff always.
#[utoipa::path(tag = "bundles", params(("id" = String, Path)), responses((status = 200, body = BundleView), (status = 404, body = crate::error::Problem)))]
#[get("/bundles/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let b = bundles::get(&state.db, actor.as_ref(), &id).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

/// A supplier member creates a draft bundle of listed products.
#[utoipa::path(tag = "bundles", request_body = NewBundle, responses((status = 201, body = BundleView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/bundles")]
pub async fn create(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<NewBundle>,
) -> ApiResult<HttpResponse> {
    let b = bundles::create(&state.db, &actor, body).await?;
    Ok(HttpResponse::Created().json(BundleView::from(b)))
}

/// The owner edits a draft or rejected bundle.
#[utoipa::path(tag = "bundles", params(("id" = String, Path)), request_body = BundlePatch, responses((status = 200, body = BundleView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[patch("/bundles/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<BundlePatch>,
) -> ApiResult<HttpResponse> {
    let b = bundles::update(&state.db, &actor, &id, body).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

#[utoipa::path(tag = "bundles", params(("id" = String, Path)), responses((status = 200, body = BundleView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/bundles/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let b = bundles::submit(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

#[utoipa::path(tag = "bundles", params(("id" = String, Path)), request_body = ReviewRequest, responses((status = 200, body = BundleView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/bundles/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    let b = bundles::review(&state.db, &actor, &id, body.decision, &body.comment).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

#[utoipa::path(tag = "bundles", params(("id" = String, Path)), responses((status = 200, body = BundleView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/bundles/{id}/delist")]
pub async fn delist(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let b = bundles::delist(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

/// The owner takes a delisted bundle back to a draft, to edit and resubmit it.
#[utoipa::path(tag = "bundles", params(("id" = String, Path)), responses((status = 200, body = BundleView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/bundles/{id}/revise")]
pub async fn revise(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let b = bundles::revise(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(BundleView::from(b)))
}

/// Bundles waiting for review (reviewers and organisers).
#[utoipa::path(tag = "review", params(("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<BundleView>), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/review/bundles")]
pub async fn review_queue(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    if !actor.can_review() {
        return Err(DomainError::Forbidden.into());
    }
    let mut c = Checker::new();
    let query = BundleQuery {
        status: Some(ListingStatus::Submitted),
        page: q.page(&mut c),
        ..BundleQuery::default()
    };
    c.finish()?;
    let found = query.run(&state.db).await?;
    Ok(HttpResponse::Ok().json(found.map(BundleView::from)))
}
