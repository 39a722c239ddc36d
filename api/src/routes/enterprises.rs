//! 一企一档.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, QueryMap};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, web};
use domain::Checker;
use domain::services::Page;
use domain::services::enterprises::{self, EnterpriseFilter, EnterprisePatch, EnterpriseView};
use domain::values::EnterpriseIndustry;

/// An enterprise's file: its own members and organisers; 404 for others.
#[utoipa::path(tag = "enterprises", params(("id" = String, Path)), responses((status = 200, body = EnterpriseView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/enterprises/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let e = enterprises::get(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(EnterpriseView::from(e)))
}

/// Partial update; `digital_level*` only by organisers.
#[utoipa::path(tag = "enterprises", params(("id" = String, Path)), request_body = EnterprisePatch, responses((status = 200, body = EnterpriseView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[patch("/enterprises/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<EnterprisePatch>,
) -> ApiResult<HttpResponse> {
    let e = enterprises::update(&state.db, &actor, &id, body).await?;
    Ok(HttpResponse::Ok().json(EnterpriseView::from(e)))
}

/// All enterprise files (organisers).
#[utoipa::path(tag = "enterprises", params(
    ("industry" = Option<EnterpriseIndustry>, Query), ("district" = Option<String>, Query),
    ("digital_level" = Option<i32>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<EnterpriseView>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/enterprises")]
pub async fn list(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let filter = EnterpriseFilter {
        industry: q.code(
            &mut c,
            "industry",
            EnterpriseIndustry::from_code,
            EnterpriseIndustry::codes(),
        ),
        district: q.text(&mut c, "district", 50),
        digital_level: q
            .int(&mut c, "digital_level", 1, 4)
            .and_then(|l| i32::try_from(l).ok()),
    };
    let page = q.page(&mut c);
    c.finish()?;
    let found = enterprises::list(&state.db, &actor, filter, page).await?;
    Ok(HttpResponse::Ok().json(found.map(EnterpriseView::from)))
}
