//! Orders: an enterprise places one (idempotently), the addressed supplier moves it through
//! accept/reject → contract → complete, the enterprise may cancel it early.

use crate::error::{ApiError, ApiResult, field_error};
use crate::extract::{AuthUser, Json, QueryMap};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use domain::orders_lifecycle::OrderStatus;
use domain::services::Page;
use domain::services::orders::{
    self, ContractTerms, IdempotencyKey, NewOrder, OrderFilter, OrderSort, OrderView,
};
use domain::{Checker, DomainError};
use sea_orm::DbBackend;
use serde::Deserialize;
use std::future::{Ready, ready};
use std::time::Duration;

pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// How many times a request that lost the race for its key asks again for the winner's answer,
/// and the first pause (it grows linearly). The winner's transaction is short, so a few tenths
/// of a second cover it; after that the client is told to retry (409).
const KEY_RETRIES: u32 = 5;
const KEY_RETRY_PAUSE: Duration = Duration::from_millis(40);

/// On SQLite every order is a write transaction and the database takes one writer at a time.
/// Orders wait for their turn here, first come first served, instead of polling the lock in
/// SQLite's busy handler, whose growing sleeps (up to 100 ms each) left unlucky requests
/// waiting a second or more under load. PostgreSQL writes concurrently and skips this.
static SQLITE_ORDER_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The `Idempotency-Key` header, required to place an order: missing, blank, not visible ASCII
/// or longer than 255 characters is a 400.
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl FromRequest for IdempotencyKeyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get(IDEMPOTENCY_KEY_HEADER) {
            None => Err(ApiError::BadRequest(
                "缺少 Idempotency-Key 请求头：下单须带一个唯一键，重试时沿用同一个键".into(),
            )),
            Some(v) => v
                .to_str()
                .map_err(|_| ApiError::BadRequest("Idempotency-Key 只能包含可见 ASCII 字符".into()))
                .and_then(|s| IdempotencyKey::parse(s).map_err(ApiError::BadRequest))
                .map(Self),
        };
        ready(key)
    }
}

/// The 422 for a key already used with another body. It keeps the validation shape
/// (`errors` names the header) with its own code, so clients can tell it from a bad field.
fn key_reused(message: &str) -> HttpResponse {
    let mut problem = field_error(IDEMPOTENCY_KEY_HEADER, message).problem();
    problem.code = orders::KEY_REUSED.to_owned();
    problem.kind = format!("/problems/{}", orders::KEY_REUSED);
    HttpResponse::UnprocessableEntity()
        .content_type("application/problem+json")
        .json(problem)
}

/// An enterprise member orders listed products or bundles of one supplier. Unit prices are the
/// pilot prices (bundles: the bundle price) at this moment. A retry with the same
/// `Idempotency-Key` and body within 24 hours answers with the same order and status (header
/// `Idempotent-Replayed: true`); the same key with another body is a 422
/// `idempotency_key_reused`.
#[utoipa::path(tag = "orders", request_body = NewOrder,
    params(("Idempotency-Key" = String, Header, description = "A unique key per order, 1–255 characters, reused on retries; kept 24 h per user")),
    responses((status = 201, body = OrderView), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "idempotency_key_in_use: a request with this key is still running"),
        (status = 422, body = crate::error::Problem, description = "validation_failed naming the item, or idempotency_key_reused")),
    security(("bearer" = [])))]
#[post("/orders")]
pub async fn place(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    Json(body): Json<NewOrder>,
) -> ApiResult<HttpResponse> {
    let sqlite = state.db.get_database_backend() == DbBackend::Sqlite;
    let mut attempt = 0;
    let placed = loop {
        let turn = if sqlite {
            Some(SQLITE_ORDER_TURN.lock().await)
        } else {
            None
        };
        let result =
            orders::place(&state.db, &actor, &key, &body, StatusCode::CREATED.as_u16()).await;
        drop(turn);
        match result {
            // A concurrent request with this key has not committed yet: wait for its answer.
            Err(DomainError::Conflict { code, .. })
                if code == orders::KEY_IN_USE && attempt < KEY_RETRIES =>
            {
                attempt += 1;
                tokio::time::sleep(KEY_RETRY_PAUSE * attempt).await;
            }
            Err(DomainError::Conflict { code, message }) if code == orders::KEY_REUSED => {
                return Ok(key_reused(&message));
            }
            other => break other?,
        }
    };
    let mut res =
        HttpResponse::build(StatusCode::from_u16(placed.status).unwrap_or(StatusCode::CREATED));
    res.insert_header((
        LOCATION,
        format!("/api/v1/orders/{}", placed.order.order.id),
    ));
    if placed.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(res.json(OrderView::from(placed.order)))
}

/// The orders the caller may see: an enterprise its own, a supplier those addressed to it,
/// organisers all.
#[utoipa::path(tag = "orders", params(("status" = Option<OrderStatus>, Query), ("sort" = Option<OrderSort>, Query, description = "by date: newest (default) or oldest"),
    ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = Page<OrderView>), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    q: QueryMap,
) -> ApiResult<HttpResponse> {
    let mut c = Checker::new();
    let filter = OrderFilter {
        status: q.code(
            &mut c,
            "status",
            OrderStatus::from_code,
            OrderStatus::codes(),
        ),
        sort: q
            .code(&mut c, "sort", OrderSort::from_code, OrderSort::codes())
            .unwrap_or_default(),
    };
    let page = q.page(&mut c);
    c.finish()?;
    let found = orders::list(&state.db, &actor, filter, page).await?;
    Ok(HttpResponse::Ok().json(found.map(OrderView::from)))
}

/// An order: its enterprise, its supplier and organisers; 404 for everyone else.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/orders/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let o = orders::get(&state.db, &actor, &id).await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}

/// The addressed supplier accepts a placed order.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let txn = orders::begin_write(&state.db).await?;
    let o = orders::accept(&txn, &actor, &id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why the order is turned down; 1–1000 characters.
    pub reason: String,
}

/// The addressed supplier turns down a placed order, with a reason.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), request_body = RejectRequest, responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<RejectRequest>,
) -> ApiResult<HttpResponse> {
    let txn = orders::begin_write(&state.db).await?;
    let o = orders::reject(&txn, &actor, &id, &body.reason).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}

/// The addressed supplier records the transformation contract of an accepted order.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), request_body = ContractTerms, responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/contract")]
pub async fn contract(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
    Json(body): Json<ContractTerms>,
) -> ApiResult<HttpResponse> {
    let txn = orders::begin_write(&state.db).await?;
    let o = orders::contract(&txn, &actor, &id, body).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}

/// The addressed supplier marks a contracted order's work as done.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let txn = orders::begin_write(&state.db).await?;
    let o = orders::complete(&txn, &actor, &id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}

/// The ordering enterprise withdraws a placed or accepted order.
#[utoipa::path(tag = "orders", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let txn = orders::begin_write(&state.db).await?;
    let o = orders::cancel(&txn, &actor, &id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(OrderView::from(o)))
}
