//! The caller's notifications and mail preferences; organisers' view of failed jobs.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, QueryMap};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::services::Page;
use domain::services::notifications::{self, NotificationView, Preferences};
use domain::values::JobStatus;
use domain::{Checker, DomainError, jobs};
use serde::Serialize;

/// In-app copies of what was mailed, newest first.
#[utoipa::path(tag = "notifications", params(("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<NotificationView>), (status = 401, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/me/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    let found = notifications::list(&state.db, &actor, page).await?;
    Ok(HttpResponse::Ok().json(found.map(NotificationView::from)))
}

#[utoipa::path(tag = "notifications", responses((status = 200, body = Preferences)), security(("bearer" = [])))]
#[get("/me/preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(notifications::preferences(&state.db, &actor).await?))
}

/// Opt out of announcements entirely or per industry; transactional mail always goes.
#[utoipa::path(tag = "notifications", request_body = Preferences, responses((status = 200, body = Preferences), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[put("/me/preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<Preferences>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(notifications::set_preferences(&state.db, &actor, body).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::entities::job::Model> for JobView {
    fn from(j: domain::entities::job::Model) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            payload: j.payload,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// Jobs by status (organisers): `?status=dead` lists the failed ones.
#[utoipa::path(tag = "operations", params(("status" = Option<JobStatus>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<JobView>), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/admin/jobs")]
pub async fn jobs_list(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden.into());
    }
    let mut c = Checker::new();
    let status = q.code(&mut c, "status", JobStatus::from_code, JobStatus::codes());
    let page = q.page(&mut c);
    c.finish()?;
    let found = jobs::list(&state.db, status, page).await?;
    Ok(HttpResponse::Ok().json(found.map(JobView::from)))
}

/// Put a dead job back in the queue (organisers).
#[utoipa::path(tag = "operations", params(("id" = String, Path)), responses((status = 200, body = JobView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/admin/jobs/{id}/retry")]
pub async fn jobs_retry(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden.into());
    }
    Ok(HttpResponse::Ok().json(JobView::from(jobs::retry(&state.db, &id).await?)))
}
