//! 宣讲对接活动 and registrations.

use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, MaybeUser, QueryMap};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use domain::Checker;
use domain::services::Page;
use domain::services::events::{
    self, EventPatch, EventView, NewEvent, RegistrationRow, RegistrationView,
};
use sea_orm::TransactionTrait;

async fn views(
    state: &AppState,
    page: Page<domain::entities::event::Model>,
) -> ApiResult<Page<EventView>> {
    let mut items = Vec::with_capacity(page.items.len());
    for e in page.items {
        items.push(events::view(&state.db, e).await?);
    }
    Ok(Page {
        items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Published and completed events, soonest first (organisers: every status).
#[utoipa::path(tag = "events", params(("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<EventView>), (status = 422, body = crate::error::Problem)))]
#[get("/events")]
pub async fn list(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    let found = events::list(&state.db, actor.as_ref(), page).await?;
    Ok(HttpResponse::Ok().json(views(&state, found).await?))
}

#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 200, body = EventView), (status = 404, body = crate::error::Problem)))]
#[get("/events/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    MaybeUser(actor): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let e = events::get(&state.db, actor.as_ref(), &id).await?;
    Ok(HttpResponse::Ok().json(events::view(&state.db, e).await?))
}

/// An organiser creates a draft event.
#[utoipa::path(tag = "events", request_body = NewEvent, responses((status = 201, body = EventView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/events")]
pub async fn create(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<NewEvent>,
) -> ApiResult<HttpResponse> {
    let e = events::create(&state.db, &actor, body).await?;
    Ok(HttpResponse::Created().json(events::view(&state.db, e).await?))
}

/// Edit an event; moving a published one tells everyone registered and reschedules the reminder.
#[utoipa::path(tag = "events", params(("id" = String, Path)), request_body = EventPatch, responses((status = 200, body = EventView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[patch("/events/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<EventPatch>,
) -> ApiResult<HttpResponse> {
    let policy = state.events;
    let (actor2, id2) = (actor.clone(), id.into_inner());
    let e = state
        .db
        .transaction::<_, _, domain::DomainError>(|txn| {
            Box::pin(async move { events::update(txn, &actor2, &id2, body, policy).await })
        })
        .await
        .map_err(domain::DomainError::from)?;
    Ok(HttpResponse::Ok().json(events::view(&state.db, e).await?))
}

/// Publish: announces to the users of every enterprise and supplier in its industries.
#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 200, body = EventView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/events/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let policy = state.events;
    let id = id.into_inner();
    let e = state
        .db
        .transaction::<_, _, domain::DomainError>(|txn| {
            Box::pin(async move { events::publish(txn, &actor, &id, policy).await })
        })
        .await
        .map_err(domain::DomainError::from)?;
    Ok(HttpResponse::Ok().json(events::view(&state.db, e).await?))
}

/// Cancel: notifies everyone registered or waitlisted.
#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 200, body = EventView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/events/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let e = state
        .db
        .transaction::<_, _, domain::DomainError>(|txn| {
            Box::pin(async move { events::cancel(txn, &actor, &id).await })
        })
        .await
        .map_err(domain::DomainError::from)?;
    Ok(HttpResponse::Ok().json(events::view(&state.db, e).await?))
}

/// Register the caller: a seat while there is one, the waitlist after.
#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 201, body = RegistrationView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/events/{id}/registrations")]
pub async fn register(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = events::register(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Created().json(events::registration_view(&state.db, r).await?))
}

/// The caller's own registration.
#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 200, body = RegistrationView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/events/{id}/registrations/me")]
pub async fn my_registration(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(events::my_registration(&state.db, &actor, &id).await?))
}

/// Give up the seat (the first waitlisted moves up and is told) or the waitlist place.
#[utoipa::path(tag = "events", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[delete("/events/{id}/registrations/me")]
pub async fn unregister(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    events::unregister(&state.db, &actor, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who registered, in arrival order (organisers).
#[utoipa::path(tag = "events", params(("id" = String, Path), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)), responses((status = 200, body = Page<RegistrationRow>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/events/{id}/registrations")]
pub async fn registrations(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let page = q.page(&mut c);
    c.finish()?;
    Ok(HttpResponse::Ok().json(events::registrations(&state.db, &actor, &id, page).await?))
}
