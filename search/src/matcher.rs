//! Matching with memory: a need's matches change only when the index does, yet they are asked
//! for again and again (the enterprise's matches page, every supplier's leads, each newly
//! listed product checked against every open need). The engine's generation is part of the
//! key, so a commit that changes what searches see makes every older answer unreachable at
//! once; the age limit bounds how stale an answer can be where a generation cannot see
//! another process's writes (Meilisearch shared by several API replicas).

use crate::{Match, NeedQuery, SearchEngine, SearchError, match_need};
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;

/// Matches are computed for at least this many products, whoever asks: the matches page wants
/// 30 (bundles are found through them), leads and new-listing notices the top 10, and one
/// answer then serves them all.
const COMPUTED_MATCHES: usize = 30;

/// Distinct needs remembered; a pilot has a few thousand open needs at most.
const CAPACITY: u64 = 20_000;

/// A need's matches under the index generation they were computed at.
type Remembered = Cache<(u64, NeedQuery), Arc<[Match]>>;

/// The engine, and the matches it gave lately.
pub struct Matcher {
    engine: Arc<dyn SearchEngine>,
    cache: Option<Remembered>,
}

impl Matcher {
    /// `max_age` zero turns the memory off: every call asks the engine.
    #[must_use]
    pub fn new(engine: Arc<dyn SearchEngine>, max_age: Duration) -> Self {
        Self {
            engine,
            cache: (!max_age.is_zero()).then(|| {
                Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(max_age)
                    .build()
            }),
        }
    }

    #[must_use]
    pub fn engine(&self) -> &Arc<dyn SearchEngine> {
        &self.engine
    }

    /// [`match_need`], remembered per need and index generation.
    ///
    /// # Errors
    /// The engine's; nothing is remembered then.
    pub async fn match_need(&self, need: &NeedQuery) -> Result<Vec<Match>, SearchError> {
        let Some(cache) = &self.cache else {
            return match_need(self.engine.as_ref(), need).await;
        };
        let mut key = need.clone();
        key.limit = key.limit.max(COMPUTED_MATCHES);
        // Read before matching: an answer computed while a commit lands is filed under the
        // older generation and never served after it.
        let generation = self.engine.generation();
        let engine = Arc::clone(&self.engine);
        let query = key.clone();
        let all = cache
            .try_get_with((generation, key), async move {
                match_need(engine.as_ref(), &query)
                    .await
                    .map(Arc::<[Match]>::from)
            })
            .await
            // Shared with the callers that waited for the same answer; an engine failure is an
            // internal error whichever caller reports it.
            .map_err(|e| SearchError::Domain(domain::DomainError::Internal(e.to_string())))?;
        Ok(all.iter().take(need.limit).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::doc;
    use crate::engine::{EmbeddedEngine, ProductDocument};
    use domain::values::{Industry, Stage};

    fn product(id: &str, name: &str) -> ProductDocument {
        doc(id, name, &format!("{name}，车间扫码报工"))
    }

    fn need(limit: usize) -> NeedQuery {
        NeedQuery {
            text: "扫码报工\n车间报工靠纸质单据".into(),
            industry: Some(Industry::Pcb),
            stages: vec![Stage::Manufacturing],
            budget_fen: 5_000_000,
            max_deploy_days: None,
            limit,
        }
    }

    fn ids(m: &[Match]) -> Vec<&str> {
        m.iter().map(|m| m.product_id.as_str()).collect()
    }

    #[tokio::test]
    async fn remembered_matches_follow_every_change_of_the_index() {
        let engine: Arc<dyn SearchEngine> = Arc::new(EmbeddedEngine::in_memory().expect("index"));
        engine
            .upsert(vec![product("p1", "报工系统"), product("p2", "扫码报工")])
            .await
            .expect("upsert");
        let matcher = Matcher::new(Arc::clone(&engine), Duration::from_secs(600));

        let first = matcher.match_need(&need(10)).await.expect("match");
        assert_eq!(ids(&first).len(), 2, "{first:?}");
        // The same answer as asking the engine, and a smaller limit is a prefix of it.
        let direct = match_need(engine.as_ref(), &need(10)).await.expect("match");
        assert_eq!(first, direct);
        let one = matcher.match_need(&need(1)).await.expect("match");
        assert_eq!(ids(&one), ids(&first)[..1]);

        // A product listed after the answer was remembered is part of the next one.
        engine
            .upsert(vec![product("p3", "扫码报工终端")])
            .await
            .expect("upsert");
        let after_listing = matcher.match_need(&need(10)).await.expect("match");
        assert!(ids(&after_listing).contains(&"p3"), "{after_listing:?}");

        // And a delisted one is gone from it.
        engine.delete(vec!["p2".into()]).await.expect("delete");
        let after_delisting = matcher.match_need(&need(10)).await.expect("match");
        assert!(
            !ids(&after_delisting).contains(&"p2"),
            "{after_delisting:?}"
        );
        assert_eq!(ids(&after_delisting).len(), 2, "{after_delisting:?}");
    }
}
