//! Query-string parameters, parsed one by one so an error names its parameter.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use domain::Checker;
use domain::services::PageRequest;
use std::collections::HashMap;
use std::future::{Ready, ready};

pub struct QueryMap(HashMap<String, String>);

impl FromRequest for QueryMap {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
                .map(|pairs| Self(pairs.into_iter().collect()))
                .map_err(|_| ApiError::BadRequest("查询参数格式错误".into())),
        )
    }
}

impl QueryMap {
    /// A trimmed, non-empty text parameter of at most `max` characters.
    pub fn text(&self, c: &mut Checker, name: &str, max: usize) -> Option<String> {
        let v = self.0.get(name).map(|s| s.trim().to_owned())?;
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            c.fail(name, format!("不能超过 {max} 个字符"));
            return None;
        }
        Some(v)
    }

    /// An enum parameter; an unknown value is a 422 listing the allowed ones.
    pub fn code<T>(
        &self,
        c: &mut Checker,
        name: &str,
        parse: fn(&str) -> Option<T>,
        codes: &[&str],
    ) -> Option<T> {
        let v = self.text(c, name, 64)?;
        let parsed = parse(&v);
        if parsed.is_none() {
            c.fail(name, format!("取值应为 {} 之一", codes.join(", ")));
        }
        parsed
    }

    pub fn int(&self, c: &mut Checker, name: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.text(c, name, 20)?;
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                c.fail(name, format!("应为 {min} 到 {max} 之间的整数"));
                None
            }
        }
    }

    pub fn bool(&self, c: &mut Checker, name: &str) -> Option<bool> {
        let v = self.text(c, name, 8)?;
        match v.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                c.fail(name, "应为 true 或 false");
                None
            }
        }
    }

    /// `page` and `per_page`, checked.
    pub fn page(&self, c: &mut Checker) -> PageRequest {
        let page = self.int(c, "page", 1, 1_000_000);
        let per_page = self.int(
            c,
            "per_page",
            1,
            i64::try_from(domain::services::page::MAX_PER_PAGE).unwrap_or(100),
        );
        PageRequest::new(page, per_page).unwrap_or_default()
    }
}
