//! The loose match of texts (see [`CandidateQuery::texts`]) on the documents the term queries
//! found: BM25 over character pairs, as the embedded engine's pair field scores it, computed
//! here because Meilisearch indexes words, not character pairs. The statistics are those of
//! the documents at hand, which are the ones that meet the filter and share a term with the
//! need: the population the ranking is about.
//!
//! [`CandidateQuery::texts`]: crate::engine::CandidateQuery::texts

use crate::engine::{ProductDocument, WeightedTerm};
use crate::text;
use std::collections::{HashMap, HashSet};

/// BM25's parameters, tantivy's defaults.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A document's character pairs with their counts, and how many it has.
struct Pairs {
    counts: HashMap<String, u32>,
    len: usize,
}

fn pairs(d: &ProductDocument) -> Pairs {
    let mut counts: HashMap<String, u32> = HashMap::new();
    let mut len = 0;
    for t in [&d.name, &d.summary, &d.description]
        .into_iter()
        .chain(&d.tags)
    {
        for p in text::bigrams(t) {
            *counts.entry(p.text).or_default() += 1;
            len += 1;
        }
    }
    Pairs { counts, len }
}

/// The texts' weighted BM25 for each document, in the documents' order.
pub(super) fn scores(texts: &[WeightedTerm], docs: &[ProductDocument]) -> Vec<f32> {
    let mut out = vec![0.0; docs.len()];
    let texts: Vec<&WeightedTerm> = texts.iter().filter(|t| t.weight > 0.0).collect();
    if texts.is_empty() || docs.is_empty() {
        return out;
    }
    let pairs: Vec<Pairs> = docs.iter().map(pairs).collect();
    let n = docs.len() as f32;
    let avg_len = (pairs.iter().map(|p| p.len).sum::<usize>() as f32 / n).max(1.0);
    let mut df: HashMap<&str, f32> = HashMap::new();
    for p in &pairs {
        for k in p.counts.keys() {
            *df.entry(k.as_str()).or_default() += 1.0;
        }
    }
    for t in texts {
        // Each pair of the text once, as a set of term queries would take it.
        let wanted: HashSet<String> = text::bigrams(&t.text)
            .into_iter()
            .map(|p| p.text)
            .filter(|p| p.chars().count() > 1)
            .collect();
        for (score, p) in out.iter_mut().zip(&pairs) {
            let norm = K1 * (1.0 - B + B * p.len as f32 / avg_len);
            let mut s = 0.0;
            for g in &wanted {
                let Some(tf) = p.counts.get(g.as_str()) else {
                    continue;
                };
                let df = df.get(g.as_str()).copied().unwrap_or(1.0);
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                let tf = *tf as f32;
                s += idf * tf * (K1 + 1.0) / (tf + norm);
            }
            *score += t.weight * s;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::doc;

    #[test]
    fn shared_pairs_score_and_rare_ones_more() {
        let docs = vec![
            doc("a", "扫码出入库", "库存实时可查"),
            doc("b", "能耗报表", "峰谷分析"),
            doc("c", "扫码报工", "报工看板"),
        ];
        let texts = [WeightedTerm {
            text: "出入库扫码".into(),
            weight: 1.0,
        }];
        let s = scores(&texts, &docs);
        assert!(s[0] > s[2] && s[2] > 0.0, "{s:?}");
        assert!(s[1].abs() < f32::EPSILON, "{s:?}");
        // A text of no weight adds nothing.
        let none = [WeightedTerm {
            text: "扫码".into(),
            weight: 0.0,
        }];
        assert!(scores(&none, &docs).iter().all(|x| x.abs() < f32::EPSILON));
    }
}
