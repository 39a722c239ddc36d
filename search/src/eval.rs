//! The quality harness: loads the labelled data of `shared/data` (copied to `fixtures/`),
//! indexes the catalogue, runs every need through [`match_need`] and computes nDCG@10 and
//! recall@10 as the data README defines them. Used by the `eval` binary and by a test that
//! keeps quality from sliding under the baseline.

use crate::engine::{ProductDocument, SearchEngine};
use crate::matching::{NeedQuery, match_need};
use crate::{SearchError, engine::engine_error};
use domain::values::{Delivery, EnterpriseIndustry, Industry, PriceUnit, Stage};
use domain::xkqz::{XkqzFacts, XkqzPolicy};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The cut-off of both metrics.
pub const K: usize = 10;

/// What a plain BM25 over character bigrams with the hard filters scores on `needs_dev`.
pub const BASELINE_NDCG: f64 = 0.895;
pub const BASELINE_RECALL: f64 = 0.863;

#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    pub suppliers: Vec<FixtureSupplier>,
    pub products: Vec<FixtureProduct>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FixtureSupplier {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FixtureProduct {
    pub key: String,
    pub supplier: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub industries: Vec<Industry>,
    pub stages: Vec<Stage>,
    pub delivery: Delivery,
    pub price_fen: i64,
    pub pilot_price_fen: i64,
    pub price_unit: PriceUnit,
    pub deploy_days: i32,
    pub reference_cases: i32,
    pub ai_powered: bool,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FixtureEnterprise {
    pub key: String,
    pub industry: EnterpriseIndustry,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FixtureNeed {
    pub key: String,
    pub enterprise: String,
    pub title: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub budget_fen: i64,
    pub max_deploy_days: Option<i32>,
    /// Product key → grade (1 or 2).
    pub relevant: HashMap<String, u8>,
}

/// The three files of the data set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    pub catalogue: Catalogue,
    pub enterprises: Vec<FixtureEnterprise>,
    pub needs: Vec<FixtureNeed>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SearchError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| engine_error(format_args!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| engine_error(format_args!("{}: {e}", path.display())))
}

impl Fixtures {
    /// Reads `catalogue.json`, `enterprises.json` and `needs_dev.json` from `dir`.
    ///
    /// # Errors
    /// A file missing or not in the documented format.
    pub fn load(dir: &Path) -> Result<Self, SearchError> {
        Ok(Self {
            catalogue: read_json(&dir.join("catalogue.json"))?,
            enterprises: read_json(&dir.join("enterprises.json"))?,
            needs: read_json(&dir.join("needs_dev.json"))?,
        })
    }

    /// Every product as listed (every supplier counts as vetted), keyed by product key, with
    /// its 小快轻准 check under the default policy. `created_at` follows catalogue order.
    #[must_use]
    pub fn documents(&self) -> Vec<ProductDocument> {
        let policy = XkqzPolicy::default();
        self.catalogue
            .products
            .iter()
            .zip(1_700_000_000_i64..)
            .map(|(p, created_at)| ProductDocument {
                id: p.key.clone(),
                supplier_id: p.supplier.clone(),
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
                created_at,
                xkqz: Some(policy.check(&XkqzFacts {
                    pilot_price_fen: p.pilot_price_fen,
                    price_unit: p.price_unit,
                    deploy_days: p.deploy_days,
                    delivery: p.delivery,
                    industries: &p.industries,
                    stages: &p.stages,
                    reference_cases: p.reference_cases,
                })),
            })
            .collect()
    }

    /// A need as matching receives it: the text is the title, a line break, the description.
    #[must_use]
    pub fn need_query(&self, need: &FixtureNeed, limit: usize) -> NeedQuery {
        let industry = self
            .enterprises
            .iter()
            .find(|e| e.key == need.enterprise)
            .and_then(|e| e.industry.segment());
        NeedQuery {
            text: format!("{}\n{}", need.title, need.description),
            industry,
            stages: need.stages.clone(),
            budget_fen: need.budget_fen,
            max_deploy_days: need.max_deploy_days,
            limit,
        }
    }
}

/// nDCG@K of a ranking against graded labels (unlabelled products are grade 0).
#[must_use]
pub fn ndcg_at_k(ranking: &[String], relevant: &HashMap<String, u8>) -> f64 {
    let gain = |i: usize, g: u8| f64::from(g) / ((i + 2) as f64).log2();
    let dcg: f64 = ranking
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, id)| gain(i, relevant.get(id).copied().unwrap_or(0)))
        .sum();
    let mut ideal: Vec<u8> = relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .into_iter()
        .take(K)
        .enumerate()
        .map(|(i, g)| gain(i, g))
        .sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

/// recall@K: the share of products of grade ≥ 1 found in the top K.
#[must_use]
pub fn recall_at_k(ranking: &[String], relevant: &HashMap<String, u8>) -> f64 {
    let wanted = relevant.values().filter(|g| **g >= 1).count();
    if wanted == 0 {
        return 0.0;
    }
    let found = ranking
        .iter()
        .take(K)
        .filter(|id| relevant.get(*id).is_some_and(|g| *g >= 1))
        .count();
    found as f64 / wanted as f64
}

/// One need's outcome.
#[derive(Debug, Clone)]
pub struct NeedResult {
    pub key: String,
    pub ranking: Vec<String>,
    pub ndcg: f64,
    pub recall: f64,
    pub latency: Duration,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub engine: &'static str,
    pub products: usize,
    pub index_time: Duration,
    pub needs: Vec<NeedResult>,
}

impl Report {
    #[must_use]
    pub fn ndcg(&self) -> f64 {
        mean(self.needs.iter().map(|n| n.ndcg))
    }

    #[must_use]
    pub fn recall(&self) -> f64 {
        mean(self.needs.iter().map(|n| n.recall))
    }

    #[must_use]
    pub fn mean_latency(&self) -> Duration {
        let total: Duration = self.needs.iter().map(|n| n.latency).sum();
        total / u32::try_from(self.needs.len().max(1)).unwrap_or(u32::MAX)
    }

    /// The 99th percentile (nearest rank) of the per-match time.
    #[must_use]
    pub fn p99_latency(&self) -> Duration {
        let mut l: Vec<Duration> = self.needs.iter().map(|n| n.latency).collect();
        l.sort_unstable();
        let rank = (l.len() as f64 * 0.99).ceil() as usize;
        l.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0_usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Indexes the catalogue into `engine` (replacing its content) and runs every need.
///
/// # Errors
/// The engine's.
pub async fn run(engine: &dyn SearchEngine, fixtures: &Fixtures) -> Result<Report, SearchError> {
    let docs = fixtures.documents();
    let products = docs.len();
    let started = Instant::now();
    engine.replace_all(docs).await?;
    let index_time = started.elapsed();
    let mut needs = Vec::with_capacity(fixtures.needs.len());
    for need in &fixtures.needs {
        let query = fixtures.need_query(need, K);
        let started = Instant::now();
        let matches = match_need(engine, &query).await?;
        let latency = started.elapsed();
        let ranking: Vec<String> = matches.into_iter().map(|m| m.product_id).collect();
        needs.push(NeedResult {
            key: need.key.clone(),
            ndcg: ndcg_at_k(&ranking, &need.relevant),
            recall: recall_at_k(&ranking, &need.relevant),
            ranking,
            latency,
        });
    }
    Ok(Report {
        engine: engine.name(),
        products,
        index_time,
        needs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmbeddedEngine;
    use crate::engine::testing::MeiliIndex;

    fn labels(pairs: &[(&str, u8)]) -> HashMap<String, u8> {
        pairs.iter().map(|(k, g)| ((*k).to_owned(), *g)).collect()
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn metrics_follow_the_readme() {
        let rel = labels(&[("a", 2), ("b", 1)]);
        assert!((ndcg_at_k(&ids(&["a", "b"]), &rel) - 1.0).abs() < 1e-12);
        // b first, a second: (1/log2 2 + 2/log2 3) / (2/log2 2 + 1/log2 3)
        let expect = (1.0 + 2.0 / 3f64.log2()) / (2.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at_k(&ids(&["b", "a"]), &rel) - expect).abs() < 1e-12);
        assert!((recall_at_k(&ids(&["x", "a"]), &rel) - 0.5).abs() < 1e-12);
        assert!(ndcg_at_k(&[], &rel).abs() < 1e-12);
        // Beyond the cut-off counts for nothing.
        let far: Vec<String> = (0..K).map(|i| i.to_string()).chain(ids(&["a"])).collect();
        assert!(recall_at_k(&far, &rel).abs() < 1e-12);
    }

    /// The dev needs must stay at least as well served as by the plain bigram baseline.
    async fn assert_beats_the_baseline(engine: &dyn SearchEngine) {
        let fixtures = Fixtures::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .expect("fixtures");
        let report = run(engine, &fixtures).await.expect("run");
        assert_eq!(report.needs.len(), fixtures.needs.len());
        assert!(
            report.ndcg() >= BASELINE_NDCG,
            "{}: nDCG@10 {:.4} fell under the baseline {BASELINE_NDCG}",
            engine.name(),
            report.ndcg()
        );
        assert!(
            report.recall() >= BASELINE_RECALL,
            "{}: recall@10 {:.4} fell under the baseline {BASELINE_RECALL}",
            engine.name(),
            report.recall()
        );
    }

    /// CI's guard on matching quality.
    #[tokio::test]
    async fn matching_beats_the_baseline_on_the_fixtures() {
        let engine = EmbeddedEngine::in_memory().expect("engine");
        assert_beats_the_baseline(&engine).await;
    }

    #[tokio::test]
    async fn matching_on_meilisearch_beats_the_baseline_on_the_fixtures() {
        if let Some(index) = MeiliIndex::from_env("matching_beats_the_baseline_on_the_fixtures") {
            assert_beats_the_baseline(&index.engine().await).await;
        }
    }
}
