//! Search engines behind one trait: the embedded tantivy engine ([`EmbeddedEngine`]) and
//! Meilisearch ([`MeiliEngine`]). The HTTP layer holds an `Arc<dyn SearchEngine>` chosen by
//! configuration and passes it the same [`ProductQuery`] the database listing takes, so
//! switching engines changes no handler.
//!
//! The index holds only what may be found: listed products of vetted suppliers. Keeping it so
//! is the caller's job (the sync jobs upsert on listing and delete on delisting/suspension).

mod embedded;
mod meilisearch;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use embedded::EmbeddedEngine;
pub use meilisearch::MeiliEngine;

use crate::{ProductQuery, SearchError};
use domain::services::Page;
use domain::services::products::ProductView;
use domain::values::{Delivery, Industry, Stage};
use domain::xkqz::Xkqz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An engine failure as the crate's error. Not a variant of its own: `SearchError` is matched
/// exhaustively by the HTTP layer, and an engine failure is an internal error (500) there.
pub(crate) fn engine_error(e: impl std::fmt::Display) -> SearchError {
    SearchError::Domain(domain::DomainError::Internal(format!("search engine: {e}")))
}

/// What the index knows of a product: its searchable text, the facts filters and sorts need,
/// and what matching explains itself with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDocument {
    pub id: String,
    pub supplier_id: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The five segments or `[general]`.
    pub industries: Vec<Industry>,
    pub stages: Vec<Stage>,
    pub delivery: Delivery,
    pub pilot_price_fen: i64,
    pub price_fen: i64,
    pub deploy_days: i32,
    pub reference_cases: i32,
    pub ai_powered: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// The 小快轻准 check under the policy in force at indexing time, when known.
    #[serde(default)]
    pub xkqz: Option<Xkqz>,
}

impl From<&ProductView> for ProductDocument {
    fn from(p: &ProductView) -> Self {
        Self {
            id: p.id.clone(),
            supplier_id: p.supplier_id.clone(),
            name: p.name.clone(),
            summary: p.summary.clone(),
            description: p.description.clone(),
            tags: p.tags.clone(),
            industries: p.industries.clone(),
            stages: p.stages.clone(),
            delivery: p.delivery,
            pilot_price_fen: p.pilot_price_fen,
            price_fen: p.price_fen,
            deploy_days: p.deploy_days,
            reference_cases: p.reference_cases,
            ai_powered: p.ai_powered,
            created_at: p.created_at.timestamp(),
            xkqz: Some(p.xkqz),
        }
    }
}

impl ProductDocument {
    /// Whether the product is made for no particular segment.
    #[must_use]
    pub fn is_general(&self) -> bool {
        self.industries.contains(&Industry::General)
    }
}

/// Conditions every result must meet. Empty lists and `None` mean "no condition".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The product's industries contain at least one of these.
    pub industries_any: Vec<Industry>,
    /// The product covers at least one of these stages.
    pub stages_any: Vec<Stage>,
    pub delivery: Option<Delivery>,
    /// On the pilot price.
    pub max_pilot_price_fen: Option<i64>,
    pub max_deploy_days: Option<i32>,
    pub ai_powered: Option<bool>,
    pub supplier_id: Option<String>,
}

impl From<&ProductQuery> for Filter {
    fn from(q: &ProductQuery) -> Self {
        Self {
            industries_any: q.industry.into_iter().collect(),
            stages_any: q.stage.into_iter().collect(),
            delivery: q.delivery,
            max_pilot_price_fen: q.max_price_fen,
            max_deploy_days: q.max_deploy_days,
            ai_powered: q.ai_powered,
            supplier_id: q.supplier_id.clone(),
        }
    }
}

impl Filter {
    /// The same conditions checked on a document in memory (the engines apply them in the
    /// index; this is for callers and tests that need to agree with them).
    #[must_use]
    pub fn accepts(&self, d: &ProductDocument) -> bool {
        (self.industries_any.is_empty()
            || d.industries.iter().any(|i| self.industries_any.contains(i)))
            && (self.stages_any.is_empty() || d.stages.iter().any(|s| self.stages_any.contains(s)))
            && self.delivery.is_none_or(|x| d.delivery == x)
            && self
                .max_pilot_price_fen
                .is_none_or(|x| d.pilot_price_fen <= x)
            && self.max_deploy_days.is_none_or(|x| d.deploy_days <= x)
            && self.ai_powered.is_none_or(|x| d.ai_powered == x)
            && self
                .supplier_id
                .as_ref()
                .is_none_or(|x| &d.supplier_id == x)
    }
}

/// A search term with its importance. The engine cuts it into index terms itself, so a term
/// may be a word (`报工`) or a phrase (`制造执行系统`).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    pub text: String,
    pub weight: f32,
}

/// A relevance-only retrieval with hard conditions: what matching builds on.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateQuery {
    /// Any of them may match; each adds its weight times its text relevance.
    pub terms: Vec<WeightedTerm>,
    /// Texts matched more loosely than by words (the embedded engine matches their character
    /// pairs, so differently cut words still meet), each with its weight: the asker's own
    /// text, and text the asker is known to like (a product already found).
    pub texts: Vec<WeightedTerm>,
    pub filter: Filter,
    pub limit: usize,
}

/// A document with its text relevance (the engine's own scale: compare within one query only).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Shared: an engine may hand out the same parsed document to many queries.
    pub document: Arc<ProductDocument>,
    pub score: f32,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: String,
    /// Text relevance, when the query had text and was sorted by relevance.
    pub score: Option<f32>,
    pub document: Arc<ProductDocument>,
}

/// Counts of the matching products (all pages) per value; values without products are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub industry: BTreeMap<Industry, u64>,
    pub stage: BTreeMap<Stage, u64>,
    pub delivery: BTreeMap<Delivery, u64>,
}

/// One page of results with the facets of the whole result set.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub page: Page<SearchHit>,
    pub facets: Facets,
}

/// A product search engine. Writes are visible to searches once the call returns.
#[async_trait::async_trait]
pub trait SearchEngine: Send + Sync {
    /// A short name for logs and the eval report (`embedded`, `meilisearch`).
    fn name(&self) -> &'static str;

    /// Changes whenever what searches see may have changed: answers derived from searches
    /// (a need's matches) are remembered under it.
    fn generation(&self) -> u64;

    /// Adds documents, replacing any with the same id.
    async fn upsert(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError>;

    /// Removes documents by id; unknown ids are ignored.
    async fn delete(&self, ids: Vec<String>) -> Result<(), SearchError>;

    /// Removes every document.
    async fn clear(&self) -> Result<(), SearchError>;

    /// Replaces the whole content at once (the `reindex` command): searches see the old
    /// content or the new one, never an empty index in between.
    async fn replace_all(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError>;

    /// How many documents the index holds.
    async fn count(&self) -> Result<u64, SearchError>;

    /// The public product search: the listing's filters, sorts and pages, with text relevance
    /// for `q` (every word of `q`, or a synonym of it, must occur) and facet counts.
    async fn search(&self, query: &ProductQuery) -> Result<SearchResults, SearchError>;

    /// The best `limit` documents meeting `filter` by weighted text relevance; documents
    /// matching none of the terms and texts are left out.
    async fn candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, SearchError>;
}
