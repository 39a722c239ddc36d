//! Password hashing with argon2id. CPU-heavy: callers run these on a blocking thread.

use crate::error::DomainError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long inputs would let one request burn a core; 128 is far above any real passphrase.
pub const MAX_PASSWORD_CHARS: usize = 128;

fn hasher() -> Argon2<'static> {
    // OWASP's first argon2id setting: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// # Errors
/// Only if the hasher itself fails (never for valid parameters).
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash; `None` (unknown user) still spends the same time,
/// so a stranger cannot tell which e-mail addresses have accounts.
#[must_use]
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("timing-equaliser-password").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// Checks the length rule; returns the Chinese message for the `password` field.
///
/// # Errors
/// A message when the password is too short or too long.
pub fn check_password_rule(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"))
    } else if n > MAX_PASSWORD_CHARS {
        Err(format!("密码不能超过 {MAX_PASSWORD_CHARS} 个字符"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("correct horse battery", None));
        assert!(check_password_rule("short").is_err());
        assert!(check_password_rule(&"x".repeat(129)).is_err());
        assert!(check_password_rule("long enough pw").is_ok());
    }
}
