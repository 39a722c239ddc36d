//! The one error type of the domain crate.

use std::collections::BTreeMap;

/// Field name → message, for 422 answers. Field names use dotted paths (`organisation.credit_code`).
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid or expired token")]
    InvalidToken,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Internal(String),
}

impl DomainError {
    /// A 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.into(), message.into());
        Self::Validation(errors)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<sea_orm::TransactionError<DomainError>> for DomainError {
    fn from(e: sea_orm::TransactionError<DomainError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => Self::Database(db),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

/// Collects every problem of an input before answering, so a form shows them all at once.
#[derive(Debug, Default)]
pub struct Checker {
    errors: FieldErrors,
}

impl Checker {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// Trims the text and checks it is between `min` and `max` characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let v = value.trim().to_owned();
        let n = v.chars().count();
        if n < min {
            if min == 1 {
                self.fail(field, "不能为空");
            } else {
                self.fail(field, format!("至少 {min} 个字符"));
            }
        } else if n > max {
            self.fail(field, format!("不能超过 {max} 个字符"));
        }
        v
    }

    pub fn range<T: PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        field: &str,
        value: T,
        min: T,
        max: T,
    ) -> T {
        if value < min || value > max {
            self.fail(field, format!("应在 {min} 到 {max} 之间"));
        }
        value
    }

    /// Checks list length and each item's length; drops duplicates, keeps order.
    pub fn strings(
        &mut self,
        field: &str,
        values: &[String],
        max_items: usize,
        max_len: usize,
    ) -> Vec<String> {
        if values.len() > max_items {
            self.fail(field, format!("最多 {max_items} 项"));
        }
        let mut out: Vec<String> = Vec::with_capacity(values.len());
        for v in values {
            let v = self.text(field, v, 1, max_len);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    pub fn list<T: PartialEq + Copy>(
        &mut self,
        field: &str,
        values: &[T],
        min_items: usize,
        max_items: usize,
    ) -> Vec<T> {
        if values.len() < min_items {
            self.fail(field, format!("至少选择 {min_items} 项"));
        } else if values.len() > max_items {
            self.fail(field, format!("最多 {max_items} 项"));
        }
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            if !out.contains(v) {
                out.push(*v);
            }
        }
        out
    }

    /// Parses a value with its own constructor, recording its message on failure.
    pub fn parse<T, E: ToString>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(field, e.to_string());
                None
            }
        }
    }

    /// # Errors
    /// `Validation` with every problem found.
    pub fn finish(self) -> DomainResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}
