//! Users and refresh tokens.

use crate::entities::{refresh_token, user};
use crate::error::{Checker, DomainError, DomainResult};
use crate::new_id;
use crate::services::passwords::check_password_rule;
use crate::values::{Email, Role};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Checks the user fields of a registration or staff account.
///
/// # Errors
/// 422 naming `email`, `password` or `display_name`.
pub fn check_user_fields(
    c: &mut Checker,
    email: &str,
    password: &str,
    display_name: &str,
) -> (Option<Email>, String) {
    let email = c.parse("email", Email::parse(email));
    if let Err(m) = check_password_rule(password) {
        c.fail("password", m);
    }
    let display_name = c.text("display_name", display_name, 1, 60);
    (email, display_name)
}

/// Inserts a user whose e-mail is not taken yet.
///
/// # Errors
/// 409 `email_taken` when the address has an account.
pub async fn insert_user<C: ConnectionTrait>(
    db: &C,
    email: &Email,
    password_hash: String,
    display_name: String,
    role: Role,
    organisation_id: Option<String>,
) -> DomainResult<user::Model> {
    if find_by_email(db, email).await?.is_some() {
        return Err(email_taken());
    }
    let model = user::ActiveModel {
        id: Set(new_id()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        role: Set(role),
        organisation_id: Set(organisation_id),
        created_at: Set(Utc::now()),
    };
    // A concurrent registration can pass the check above; the unique index then decides.
    model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => DomainError::Database(e),
    })
}

fn email_taken() -> DomainError {
    DomainError::conflict("email_taken", "该邮箱已注册")
}

/// # Errors
/// Database errors only.
pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> DomainResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// # Errors
/// 404 when there is no such user.
pub async fn get_user<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<user::Model> {
    user::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("user"))
}

/// The public view of a user.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for UserView {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            organisation_id: u.organisation_id,
            created_at: u.created_at,
        }
    }
}

/// A freshly issued refresh token: the secret goes to the client once, only its hash is kept.
pub struct IssuedRefresh {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a refresh token in `family_id` (a new family on log-in).
///
/// # Errors
/// Database errors only.
pub async fn issue_refresh<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    family_id: Option<String>,
    ttl: Duration,
) -> DomainResult<IssuedRefresh> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let expires_at = now + ttl;
    refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        family_id: Set(family_id.unwrap_or_else(new_id)),
        token_hash: Set(hash_token(&token)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(IssuedRefresh { token, expires_at })
}

/// What a valid refresh leads to.
pub enum RefreshOutcome {
    /// The token was good: here is its user and the replacement.
    Rotated(user::Model, IssuedRefresh),
    /// The token had been used before: its whole family is now revoked.
    ReuseDetected,
    Invalid,
}

/// Spends a refresh token and issues its successor in the same family. Reuse of a spent token
/// revokes the family, so a thief and the rightful client both lose the session.
///
/// The spend is a conditional UPDATE, so two concurrent refreshes with one token cannot both win.
///
/// # Errors
/// Database errors only.
pub async fn rotate_refresh<C: ConnectionTrait>(
    db: &C,
    token: &str,
    ttl: Duration,
) -> DomainResult<RefreshOutcome> {
    let now = Utc::now();
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(RefreshOutcome::Invalid);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(RefreshOutcome::Invalid);
    }
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id.clone()))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected == 0 {
        revoke_family(db, &row.family_id).await?;
        return Ok(RefreshOutcome::ReuseDetected);
    }
    let Some(user) = user::Entity::find_by_id(row.user_id.clone())
        .one(db)
        .await?
    else {
        return Ok(RefreshOutcome::Invalid);
    };
    let issued = issue_refresh(db, &user.id, Some(row.family_id), ttl).await?;
    Ok(RefreshOutcome::Rotated(user, issued))
}

/// # Errors
/// Database errors only.
pub async fn revoke_family<C: ConnectionTrait>(db: &C, family_id: &str) -> DomainResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the session the token belongs to, if it is the user's own; unknown tokens are ignored
/// so logout is idempotent.
///
/// # Errors
/// Database errors only.
pub async fn logout<C: ConnectionTrait>(db: &C, user_id: &str, token: &str) -> DomainResult<()> {
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    if let Some(row) = row {
        revoke_family(db, &row.family_id).await?;
    }
    Ok(())
}
