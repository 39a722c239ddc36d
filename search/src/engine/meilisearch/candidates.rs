//! Candidates for matching on Meilisearch.
//!
//! Meilisearch reads only the first ten words of a query, and a need has dozens of weighted
//! terms. So each term is a query of its own, all of them in one multi-search, and the
//! results are fused here as a BM25-like sum: each term adds its weight, times its rarity
//! among the documents meeting the filter (the inverse document frequency, from the term's
//! hit count), times how well the document matches it (Meilisearch's ranking score: in the
//! name more than in the description, the words close together, exact rather than typo'd).

use super::filter::{self, Expression};
use super::{MeiliEngine, fields};
use crate::engine::{Candidate, CandidateQuery, ProductDocument, WeightedTerm};
use crate::{SearchError, text};
use meilisearch_sdk::DefaultHttpClient;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery, Selectors};
use serde::Deserialize;
use std::collections::HashMap;

/// The most terms sent: the rest weigh too little to change the ranking, and each costs a
/// query.
const MAX_TERMS: usize = 64;

/// What a term query returns of a hit: the documents themselves are fetched once, for the
/// fused best.
#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

/// The terms to send: normalised, the weights of one term summed, heaviest first.
fn terms(cq: &CandidateQuery) -> Vec<WeightedTerm> {
    let mut out: Vec<WeightedTerm> = Vec::new();
    for t in cq.terms.iter().filter(|t| t.weight > 0.0) {
        let text = text::normalize_term(&t.text);
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        match out.iter_mut().find(|o| o.text == text) {
            Some(o) => o.weight += t.weight,
            None => out.push(WeightedTerm {
                text,
                weight: t.weight,
            }),
        }
    }
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out.truncate(MAX_TERMS);
    out
}

/// BM25's inverse document frequency of a term found in `n` of `total` documents.
fn idf(n: usize, total: usize) -> f32 {
    let (n, total) = (n as f32, total.max(n) as f32);
    (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
}

/// One term's query: its best `hits` documents by ranking score, ids only, and its hit count.
fn term_query<'a>(
    index: &'a Index,
    q: Option<&'a str>,
    filter: Option<&'a str>,
    hits: usize,
) -> SearchQuery<'a, DefaultHttpClient> {
    let mut s = SearchQuery::new(index);
    s.with_page(1)
        .with_hits_per_page(hits)
        .with_attributes_to_retrieve(Selectors::Some(&[fields::ID]))
        // A term cut into several words is found where all of them are.
        .with_matching_strategy(MatchingStrategies::ALL)
        .with_show_ranking_score(true);
    if let Some(q) = q {
        s.with_query(q);
    }
    if let Some(f) = filter {
        s.with_filter(f);
    }
    s
}

pub(super) async fn candidates(
    engine: &MeiliEngine,
    cq: &CandidateQuery,
) -> Result<Vec<Candidate>, SearchError> {
    let filter = filter::expression(&cq.filter);
    let terms = terms(cq);
    if cq.limit == 0 || terms.is_empty() || filter == Expression::Nothing {
        return Ok(Vec::new());
    }
    let index = engine.index();
    let f = filter.as_filter();
    let mut multi = engine.client.multi_search();
    // First the documents meeting the filter, counted: the N of the inverse frequencies.
    multi.with_search_query(term_query(&index, None, f, 0));
    for t in &terms {
        multi.with_search_query(term_query(&index, Some(&t.text), f, cq.limit));
    }
    let response = multi
        .execute::<IdOnly>()
        .await
        .map_err(|e| engine.error("searching candidates", e))?;
    let mut results = response.results.into_iter();
    let total = results
        .next()
        .and_then(|r| r.total_hits)
        .unwrap_or_default();

    let mut scores: HashMap<String, f32> = HashMap::new();
    for (t, r) in terms.iter().zip(results) {
        let n = r.total_hits.unwrap_or(r.hits.len());
        let weight = t.weight * idf(n, total);
        for h in r.hits {
            let s = h.ranking_score.unwrap_or(0.0) as f32;
            *scores.entry(h.result.id).or_default() += weight * s;
        }
    }
    let mut best: Vec<(String, f32)> = scores.into_iter().filter(|(_, s)| *s > 0.0).collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    best.truncate(cq.limit);
    documents(engine, best).await
}

/// The documents of the fused best, in that order, with their scores.
async fn documents(
    engine: &MeiliEngine,
    best: Vec<(String, f32)>,
) -> Result<Vec<Candidate>, SearchError> {
    if best.is_empty() {
        return Ok(Vec::new());
    }
    let filter = filter::any_of(fields::ID, best.iter().map(|(id, _)| id.as_str()));
    let index = engine.index();
    let found = SearchQuery::new(&index)
        .with_filter(&filter)
        .with_limit(best.len())
        .execute::<ProductDocument>()
        .await
        .map_err(|e| engine.error("fetching candidates", e))?;
    let mut by_id: HashMap<String, ProductDocument> = found
        .hits
        .into_iter()
        .map(|h| (h.result.id.clone(), h.result))
        .collect();
    // A document deleted between the two requests is simply left out.
    Ok(best
        .into_iter()
        .filter_map(|(id, score)| {
            by_id
                .remove(&id)
                .map(|document| Candidate { document, score })
        })
        .collect())
}
