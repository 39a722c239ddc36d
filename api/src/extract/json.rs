//! A JSON body extractor whose failures name the field: malformed JSON or a wrong content type
//! is 400/415, a body that parses but does not fit (wrong type, unknown field, bad enum) is 422
//! with the JSON path of the offending field.

use crate::error::{ApiError, field_error};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

pub struct Json<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// Parses JSON bytes into `T`, mapping errors as the contract says.
///
/// # Errors
/// 400 for syntax errors, 422 naming the field for data errors.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => Err(data_error("", &path, &inner)),
                _ => Err(ApiError::BadRequest(format!("JSON 格式错误：{inner}"))),
            }
        }
    }
}

/// A 422 naming the field at `path` (below `prefix`); a missing field is named itself rather
/// than its parent object.
pub fn data_error(prefix: &str, path: &str, e: &serde_json::Error) -> ApiError {
    let msg = e.to_string();
    let mut parts: Vec<String> = Vec::new();
    if !prefix.is_empty() {
        parts.push(prefix.to_owned());
    }
    if path != "." && !path.is_empty() {
        parts.push(path.to_owned());
    }
    if let Some(missing) = msg
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        parts.push(missing.to_owned());
    }
    let field = if parts.is_empty() {
        "body".to_owned()
    } else {
        parts.join(".")
    };
    field_error(&field, describe(e))
}

/// A reader-friendly message from serde's, without the line/column noise.
fn describe(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    if msg.starts_with("unknown field") {
        format!("不允许的字段（{msg}）")
    } else if msg.starts_with("missing field") {
        format!("缺少必填字段（{msg}）")
    } else if msg.starts_with("unknown variant") {
        format!("取值不在允许范围内（{msg}）")
    } else {
        format!("类型或取值错误（{msg}）")
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "请求体须为 JSON（Content-Type: application/json）".into(),
                ));
            }
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                _ if e.as_response_error().status_code() == 413 => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest("无法读取请求体".into()),
            })?;
            parse(&bytes).map(Json)
        })
    }
}
