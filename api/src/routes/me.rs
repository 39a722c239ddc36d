//! The caller's own account, and staff accounts made by organisers.

use crate::error::{ApiResult, field_error};
use crate::extract::{AuthUser, Json};
use crate::routes::organisation::Organisation;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use domain::entities::{enterprise, supplier};
use domain::services::accounts::{self, UserView};
use domain::services::passwords;
use domain::values::Role;
use domain::{Checker, DomainError};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub organisation: Option<Organisation>,
}

/// Who am I, and which organisation do I belong to.
#[utoipa::path(tag = "auth", responses((status = 200, body = MeResponse), (status = 401, body = crate::error::Problem)), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, AuthUser(actor): AuthUser) -> ApiResult<HttpResponse> {
    let user = accounts::get_user(&state.db, &actor.user_id)
        .await
        .map_err(|_| DomainError::InvalidToken)?;
    let organisation = match (user.role, user.organisation_id.clone()) {
        (Role::Enterprise, Some(id)) => enterprise::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .map(|e| Organisation::Enterprise(e.into())),
        (Role::Supplier, Some(id)) => supplier::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .map(|s| Organisation::Supplier(s.into())),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(MeResponse {
        user: user.into(),
        organisation,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffUser {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// `organiser` or `reviewer`.
    pub role: Role,
}

/// An organiser creates another organiser or a reviewer.
#[utoipa::path(tag = "auth", request_body = NewStaffUser, responses((status = 201, body = UserView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    Json(body): Json<NewStaffUser>,
) -> ApiResult<HttpResponse> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden.into());
    }
    let mut c = Checker::new();
    let (email, display_name) =
        accounts::check_user_fields(&mut c, &body.email, &body.password, &body.display_name);
    if !matches!(body.role, Role::Organiser | Role::Reviewer) {
        c.fail(
            "role",
            "只能创建主管部门（organiser）或评审专家（reviewer）账号",
        );
    }
    c.finish()?;
    let email = email.ok_or_else(|| field_error("email", "邮箱格式不正确"))?;
    if accounts::find_by_email(&state.db, &email).await?.is_some() {
        return Err(DomainError::conflict("email_taken", "该邮箱已注册").into());
    }
    let password = body.password;
    let hash = crate::auth::hashing(move || passwords::hash_password(&password)).await??;
    let user =
        accounts::insert_user(&state.db, &email, hash, display_name, body.role, None).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}
