//! The one error table of the API: every error becomes a status, a stable snake_case code and
//! an RFC 9457 problem+json body. Unexpected errors are logged with their cause and reach the
//! client as an opaque 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use domain::{DomainError, FieldErrors};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("authentication required")]
    Unauthorized(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// RFC 9457 body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Field → message, for validation failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Validation(_) => "validation_failed",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "请求格式错误",
            Self::UnsupportedMediaType(_) => "不支持的内容类型",
            Self::PayloadTooLarge => "请求体过大",
            Self::Validation(_) => "输入有误",
            Self::Unauthorized(_) => "需要登录",
            Self::Forbidden => "无权操作",
            Self::NotFound(_) => "未找到",
            Self::Conflict { .. } => "状态冲突",
            Self::TooManyRequests { .. } => "请求过于频繁",
            Self::Unavailable(_) => "服务暂不可用",
            Self::Unexpected(_) => "服务器内部错误",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(m) | Self::UnsupportedMediaType(m) => m.clone(),
            Self::PayloadTooLarge => "请求体超过允许的大小".into(),
            Self::Validation(errors) => {
                let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
                format!("以下字段有误：{}", fields.join("、"))
            }
            Self::Unauthorized(why) => (*why).to_owned(),
            Self::Forbidden => "当前账号无权执行此操作".into(),
            Self::NotFound(what) => format!("{what} 不存在或无权查看"),
            Self::Conflict { message, .. } => message.clone(),
            Self::TooManyRequests { retry_after } => {
                format!("请在 {} 秒后重试", retry_after.as_secs().max(1))
            }
            Self::Unavailable(what) => format!("{what} 暂不可用"),
            Self::Unexpected(_) => "服务器内部错误，请稍后重试".into(),
        }
    }

    #[must_use]
    pub fn problem(&self) -> Problem {
        let code = self.code();
        Problem {
            kind: format!("/problems/{code}"),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.to_owned(),
            errors: match self {
                Self::Validation(e) => Some(e.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // One event per failed request, at the level it deserves (tracing-actix-web's own event,
        // which put every 4xx at WARN, is off): a client's mistake is routine, an outage is not.
        match self {
            Self::Unexpected(e) => tracing::error!(error.cause_chain = ?e, "unexpected error"),
            Self::Unavailable(m) => tracing::warn!(detail = %m, "service unavailable"),
            _ => tracing::info!(
                status = self.status_code().as_u16(),
                code = self.code(),
                "request refused"
            ),
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if let Self::TooManyRequests { retry_after } = self {
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                res.insert_header((header::RETRY_AFTER, v));
            }
        }
        if let Self::Unauthorized(_) = self {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.json(self.problem())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(errors) => Self::Validation(errors),
            DomainError::NotFound(what) => Self::NotFound(what),
            DomainError::Forbidden => Self::Forbidden,
            DomainError::Conflict { code, message } => Self::Conflict { code, message },
            DomainError::InvalidCredentials => Self::Unauthorized("邮箱或密码错误"),
            DomainError::InvalidToken => Self::Unauthorized("令牌无效或已过期"),
            DomainError::Database(db) => Self::Unexpected(anyhow::Error::new(db)),
            DomainError::Internal(m) => Self::Unexpected(anyhow::anyhow!(m)),
        }
    }
}

impl From<search::SearchError> for ApiError {
    fn from(e: search::SearchError) -> Self {
        match e {
            search::SearchError::Domain(d) => d.into(),
            search::SearchError::Database(db) => Self::Unexpected(anyhow::Error::new(db)),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A 422 for one field.
pub fn field_error(field: &str, message: impl Into<String>) -> ApiError {
    let mut e = FieldErrors::new();
    e.insert(field.to_owned(), message.into());
    ApiError::Validation(e)
}
