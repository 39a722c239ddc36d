//! Registration, log-in, token refresh and log-out.

use crate::error::{ApiError, ApiResult, field_error};
use crate::extract::{AuthUser, Json};
use crate::routes::organisation::Organisation;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::services::accounts::{self, RefreshOutcome, UserView};
use domain::services::enterprises::{self, NewEnterprise};
use domain::services::passwords;
use domain::services::suppliers::{self, NewSupplier};
use domain::values::{Email, Role};
use domain::{Checker, DomainError};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// `enterprise` or `supplier`.
    pub role: Role,
    /// An enterprise file (see Enterprises) or a supplier (see Suppliers), by `role`.
    #[schema(value_type = Object)]
    pub organisation: serde_json::Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegisterResponse {
    pub user: UserView,
    pub organisation: Organisation,
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

/// Deserialises the organisation part, naming fields as `organisation.<field>`.
fn organisation<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        crate::extract::json::data_error("organisation", &path, e.inner())
    })
}

async fn pair(state: &AppState, user: &domain::entities::user::Model) -> ApiResult<TokenPair> {
    let issued = accounts::issue_refresh(&state.db, &user.id, None, state.refresh_ttl).await?;
    Ok(TokenPair {
        access_token: access(state, user)?,
        refresh_token: issued.token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl.as_secs(),
    })
}

fn access(state: &AppState, user: &domain::entities::user::Model) -> ApiResult<String> {
    state
        .tokens
        .issue(&user.id, user.role, user.organisation_id.clone())
        .map_err(|e| ApiError::Unexpected(e.into()))
}

async fn hash(password: String) -> ApiResult<String> {
    crate::auth::hashing(move || passwords::hash_password(&password))
        .await?
        .map_err(Into::into)
}

/// Register an enterprise or supplier user together with its organisation.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse),
        (status = 409, description = "e-mail or credit code taken", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem),
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    state.limiter.check(client_ip(&req), &body.email)?;
    let mut c = Checker::new();
    let (email, display_name) =
        accounts::check_user_fields(&mut c, &body.email, &body.password, &body.display_name);
    if !matches!(body.role, Role::Enterprise | Role::Supplier) {
        c.fail("role", "只能注册企业用户（enterprise）或服务商（supplier）");
    }
    c.finish()?;
    let email: Email = email.ok_or_else(|| field_error("email", "邮箱格式不正确"))?;
    enum Org {
        Enterprise(domain::entities::enterprise::ActiveModel),
        Supplier(domain::entities::supplier::ActiveModel),
    }
    let org = match body.role {
        Role::Enterprise => Org::Enterprise(
            organisation::<NewEnterprise>(body.organisation)?.into_active_model("organisation.")?,
        ),
        _ => Org::Supplier(
            organisation::<NewSupplier>(body.organisation)?.into_active_model("organisation.")?,
        ),
    };
    if accounts::find_by_email(&state.db, &email).await?.is_some() {
        return Err(DomainError::conflict("email_taken", "该邮箱已注册").into());
    }
    let password_hash = hash(body.password).await?;
    let role = body.role;
    let (user, organisation) = state
        .db
        .transaction::<_, _, DomainError>(|txn| {
            Box::pin(async move {
                let (org_id, organisation) = match org {
                    Org::Enterprise(m) => {
                        let e = enterprises::insert(txn, m).await?;
                        (e.id.clone(), Organisation::Enterprise(e.into()))
                    }
                    Org::Supplier(m) => {
                        let s = suppliers::insert(txn, m).await?;
                        (s.id.clone(), Organisation::Supplier(s.into()))
                    }
                };
                let user = accounts::insert_user(
                    txn,
                    &email,
                    password_hash,
                    display_name,
                    role,
                    Some(org_id),
                )
                .await?;
                Ok((user, organisation))
            })
        })
        .await
        .map_err(DomainError::from)?;
    let tokens = pair(&state, &user).await?;
    Ok(HttpResponse::Created().json(RegisterResponse {
        user: user.into(),
        organisation,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        token_type: "Bearer",
        expires_in: tokens.expires_in,
    }))
}

/// Log in with e-mail and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state.limiter.check(client_ip(&req), &body.email)?;
    let user = match Email::parse(&body.email) {
        Ok(email) => accounts::find_by_email(&state.db, &email).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password;
    let ok = crate::auth::hashing(move || {
        // Overlong input is refused without hashing it, but after the same dummy work.
        password.chars().count() <= passwords::MAX_PASSWORD_CHARS
            && passwords::verify_password(&password, stored.as_deref())
    })
    .await?;
    match (ok, user) {
        (true, Some(user)) => Ok(HttpResponse::Ok().json(pair(&state, &user).await?)),
        _ => Err(DomainError::InvalidCredentials.into()),
    }
}

/// Trade a refresh token for a new pair; the old refresh token stops working, and reusing it
/// revokes every token issued from it.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::error::Problem))
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    if body.refresh_token.len() > 200 {
        return Err(DomainError::InvalidToken.into());
    }
    match accounts::rotate_refresh(&state.db, &body.refresh_token, state.refresh_ttl).await? {
        RefreshOutcome::Rotated(user, issued) => Ok(HttpResponse::Ok().json(TokenPair {
            access_token: access(&state, &user)?,
            refresh_token: issued.token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl.as_secs(),
        })),
        RefreshOutcome::ReuseDetected => {
            tracing::warn!("refresh token reused: family revoked");
            Err(DomainError::InvalidToken.into())
        }
        RefreshOutcome::Invalid => Err(DomainError::InvalidToken.into()),
    }
}

/// End the session of a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204), (status = 401, body = crate::error::Problem)),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    accounts::logout(&state.db, &actor.user_id, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
