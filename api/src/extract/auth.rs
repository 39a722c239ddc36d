//! `AuthUser` (a valid bearer token is required) and `MaybeUser` (public endpoints that show
//! more to some users). A token that is present but invalid is always a 401.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use domain::services::Actor;
use std::future::{Ready, ready};

pub struct AuthUser(pub Actor);
pub struct MaybeUser(pub Option<Actor>);

fn actor(req: &HttpRequest) -> Result<Option<Actor>, ApiError> {
    let Some(header) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(ApiError::Unauthorized("Authorization 须为 Bearer 令牌"))?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("app state missing")))?;
    state
        .tokens
        .verify(token)
        .map(Some)
        .ok_or(ApiError::Unauthorized("令牌无效或已过期"))
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(actor(req).and_then(|a| a.map(Self).ok_or(ApiError::Unauthorized("请先登录"))))
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(actor(req).map(Self))
    }
}
