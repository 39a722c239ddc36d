//! Candidates for matching on Meilisearch.
//!
//! Meilisearch reads only the first ten words of a query, and a need has dozens of weighted
//! terms. So each term is a query of its own, all of them in one multi-search, and the
//! results are fused here as a BM25-like sum: each term adds its weight, times its rarity
//! among the documents meeting the filter (the inverse document frequency, from the term's
//! hit count), times where the document has it (Meilisearch's `attribute` rule: the name at
//! its start counts most, the end of the description least).
//!
//! The loosely matched texts are then scored on the documents found (see [`loose`]), and the
//! two sums ranked together.
//!
//! [`loose`]: super::loose

use super::filter::{self, Expression};
use super::{MeiliEngine, fields, loose};
use crate::engine::{Candidate, CandidateQuery, ProductDocument, WeightedTerm};
use crate::{SearchError, text};
use meilisearch_sdk::DefaultHttpClient;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery, SearchResult, Selectors};
use serde::Deserialize;
use std::collections::HashMap;

/// The most terms sent: the rest weigh too little to change the ranking, and each costs a
/// query. (On the labelled needs, sending all of them changed no ranking.)
const MAX_TERMS: usize = 64;

/// How much more a term counts at the start of the name than at the end of the description:
/// 1 + this, as the embedded engine's field boosts (name 3, description 1).
const ATTRIBUTE_BOOST: f32 = 2.0;

/// The loose scores' share. They are BM25 sums over many character pairs, each text weighted
/// on the embedded engine's scale, where term scores carry field boosts and term
/// frequencies that the term scores here lack; this puts the two back in proportion. (On
/// the labelled needs anything from 0.2 to 0.4 ranks alike; without the loose scores nDCG@10
/// falls by 0.02.)
const LOOSE_SHARE: f32 = 0.3;

/// How many keywords of each loosely matched text are searched for, to find the documents
/// that share the text's words but none of the terms.
const TEXT_KEYWORDS: usize = 20;

/// What a term query returns of a hit: the documents themselves are fetched once, for all the
/// terms.
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

/// The texts' keywords that are not terms already: searched for only to find documents, which
/// then score by the loose match alone.
fn text_keywords(cq: &CandidateQuery, terms: &[WeightedTerm]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in cq.texts.iter().filter(|t| t.weight > 0.0) {
        for (k, _) in text::keywords(&t.text, TEXT_KEYWORDS) {
            if !terms.iter().any(|t| t.text == k) && !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// BM25's inverse document frequency of a term found in `n` of `total` documents.
fn idf(n: usize, total: usize) -> f32 {
    let (n, total) = (n as f32, total.max(n) as f32);
    (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
}

/// How a hit holds the term: 1 + [`ATTRIBUTE_BOOST`] times the `attribute` rule's score.
fn placement(hit: &SearchResult<IdOnly>) -> f32 {
    let attribute = hit
        .ranking_score_details
        .as_ref()
        .and_then(|d| d.get("attribute"))
        .and_then(|a| a.get("score"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    1.0 + ATTRIBUTE_BOOST * attribute as f32
}

/// One term's query: its best `hits` documents, ids only, with how they hold the term, and
/// its hit count. Without `q`: the count of the documents meeting the filter.
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
        // A term Meilisearch cuts into several words is found where all of them are.
        .with_matching_strategy(MatchingStrategies::ALL)
        .with_show_ranking_score_details(true);
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
    let keywords = text_keywords(cq, &terms);
    if cq.limit == 0 || terms.is_empty() && keywords.is_empty() || filter == Expression::Nothing {
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
    for k in &keywords {
        multi.with_search_query(term_query(&index, Some(k), f, cq.limit));
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
    for (i, r) in results.enumerate() {
        let n = r.total_hits.unwrap_or(r.hits.len());
        // Past the terms: a keyword query, which only finds.
        let weight = terms.get(i).map_or(0.0, |t| t.weight * idf(n, total));
        for h in r.hits {
            let s = weight * placement(&h);
            *scores.entry(h.result.id).or_default() += s;
        }
    }
    let mut found = documents(engine, scores.into_iter().collect()).await?;
    let docs: Vec<ProductDocument> = found.iter().map(|c| (*c.document).clone()).collect();
    for (c, s) in found.iter_mut().zip(loose::scores(&cq.texts, &docs)) {
        c.score += LOOSE_SHARE * s;
    }
    // Found by a keyword yet sharing no character pair: no match after all.
    found.retain(|c| c.score > 0.0);
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.document.id.cmp(&b.document.id))
    });
    found.truncate(cq.limit);
    Ok(found)
}

/// The documents of the ids found, with their scores.
async fn documents(
    engine: &MeiliEngine,
    found: Vec<(String, f32)>,
) -> Result<Vec<Candidate>, SearchError> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // Ids came from the index, so they are ids (letters, digits, - and _) the filter can hold.
    let filter = filter::any_of(fields::ID, found.iter().map(|(id, _)| id.as_str()));
    let index = engine.index();
    let fetched = SearchQuery::new(&index)
        .with_filter(&filter)
        .with_limit(found.len())
        .execute::<ProductDocument>()
        .await
        .map_err(|e| engine.error("fetching candidates", e))?;
    let mut by_id: HashMap<String, ProductDocument> = fetched
        .hits
        .into_iter()
        .map(|h| (h.result.id.clone(), h.result))
        .collect();
    // A document deleted between the two requests is simply left out.
    Ok(found
        .into_iter()
        .filter_map(|(id, score)| {
            by_id.remove(&id).map(|document| Candidate {
                document: std::sync::Arc::new(document),
                score,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Filter;

    fn term(text: &str, weight: f32) -> WeightedTerm {
        WeightedTerm {
            text: text.into(),
            weight,
        }
    }

    #[test]
    fn terms_are_normalised_merged_and_heaviest_first() {
        let cq = CandidateQuery {
            terms: vec![
                term("MES", 1.0),
                term("报工", 2.0),
                term("mes", 1.5),
                term("，", 9.0),
                term("看板", 0.0),
            ],
            texts: Vec::new(),
            filter: Filter::default(),
            limit: 10,
        };
        let t = terms(&cq);
        let got: Vec<(&str, f32)> = t.iter().map(|t| (t.text.as_str(), t.weight)).collect();
        assert_eq!(got, [("mes", 2.5), ("报工", 2.0)]);
    }

    #[test]
    fn rarer_terms_weigh_more() {
        assert!(idf(1, 100) > idf(10, 100));
        assert!(idf(100, 100) > 0.0);
        // A count above the total (an estimate) is no negative weight.
        assert!(idf(120, 100) > 0.0);
    }
}
