//! E-mail addresses, normalised to lower case.

use serde::{Deserialize, Serialize};

/// A syntactically plausible e-mail address (one `@`, a dotted domain, ≤ 254 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = "email", example = "manager@example.com")]
pub struct Email(String);

impl Email {
    /// # Errors
    /// A message in Chinese when the text is not an e-mail address.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        let bad = || "邮箱格式不正确".to_owned();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|l| !l.is_empty() && l.len() <= 63);
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn table() {
        assert_eq!(Email::parse(" A@B.cn ").unwrap().as_str(), "a@b.cn");
        for bad in [
            "", "a", "a@", "@b.cn", "a@b", "a@b..cn", "a b@c.cn", "a@b@c.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
