//! Tokens: missing, expired, forged with another key or `alg: none`; the rate limit.

use crate::both_databases;
use crate::helpers::*;
use base64_helpers::b64;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

both_databases!(
    no_token_is_401,
    expired_token_is_401,
    foreign_key_and_alg_none_are_401,
    wrong_audience_or_issuer_is_401,
);

mod base64_helpers {
    pub fn b64(bytes: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}

fn claims(sub: &str, exp_offset: i64, iss: &str, aud: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": "organiser", "iss": iss, "aud": aud, "iat": now, "exp": now + exp_offset})
}

async fn no_token_is_401(app: TestApp) {
    let (status, body) = parts(app.get("/me", None).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthorized");
    let r = app
        .req(reqwest::Method::GET, "/me", None)
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app.get("/me", Some("not.a.jwt")).await;
    assert_eq!(r.status(), 401);
    // A bad token on a public endpoint is still refused: the client should know.
    assert_eq!(app.get("/products", Some("not.a.jwt")).await.status(), 401);
}

async fn expired_token_is_401(app: TestApp) {
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims("someone", -120, "sme-marketplace", "sme-marketplace-api"),
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(app.get("/stats", Some(&token)).await.status(), 401);
    // The same claims, unexpired, with the right key are accepted: the test above is meaningful.
    let good = encode(
        &Header::new(Algorithm::HS256),
        &claims("someone", 120, "sme-marketplace", "sme-marketplace-api"),
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(app.get("/stats", Some(&good)).await.status(), 200);
}

async fn foreign_key_and_alg_none_are_401(app: TestApp) {
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims("someone", 600, "sme-marketplace", "sme-marketplace-api"),
        &EncodingKey::from_secret(b"another-secret-another-secret-another-secret"),
    )
    .unwrap();
    assert_eq!(app.get("/stats", Some(&forged)).await.status(), 401);

    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(
        claims("someone", 600, "sme-marketplace", "sme-marketplace-api")
            .to_string()
            .as_bytes(),
    );
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(app.get("/stats", Some(&token)).await.status(), 401);
    }
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &claims("someone", 600, "sme-marketplace", "sme-marketplace-api"),
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.get("/stats", Some(&hs512)).await.status(),
        401,
        "algorithm is pinned"
    );
}

async fn wrong_audience_or_issuer_is_401(app: TestApp) {
    let key = EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes());
    for (iss, aud) in [
        ("someone-else", "sme-marketplace-api"),
        ("sme-marketplace", "other-api"),
    ] {
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims("x", 600, iss, aud),
            &key,
        )
        .unwrap();
        assert_eq!(
            app.get("/stats", Some(&t)).await.status(),
            401,
            "{iss} {aud}"
        );
    }
}

#[tokio::test]
async fn login_and_register_are_rate_limited() {
    let app = spawn_app_with(Db::Sqlite, |s| s.auth_rate_limit = 3)
        .await
        .unwrap();
    // spawn_app logged in once already (from 127.0.0.1).
    let body = json!({"email": "nobody@example.com", "password": "wrong-password"});
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let r = app.post("/auth/login", None, &body).await;
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["code"], "too_many_requests");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert_eq!(statuses, vec![401, 401, 429, 429]);
    let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs));
    let r = app
        .post("/auth/register", None, &json!({"email": unique_email("x"), "password": PASSWORD, "display_name": "x", "role": "enterprise", "organisation": enterprise_org()}))
        .await;
    assert_eq!(
        r.status(),
        429,
        "registration shares the per-address budget"
    );
}
