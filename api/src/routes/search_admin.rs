//! Operating the search index from outside the process that holds it.

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use domain::DomainError;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reindexed {
    /// The engine (`embedded` or `meilisearch`).
    pub engine: &'static str,
    /// Products now in the index: the listed products of vetted suppliers.
    pub documents: usize,
    pub took_ms: u64,
}

/// Rebuild the search index from the database (organisers). Searches keep answering from the
/// old index until the new one is complete. The same as `api reindex`, for a running server
/// whose embedded index that command cannot open.
#[utoipa::path(tag = "operations", responses((status = 200, body = Reindexed), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/admin/reindex")]
pub async fn reindex(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
) -> ApiResult<HttpResponse> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden.into());
    }
    let started = std::time::Instant::now();
    let documents = search::sync::rebuild(
        &state.db,
        state.search.engine().as_ref(),
        &state.search.policy,
    )
    .await?;
    state.listing_cache.clear();
    Ok(HttpResponse::Ok().json(Reindexed {
        engine: state.search.engine().name(),
        documents,
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }))
}
