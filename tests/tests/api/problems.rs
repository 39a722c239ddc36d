//! Assertions on RFC 9457 answers, shared by the test modules.

use crate::helpers::parts;
use reqwest::Response;
use serde_json::Value;

/// Asserts `status` with a problem+json body carrying type, title and detail; returns the body.
pub async fn problem(r: Response, status: u16) -> Value {
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (got, body) = parts(r).await;
    assert_eq!(got, status, "want {status}, got {got}: {body}");
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type {ct:?}: {body}"
    );
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// Asserts a 422 whose `errors` names `field`.
pub async fn invalid(r: Response, field: &str) -> Value {
    let body = problem(r, 422).await;
    assert_eq!(body["code"], "validation_failed", "{body}");
    assert!(
        body["errors"].get(field).is_some_and(Value::is_string),
        "errors should name {field:?}: {body}"
    );
    body
}

/// Asserts a 409 `invalid_state`.
pub async fn conflict(r: Response) -> Value {
    let body = problem(r, 409).await;
    assert_eq!(body["code"], "invalid_state", "{body}");
    body
}

pub async fn forbidden(r: Response) {
    let body = problem(r, 403).await;
    assert_eq!(body["code"], "forbidden", "{body}");
}

pub async fn not_found(r: Response) {
    let body = problem(r, 404).await;
    assert_eq!(body["code"], "not_found", "{body}");
}

/// Asserts `status` and a JSON body; returns the body.
pub async fn expect(r: Response, status: u16) -> Value {
    let (got, body) = parts(r).await;
    assert_eq!(got, status, "want {status}, got {got}: {body}");
    body
}
