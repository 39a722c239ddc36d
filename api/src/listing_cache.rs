//! A short-lived memory cache of public listing pages. Listing reads dwarf catalogue writes, and
//! the same few filter combinations are asked for again and again; any catalogue change made
//! through this process clears it at once, and `LISTING_CACHE_MS` bounds how stale another
//! replica's change can look (default 1 s). Concurrent misses of one page wait for a single
//! query instead of stampeding the database when an entry expires.

use actix_web::web::Bytes;
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
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

    /// The cached page for `key`, or the one `load` makes (run once for concurrent callers).
    ///
    /// # Errors
    /// `load`'s error; nothing is cached then.
    pub async fn get_or_load<E, F>(&self, key: String, load: F) -> Result<Bytes, Arc<E>>
    where
        F: Future<Output = Result<Bytes, E>>,
        E: Send + Sync + 'static,
    {
        match &self.inner {
            Some(c) => c.try_get_with(key, load).await,
            None => load.await.map_err(Arc::new),
        }
    }

    /// Forgets every page: call after anything that changes what is publicly listed.
    pub fn clear(&self) {
        if let Some(c) = &self.inner {
            c.invalidate_all();
        }
    }
}
