//! A short-lived memory cache of public listing pages. Listing reads dwarf catalogue writes, and
//! the same few filter combinations are asked for again and again; any catalogue change made
//! through this process clears it at once, and `LISTING_CACHE_MS` bounds how stale another
//! replica's change can look (default 1 s).

use actix_web::web::Bytes;
use moka::sync::Cache;
use std::time::Duration;

#[derive(Clone)]
pub struct ListingCache {
    inner: Option<Cache<String, Bytes>>,
}

impl ListingCache {
    #[must_use]
    pub fn new(ttl_ms: u64) -> Self {
        Self {
            inner: (ttl_ms > 0).then(|| {
                Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(Duration::from_millis(ttl_ms))
                    .build()
            }),
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.inner.as_ref()?.get(key)
    }

    pub fn put(&self, key: String, body: Bytes) {
        if let Some(c) = &self.inner {
            c.insert(key, body);
        }
    }

    /// Forgets every page: call after anything that changes what is publicly listed.
    pub fn clear(&self) {
        if let Some(c) = &self.inner {
            c.invalidate_all();
        }
    }
}
