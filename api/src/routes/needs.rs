//! Needs (需求) and what matching proposes for them.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, QueryMap};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use domain::Checker;
use domain::services::Page;
use domain::services::needs::{self, NeedView, NewNeed};
use domain::values::NeedStatus;
use search::proposals::{self, Proposal};
use serde::Serialize;

/// Most proposals one request may ask for.
const MAX_MATCHES: i64 = 50;

/// An enterprise member posts a need of their enterprise.
#[utoipa::path(tag = "needs", request_body = NewNeed,
    responses((status = 201, body = NeedView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/needs")]
pub async fn create(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<NewNeed>,
) -> ApiResult<HttpResponse> {
    let n = needs::create(&state.db, &actor, body).await?;
    Ok(HttpResponse::Created().json(NeedView::from(n)))
}

/// The caller's enterprise's needs, newest first (organisers: every enterprise's).
#[utoipa::path(tag = "needs", params(("status" = Option<NeedStatus>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<NeedView>), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/needs")]
pub async fn list(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let status = q.code(&mut c, "status", NeedStatus::from_code, NeedStatus::codes());
    let page = q.page(&mut c);
    c.finish()?;
    let found = needs::list(&state.db, &actor, status, page).await?;
    Ok(HttpResponse::Ok().json(found.map(NeedView::from)))
}

/// A need: its enterprise's members and organisers; 404 for everyone else.
#[utoipa::path(tag = "needs", params(("id" = String, Path)),
    responses((status = 200, body = NeedView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/needs/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (n, _) = needs::get(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(NeedView::from(n)))
}

/// The enterprise closes its need: no more matches are proposed or shown to suppliers.
#[utoipa::path(tag = "needs", params(("id" = String, Path)),
    responses((status = 200, body = NeedView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/needs/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let n = needs::close(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(NeedView::from(n)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Proposals {
    pub items: Vec<Proposal>,
}

/// Products and bundles for the need, best first, each with the reasons it is proposed. Stages,
/// industry (the enterprise's own or `general`), budget (pilot price) and deployment time are
/// hard conditions.
#[utoipa::path(tag = "needs", params(("id" = String, Path), ("limit" = Option<u32>, Query, description = "1–50, default 10")),
    responses((status = 200, body = Proposals), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[get("/needs/{id}/matches")]
pub async fn matches(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let limit = q.int(&mut c, "limit", 1, MAX_MATCHES).unwrap_or(10);
    c.finish()?;
    let (n, e) = needs::get(&state.db, &actor, &id).await?;
    let items = proposals::for_need(
        &state.db,
        &state.search.matcher,
        &state.search.policy,
        &n,
        &e,
        usize::try_from(limit).unwrap_or(10),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Proposals { items }))
}
