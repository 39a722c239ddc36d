//! The Meilisearch engine: the index lives in a Meilisearch server, reached over HTTP with the
//! official client. Meilisearch cuts Chinese itself (jieba inside); synonyms, typo tolerance
//! and field order are index settings (see [`settings`]), applied on connect.
//!
//! Meilisearch works through tasks: a write is queued and done later. Every write here waits
//! for its task, so a search after a write sees it, as the trait promises.

mod candidates;
mod filter;
mod loose;
mod settings;

use super::{
    Candidate, CandidateQuery, Facets, Filter, ProductDocument, SearchEngine, SearchHit,
    SearchResults, engine_error,
};
use crate::{ProductQuery, ProductSort, SearchError, synonyms, text};
use domain::services::Page;
use domain::values::{Delivery, Industry, Stage};
use filter::Expression;
use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::errors::{Error, ErrorCode};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery, Selectors};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The document attributes the settings and queries name (`ProductDocument`'s serde names).
mod fields {
    pub const ID: &str = "id";
    pub const SUPPLIER_ID: &str = "supplier_id";
    pub const NAME: &str = "name";
    pub const TAGS: &str = "tags";
    pub const SUMMARY: &str = "summary";
    pub const DESCRIPTION: &str = "description";
    pub const INDUSTRIES: &str = "industries";
    pub const STAGES: &str = "stages";
    pub const DELIVERY: &str = "delivery";
    pub const PILOT_PRICE: &str = "pilot_price_fen";
    pub const DEPLOY_DAYS: &str = "deploy_days";
    pub const CREATED_AT: &str = "created_at";
    pub const AI_POWERED: &str = "ai_powered";
}

/// The facets every search counts.
const FACETS: [&str; 3] = [fields::INDUSTRIES, fields::STAGES, fields::DELIVERY];

/// How often a queued task is checked: a small write is done in a few milliseconds.
const TASK_POLL: Duration = Duration::from_millis(10);
/// How long a task may take. Meilisearch runs one index's tasks in order, so a write may
/// wait behind a whole reindex.
const TASK_TIMEOUT: Duration = Duration::from_secs(600);

/// The Meilisearch engine. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct MeiliEngine {
    client: Client,
    url: String,
    uid: String,
    /// Writes this process made (see [`SearchEngine::generation`]). Another process's writes
    /// to the same index are not seen here: `Matcher`'s age limit covers those.
    /// Shared by clones, which write the same index.
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for MeiliEngine {
    // Not derived: the client holds the API key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeiliEngine")
            .field("url", &self.url)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

impl MeiliEngine {
    /// Connects to the server at `url` (`http://127.0.0.1:7700`) and makes sure the index
    /// `index_uid` exists with this version's settings, waiting until they are in force.
    ///
    /// # Errors
    /// The server unreachable, the key refused, an invalid index uid, or settings rejected.
    pub async fn connect(
        url: &str,
        api_key: Option<&str>,
        index_uid: &str,
    ) -> Result<Self, SearchError> {
        let url = url.trim_end_matches('/').to_owned();
        if !filter::is_id(index_uid) {
            return Err(engine_error(format_args!(
                "Meilisearch index uid {index_uid:?}: use only letters, digits, - and _"
            )));
        }
        let client = Client::new(url.clone(), api_key.filter(|k| !k.is_empty()))
            .map_err(|e| meili_error(&url, "setting up the client", e))?;
        let engine = Self {
            client,
            url,
            uid: index_uid.to_owned(),
            writes: std::sync::Arc::default(),
        };
        engine.prepare(index_uid).await?;
        Ok(engine)
    }

    /// The index this engine reads and writes.
    #[must_use]
    pub fn index_uid(&self) -> &str {
        &self.uid
    }

    /// Deletes the index with its documents (scratch indexes of tests and evaluations).
    ///
    /// # Errors
    /// As [`MeiliEngine::connect`].
    pub async fn delete_index(&self) -> Result<(), SearchError> {
        let task = self.client.delete_index(&self.uid).await;
        self.finish(task, "deleting the index").await
    }

    fn index(&self) -> Index {
        self.client.index(&self.uid)
    }

    /// Creates `uid` unless it exists, then applies the settings.
    async fn prepare(&self, uid: &str) -> Result<(), SearchError> {
        let created = self
            .client
            .create_index(uid, Some(fields::ID))
            .await
            .map_err(|e| self.error("creating the index", e))?;
        match self.wait(created, "creating the index").await? {
            Task::Failed { content }
                if !matches!(content.error.error_code, ErrorCode::IndexAlreadyExists) =>
            {
                return Err(self.task_failed("creating the index", &content.error));
            }
            _ => {}
        }
        let task = self
            .client
            .index(uid)
            .set_settings(&settings::settings())
            .await;
        self.finish(task, "applying the index settings").await
    }

    /// Waits for a task to end, whether it succeeded or failed.
    async fn wait(&self, task: TaskInfo, what: &str) -> Result<Task, SearchError> {
        self.client
            .wait_for_task(task, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(|e| self.error(what, e))
    }

    /// Sends a write and waits for it to succeed.
    async fn finish(&self, sent: Result<TaskInfo, Error>, what: &str) -> Result<(), SearchError> {
        // Counted whatever the outcome: a failed or timed-out task may still have changed
        // the index.
        let _counted = WriteCounted(&self.writes);
        let task = sent.map_err(|e| self.error(what, e))?;
        match self.wait(task, what).await? {
            Task::Failed { content } => Err(self.task_failed(what, &content.error)),
            _ => Ok(()),
        }
    }

    fn error(&self, what: &str, e: Error) -> SearchError {
        meili_error(&self.url, what, e)
    }

    fn task_failed(
        &self,
        what: &str,
        e: &meilisearch_sdk::errors::MeilisearchError,
    ) -> SearchError {
        engine_error(format_args!(
            "Meilisearch at {}: {what} failed: {}",
            self.url, e.error_message
        ))
    }

    async fn write_documents(
        &self,
        uid: &str,
        docs: &[ProductDocument],
    ) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let task = self
            .client
            .index(uid)
            .add_or_replace(docs, Some(fields::ID))
            .await;
        self.finish(task, "writing documents").await
    }

    /// Builds the new content in a scratch index with the same settings and swaps it in:
    /// searches see the old index until the swap, which is atomic.
    async fn replace_by_swap(&self, docs: &[ProductDocument]) -> Result<(), SearchError> {
        let scratch = format!("{}__reindex_{}", self.uid, unique_suffix());
        let result = async {
            self.prepare(&scratch).await?;
            self.write_documents(&scratch, docs).await?;
            let swap = SwapIndexes {
                indexes: (self.uid.clone(), scratch.clone()),
                rename: None,
            };
            let task = self.client.swap_indexes([&swap]).await;
            self.finish(task, "swapping in the new index").await
        }
        .await;
        // After a swap the scratch index holds the old content; after a failure, a partial
        // new one. Either way it goes.
        let deleted = self.client.delete_index(&scratch).await;
        let cleanup = self.finish(deleted, "deleting the scratch index").await;
        result.and(cleanup)
    }
}

/// Bumps the write count when dropped, so that every way out of a write counts it.
struct WriteCounted<'a>(&'a std::sync::atomic::AtomicU64);

impl Drop for WriteCounted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A suffix no other scratch index has at the same time: the clock and the process.
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}_{}", std::process::id())
}

