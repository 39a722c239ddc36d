//! Short-lived JWT access tokens: HS256 pinned, `iss`, `aud` and `exp` checked.

use domain::services::Actor;
use domain::values::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl: Duration,
}

impl TokenKeys {
    #[must_use]
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        // Pinning the algorithm is what stops `alg: none` and key-confusion tokens.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    /// # Errors
    /// Only if signing fails.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        org: Option<String>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            org,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(900),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The actor behind a valid token, or `None`.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<Actor> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        Some(Actor {
            user_id: data.claims.sub,
            role: data.claims.role,
            organisation_id: data.claims.org,
        })
    }
}
