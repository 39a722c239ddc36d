//! Scratch indexes for tests, one per test, on either engine.
//!
//! Meilisearch tests need a server: `MEILI_URL` (and `MEILI_MASTER_KEY` when it has a key;
//! `scripts/services.sh` starts one). Without `MEILI_URL` they say so and pass.

use super::{EmbeddedEngine, MeiliEngine, ProductDocument, SearchEngine};
use domain::values::{Delivery, Industry, Stage};
use std::io::Write;

/// A general SaaS product for manufacturing; each test changes the fields it is about.
pub(crate) fn doc(id: &str, name: &str, summary: &str) -> ProductDocument {
    ProductDocument {
        id: id.into(),
        supplier_id: "s1".into(),
        name: name.into(),
        summary: summary.into(),
        description: String::new(),
        tags: Vec::new(),
        industries: vec![Industry::General],
        stages: vec![Stage::Manufacturing],
        delivery: Delivery::Saas,
        pilot_price_fen: 1_000_000,
        price_fen: 2_000_000,
        deploy_days: 10,
        reference_cases: 0,
        ai_powered: false,
        created_at: 1_700_000_000,
        xkqz: None,
    }
}

pub(crate) const MEILI_URL: &str = "MEILI_URL";
pub(crate) const MEILI_MASTER_KEY: &str = "MEILI_MASTER_KEY";

/// Where one test's documents live. Each `open` gives an engine on the same index, as a
/// restarted process would get.
#[async_trait::async_trait]
pub(crate) trait TestIndex: Send + Sync {
    async fn open(&self) -> Box<dyn SearchEngine>;
}

/// An embedded index in a temporary directory, removed with it.
pub(crate) struct EmbeddedIndex {
    dir: tempfile::TempDir,
}

impl EmbeddedIndex {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
}

#[async_trait::async_trait]
impl TestIndex for EmbeddedIndex {
    async fn open(&self) -> Box<dyn SearchEngine> {
        Box::new(EmbeddedEngine::open(&self.dir.path().join("index")).expect("open"))
    }
}

/// A Meilisearch index of its own (a random uid), deleted when the test ends, failed or not.
pub(crate) struct MeiliIndex {
    url: String,
    key: Option<String>,
    uid: String,
}

impl MeiliIndex {
    /// `None`, after saying so on the terminal, when `MEILI_URL` is not set.
    pub(crate) fn from_env(test: &str) -> Option<Self> {
        let Some(url) = std::env::var(MEILI_URL).ok().filter(|u| !u.is_empty()) else {
            // Straight to stderr: the test harness would hide a print of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: MEILI_URL not set ({test} on Meilisearch)"
            );
            return None;
        };
        Some(Self {
            url,
            key: std::env::var(MEILI_MASTER_KEY).ok(),
            uid: format!("test_{test}_{}", random_suffix()),
        })
    }

    pub(crate) async fn engine(&self) -> MeiliEngine {
        MeiliEngine::connect(&self.url, self.key.as_deref(), &self.uid)
            .await
            .expect("connect to MEILI_URL")
    }
}

#[async_trait::async_trait]
impl TestIndex for MeiliIndex {
    async fn open(&self) -> Box<dyn SearchEngine> {
        Box::new(self.engine().await)
    }
}

impl Drop for MeiliIndex {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be gone or busy: a thread of its own
        // with a runtime of its own deletes the index.
        let (url, key, uid) = (self.url.clone(), self.key.clone(), self.uid.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let client =
                    meilisearch_sdk::client::Client::new(url, key).expect("meilisearch client");
                if let Ok(task) = client.delete_index(&uid).await {
                    let _ = client.wait_for_task(task, None, None).await;
                }
            });
        })
        .join();
    }
}

/// Enough randomness that parallel tests and runs never share an index.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}
