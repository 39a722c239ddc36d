//! Every route, registered in one place, and the OpenAPI document generated from them.

pub mod auth;
pub mod bundles;
pub mod enterprises;
pub mod events;
pub mod me;
pub mod needs;
pub mod notifications;
pub mod ops;
pub mod orders;
pub mod organisation;
pub mod products;
pub mod search_admin;
pub mod stats;
pub mod suppliers;

use crate::error::ApiError;
use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "中小企业数字化转型服务平台 API",
        description = "SME digital-transformation marketplace: accounts, enterprises (一企一档), suppliers, 小快轻准 products and bundles, search, needs and matching, events, orders. Errors are RFC 9457 problem+json.",
        version = "1.0.0"
    ),
    servers((url = "/api/v1")),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, me::me, me::create_user,
        enterprises::get_one, enterprises::update, enterprises::list,
        suppliers::list, suppliers::get_one, suppliers::vetting, suppliers::products, suppliers::bundles,
        products::list, products::get_one, products::create, products::update, products::submit,
        products::review, products::delist, products::revise, products::review_queue,
        bundles::list, bundles::get_one, bundles::create, bundles::update, bundles::submit,
        bundles::review, bundles::delist, bundles::revise, bundles::review_queue,
        stats::get_stats,
        events::list, events::get_one, events::create, events::update, events::publish, events::cancel,
        events::register, events::my_registration, events::unregister, events::registrations,
        notifications::list, notifications::get_preferences, notifications::put_preferences,
        notifications::jobs_list, notifications::jobs_retry,
        orders::place, orders::list, orders::get_one, orders::accept, orders::reject, orders::contract, orders::complete, orders::cancel,
        needs::create, needs::list, needs::get_one, needs::close, needs::matches, suppliers::leads,
        search_admin::reindex,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("resource"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(ops::index)
        .service(ops::app_js)
        .service(ops::app_css)
        .service(Scalar::with_url("/docs", ApiDoc::openapi()))
        .service(
            web::scope("/api/v1")
                .route("/openapi.json", web::get().to(openapi_json))
                .service(auth::register)
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(me::me)
                .service(me::create_user)
                .service(enterprises::list)
                .service(enterprises::get_one)
                .service(enterprises::update)
                .service(suppliers::list)
                .service(suppliers::get_one)
                .service(suppliers::vetting)
                .service(suppliers::products)
                .service(suppliers::bundles)
                .service(products::list)
                .service(products::create)
                .service(products::get_one)
                .service(products::update)
                .service(products::submit)
                .service(products::review)
                .service(products::delist)
                .service(products::revise)
                .service(products::review_queue)
                .service(bundles::list)
                .service(bundles::create)
                .service(bundles::get_one)
                .service(bundles::update)
                .service(bundles::submit)
                .service(bundles::review)
                .service(bundles::delist)
                .service(bundles::revise)
                .service(bundles::review_queue)
                .service(stats::get_stats)
                .service(events::list)
                .service(events::create)
                .service(events::get_one)
                .service(events::update)
                .service(events::publish)
                .service(events::cancel)
                .service(events::my_registration)
                .service(events::unregister)
                .service(events::register)
                .service(events::registrations)
                .service(notifications::list)
                .service(notifications::get_preferences)
                .service(notifications::put_preferences)
                .service(notifications::jobs_list)
                .service(notifications::jobs_retry)
                .service(orders::place)
                .service(orders::list)
                .service(orders::get_one)
                .service(orders::accept)
                .service(orders::reject)
                .service(orders::contract)
                .service(orders::complete)
                .service(orders::cancel)
                .service(needs::create)
                .service(needs::list)
                .service(needs::get_one)
                .service(needs::close)
                .service(needs::matches)
                .service(suppliers::leads)
                .service(search_admin::reindex)
                .default_service(web::to(not_found)),
        )
        .default_service(web::to(not_found));
}
