//! Programme figures.

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use domain::services::stats::{self, Stats};

/// Counts by industry and progress against the pilot's targets (organisers).
#[utoipa::path(tag = "programme", responses((status = 200, body = Stats), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/stats")]
pub async fn get_stats(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(stats::programme(&state.db, &actor).await?))
}
