//! 统一社会信用代码 (GB 32100-2015).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 characters the standard allows (no I, O, S, V, Z: they read like digits).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// An 18-character unified social credit code whose check character is right.
/// Lower-case input is accepted and stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "91440400KTQA8R4BN8")]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为 18 位")]
    Length,
    #[error("统一社会信用代码含有不允许的字符 '{0}'")]
    Character(char),
    #[error("统一社会信用代码校验位错误")]
    Checksum,
}

impl CreditCode {
    /// # Errors
    /// When the text is not 18 characters of the allowed set or its check character is wrong.
    pub fn parse(raw: &str) -> Result<Self, CreditCodeError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let mut values = [0u32; 18];
        for (slot, c) in values.iter_mut().zip(code.chars()) {
            *slot = value_of(c).ok_or(CreditCodeError::Character(c))?;
        }
        if check_value(&values[..17]) != values[17] {
            return Err(CreditCodeError::Checksum);
        }
        Ok(Self(code))
    }

    /// The check character for the first 17 characters (used to make demo and test codes).
    #[must_use]
    pub fn check_char(first17: &str) -> Option<char> {
        let values: Option<Vec<u32>> = first17.chars().map(value_of).collect();
        let values = values.filter(|v| v.len() == 17)?;
        CHARSET
            .get(check_value(&values) as usize)
            .map(|b| char::from(*b))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn value_of(c: char) -> Option<u32> {
    CHARSET
        .iter()
        .position(|b| char::from(*b) == c)
        .and_then(|p| u32::try_from(p).ok())
}

fn check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // Published examples plus codes from the shared demo data.
        for ok in [
            "91350100M000100Y43",
            "91440400KTQA8R4BN8",
            "91440400dl013x082a",
        ] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}");
        }
        let table = [
            ("91350100M000100Y44", CreditCodeError::Checksum),
            ("91350100M000100Y4", CreditCodeError::Length),
            ("91350100M000100Y4333", CreditCodeError::Length),
            ("91350100M0001O0Y43", CreditCodeError::Character('O')),
            ("", CreditCodeError::Length),
            ("九1350100M000100Y43", CreditCodeError::Character('九')),
        ];
        for (bad, err) in table {
            assert_eq!(CreditCode::parse(bad), Err(err), "{bad}");
        }
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(0usize..31, 17)
            .prop_map(|idx| idx.into_iter().map(|i| char::from(CHARSET[i])).collect())
    }

    proptest! {
        #[test]
        fn every_body_with_its_check_char_parses(body in body()) {
            let check = CreditCode::check_char(&body).unwrap();
            let code = format!("{body}{check}");
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn any_other_check_char_fails(body in body(), other in 0usize..31) {
            let check = CreditCode::check_char(&body).unwrap();
            let wrong = char::from(CHARSET[other]);
            prop_assume!(wrong != check);
            prop_assert_eq!(CreditCode::parse(&format!("{body}{wrong}")), Err(CreditCodeError::Checksum));
        }

        #[test]
        fn a_single_changed_character_is_caught(body in body(), pos in 0usize..17, delta in 1usize..31) {
            let check = CreditCode::check_char(&body).unwrap();
            let mut chars: Vec<char> = body.chars().collect();
            let cur = CHARSET.iter().position(|b| char::from(*b) == chars[pos]).unwrap();
            chars[pos] = char::from(CHARSET[(cur + delta) % 31]);
            let changed: String = chars.into_iter().collect();
            let code = format!("{}{}", changed, check);
            prop_assert!(CreditCode::parse(&code).is_err());
        }
    }
}
