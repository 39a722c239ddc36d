//! Pagination of lists (`?page=1&per_page=20`, `per_page` ≤ 100).

use crate::error::{Checker, DomainResult};
use serde::Serialize;

pub const MAX_PER_PAGE: u64 = 100;
pub const DEFAULT_PER_PAGE: u64 = 20;

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// # Errors
    /// 422 naming `page` or `per_page` when out of range.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> DomainResult<Self> {
        let mut c = Checker::new();
        let page = c.range("page", page.unwrap_or(1), 1, 1_000_000);
        let per_page = c.range(
            "per_page",
            per_page.unwrap_or(DEFAULT_PER_PAGE as i64),
            1,
            MAX_PER_PAGE as i64,
        );
        c.finish()?;
        Ok(Self {
            page: page.unsigned_abs(),
            per_page: per_page.unsigned_abs(),
        })
    }

    #[must_use]
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// One page of a list, in the contract's shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    #[must_use]
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Self {
            items,
            total,
            page: req.page,
            per_page: req.per_page,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}