/// A client error as the crate's, saying what was being done and, where it helps, what to
/// check.
fn meili_error(url: &str, what: &str, e: Error) -> SearchError {
    match e {
        Error::HttpError(e) => engine_error(format_args!(
            "Meilisearch at {url} cannot be reached ({what}): {e}"
        )),
        Error::Meilisearch(m)
            if matches!(
                m.error_code,
                ErrorCode::InvalidApiKey | ErrorCode::MissingAuthorizationHeader
            ) =>
        {
            engine_error(format_args!(
                "Meilisearch at {url} refused the API key ({what}): {}",
                m.error_message
            ))
        }
        Error::Meilisearch(m) => engine_error(format_args!(
            "Meilisearch at {url}: {what}: {}",
            m.error_message
        )),
        Error::Timeout => engine_error(format_args!(
            "Meilisearch at {url}: {what} did not finish within {} s",
            TASK_TIMEOUT.as_secs()
        )),
        e => engine_error(format_args!("Meilisearch at {url}: {what}: {e}")),
    }
}

/// A word of a user's query as Meilisearch is asked for it. A Chinese word is a phrase: its
/// characters in a row, as the embedded engine matches it, not anywhere in the text
/// (Meilisearch cuts a word its dictionary lacks into single characters, which would then
/// match apart: `体线` in `线体`). Except a word with synonyms: Meilisearch expands words,
/// never phrases.
fn query_word(word: &str) -> String {
    let word = word.replace('"', "");
    let chinese = word.chars().count() > 1 && word.chars().all(|c| !c.is_ascii());
    if chinese && synonyms::synonyms_of(&word).is_empty() {
        format!("\"{word}\"")
    } else {
        word
    }
}

