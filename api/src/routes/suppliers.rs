//! Suppliers, their vetting, and their catalogues.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, MaybeUser, QueryMap};
use crate::routes::products::views;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use domain::Checker;
use domain::lifecycle::VettingDecision;
use domain::services::bundles::BundleView;
use domain::services::products::ProductView;
use domain::services::suppliers::{self, SupplierView};
use domain::services::{Actor, Page};
use domain::values::SupplierStatus;
use search::BundleQuery;
use serde::{Deserialize, Serialize};

/// Vetted suppliers for everyone; organisers and reviewers see all and may filter by `status`.
#[utoipa::path(tag = "suppliers", params(("status" = Option<SupplierStatus>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<SupplierView>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/suppliers")]
pub async fn list(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let status = q.code(
        &mut c,
        "status",
        SupplierStatus::from_code,
        SupplierStatus::codes(),
    );
    let page = q.page(&mut c);
    c.finish()?;
    let found = suppliers::list(&state.db, actor.as_ref(), status, page).await?;
    Ok(HttpResponse::Ok().json(found.map(SupplierView::from)))
}

/// A supplier: anyone if vetted; its own members and staff always.
#[utoipa::path(tag = "suppliers", params(("id" = String, Path)), responses((status = 200, body = SupplierView), (status = 404, body = crate::error::Problem)))]
#[get("/suppliers/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let s = suppliers::get(&state.db, actor.as_ref(), &id).await?;
    Ok(HttpResponse::Ok().json(SupplierView::from(s)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VettingRequest {
    pub decision: VettingDecision,
    #[serde(default)]
    pub reason: String,
}

/// An organiser approves, suspends, reinstates or removes a supplier. Suspension unlists its
/// products and bundles from every public list at once; reinstatement brings them back.
#[utoipa::path(tag = "suppliers", params(("id" = String, Path)), request_body = VettingRequest,
    responses((status = 200, body = SupplierView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/suppliers/{id}/vetting")]
pub async fn vetting(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<VettingRequest>,
) -> ApiResult<HttpResponse> {
    // The index sync job is written with the change, or neither is.
    let txn = domain::services::begin_write(&state.db).await?;
    let s = suppliers::vet(&txn, &actor, &id, body.decision, &body.reason).await?;
    txn.commit().await?;
    state.listing_cache.clear();
    Ok(HttpResponse::Ok().json(SupplierView::from(s)))
}

fn insider(actor: Option<&Actor>, supplier_id: &str) -> bool {
    actor.is_some_and(|a| a.can_review() || a.is_supplier_member(supplier_id))
}

/// A supplier's products: all statuses for its members and staff, listed ones for others.
#[utoipa::path(tag = "suppliers", params(("id" = String, Path), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<ProductView>), (status = 404, body = crate::error::Problem)))]
#[get("/suppliers/{id}/products")]
pub async fn products(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    let s = suppliers::get(&state.db, actor.as_ref(), &id).await?;
    let include_unlisted = insider(actor.as_ref(), &s.id);
    let found = search::listing::supplier_products(&state.db, &s, include_unlisted, page).await?;
    Ok(HttpResponse::Ok().json(views(&state, found)))
}

/// A supplier's bundles: all statuses for its members and staff, public ones for others.
#[utoipa::path(tag = "suppliers", params(("id" = String, Path), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<BundleView>), (status = 404, body = crate::error::Problem)))]
#[get("/suppliers/{id}/bundles")]
pub async fn bundles(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    let s = suppliers::get(&state.db, actor.as_ref(), &id).await?;
    let query = BundleQuery {
        supplier_id: Some(s.id.clone()),
        all_statuses: insider(actor.as_ref(), &s.id),
        page,
        ..BundleQuery::default()
    };
    let found = query.run(&state.db).await?;
    Ok(HttpResponse::Ok().json(found.map(BundleView::from)))
}

/// Most leads one request may ask for.
const MAX_LEADS: i64 = 100;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Leads {
    pub items: Vec<search::proposals::Lead>,
}

/// The supplier's leads: open needs its listed products answer (each among the need's ten best
/// matches), best first. The enterprise is shown by industry, district and size only. For the
/// supplier's members and organisers.
#[utoipa::path(tag = "suppliers", params(("id" = String, Path), ("limit" = Option<u32>, Query, description = "1–100, default 20")),
    responses((status = 200, body = Leads), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[get("/suppliers/{id}/leads")]
pub async fn leads(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let limit = q.int(&mut c, "limit", 1, MAX_LEADS).unwrap_or(20);
    c.finish()?;
    // Exists for this caller at all (404 otherwise), then is theirs (403).
    suppliers::get(&state.db, Some(&actor), &id).await?;
    if !(actor.is_organiser() || actor.is_supplier_member(&id)) {
        return Err(domain::DomainError::Forbidden.into());
    }
    let items = search::proposals::leads(
        &state.db,
        &state.search.matcher,
        &state.search.policy,
        &id,
        usize::try_from(limit).unwrap_or(20),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Leads { items }))
}
