//! Liveness, readiness, metrics, the OpenAPI document and the web UI.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Every dependency answers; 503 names what is down.
#[utoipa::path(tag = "operations", responses((status = 200), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let limit = std::time::Duration::from_secs(2);
    let db = tokio::time::timeout(limit, state.db.ping()).await;
    if !matches!(db, Ok(Ok(()))) {
        return Err(ApiError::Unavailable("database".into()));
    }
    let mut checks = json!({"database": "ok"});
    if let Some(client) = &state.redis {
        let ping = async {
            let mut con = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING").query_async::<String>(&mut con).await
        };
        match tokio::time::timeout(limit, ping).await {
            Ok(Ok(_)) => checks["redis"] = json!("ok"),
            _ => return Err(ApiError::Unavailable("redis".into())),
        }
    }
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "checks": checks})))
}

/// Prometheus text exposition.
#[utoipa::path(tag = "operations", responses((status = 200, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

const INDEX_HTML: &str = include_str!("../../ui/index.html");
const APP_JS: &str = include_str!("../../ui/app.js");
const APP_CSS: &str = include_str!("../../ui/app.css");

#[get("/")]
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}

#[get("/ui/app.js")]
pub async fn app_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(APP_JS)
}

#[get("/ui/app.css")]
pub async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(APP_CSS)
}