/// The sort of a listing query: ties always by id, for stable pages. `None`: by relevance.
fn sort_of(sort: ProductSort, has_text: bool) -> Option<[&'static str; 2]> {
    let id = "id:asc";
    match (sort, has_text) {
        (ProductSort::Relevance, true) => None,
        (ProductSort::PriceAsc, _) => Some(["pilot_price_fen:asc", id]),
        (ProductSort::PriceDesc, _) => Some(["pilot_price_fen:desc", id]),
        (ProductSort::DeployDays, _) => Some(["deploy_days:asc", id]),
        // Without text, relevance means the newest first, as in the listing.
        (ProductSort::Newest | ProductSort::Relevance, _) => Some(["created_at:desc", id]),
    }
}

/// Facet counts by parsed value; values this version does not know are left out.
fn counts<T: Ord>(
    distribution: Option<&HashMap<String, usize>>,
    parse: impl Fn(&str) -> Option<T>,
) -> BTreeMap<T, u64> {
    distribution
        .into_iter()
        .flatten()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(code, n)| Some((parse(code)?, *n as u64)))
        .collect()
}

#[async_trait::async_trait]
impl SearchEngine for MeiliEngine {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    fn generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn upsert(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError> {
        self.write_documents(&self.uid, &docs).await
    }

    async fn delete(&self, ids: Vec<String>) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self.index().delete_documents(&ids).await;
        self.finish(task, "deleting documents").await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        let task = self.index().delete_all_documents().await;
        self.finish(task, "deleting all documents").await
    }

    async fn replace_all(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError> {
        self.replace_by_swap(&docs).await
    }

    async fn count(&self) -> Result<u64, SearchError> {
        let stats = self
            .index()
            .get_stats()
            .await
            .map_err(|e| self.error("counting documents", e))?;
        Ok(stats.number_of_documents as u64)
    }

    async fn search(&self, pq: &ProductQuery) -> Result<SearchResults, SearchError> {
        let filter = filter::expression(&Filter::from(pq));
        if filter == Expression::Nothing {
            return Ok(SearchResults {
                page: Page::new(Vec::new(), 0, pq.page),
                facets: Facets::default(),
            });
        }
        // The query as the embedded engine reads it (stop words out); only punctuation is no
        // text at all.
        let words = pq.q.as_deref().map(text::query_words).unwrap_or_default();
        let q = words
            .iter()
            .map(|w| query_word(w))
            .collect::<Vec<_>>()
            .join(" ");
        let has_text = !q.is_empty();
        let sort = sort_of(pq.sort, has_text);
        let index = self.index();
        let mut query = SearchQuery::new(&index);
        query
            .with_page(usize::try_from(pq.page.page).unwrap_or(usize::MAX))
            .with_hits_per_page(usize::try_from(pq.page.per_page).unwrap_or(usize::MAX))
            .with_facets(Selectors::Some(&FACETS))
            // Every word of the query, or a synonym of it, must occur.
            .with_matching_strategy(MatchingStrategies::ALL);
        if has_text {
            query.with_query(&q);
        }
        if let Some(f) = filter.as_filter() {
            query.with_filter(f);
        }
        match &sort {
            Some(s) => {
                query.with_sort(s);
            }
            None => {
                query.with_show_ranking_score(true);
            }
        }
        let found = query
            .execute::<ProductDocument>()
            .await
            .map_err(|e| self.error("searching", e))?;
        let total = found.total_hits.unwrap_or(found.hits.len()) as u64;
        let items = found
            .hits
            .into_iter()
            .map(|h| SearchHit {
                id: h.result.id.clone(),
                score: sort
                    .is_none()
                    .then_some(h.ranking_score.unwrap_or(0.0) as f32),
                document: std::sync::Arc::new(h.result),
            })
            .collect();
        let distribution = found.facet_distribution.unwrap_or_default();
        let facets = Facets {
            industry: counts(distribution.get(fields::INDUSTRIES), Industry::from_code),
            stage: counts(distribution.get(fields::STAGES), Stage::from_code),
            delivery: counts(distribution.get(fields::DELIVERY), Delivery::from_code),
        };
        Ok(SearchResults {
            page: Page::new(items, total, pq.page),
            facets,
        })
    }

    async fn candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, SearchError> {
        candidates::candidates(self, query).await
    }
}
