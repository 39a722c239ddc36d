//! The search engine this process serves `q`, matching and leads with, chosen by the settings,
//! and kept equal to the database (rebuilt at start-up when stale, then followed through the
//! sync jobs this process runs).

use crate::settings::Settings;
use anyhow::Context;
use sea_orm::DatabaseConnection;
use search::{EmbeddedEngine, MeiliEngine, SearchEngine};
use secrecy::ExposeSecret;
use std::sync::Arc;

/// Opens the configured engine: Meilisearch with `MEILI_URL`, else the embedded index under
/// `DATA_DIR/index`.
///
/// # Errors
/// When the engine cannot be opened (a locked or unreadable index, Meilisearch unreachable).
pub async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn SearchEngine>> {
    if let Some(url) = &settings.meili_url {
        return meilisearch(settings, url).await;
    }
    let dir = settings.data_dir.join("index");
    let engine = tokio::task::spawn_blocking(move || EmbeddedEngine::open(&dir))
        .await
        .context("opening the search index")?
        .with_context(|| {
            format!(
                "opening the search index under {} (another `api` using the same DATA_DIR \
                 holds it; stop it, or use POST /api/v1/admin/reindex on it)",
                settings.data_dir.join("index").display()
            )
        })?;
    Ok(Arc::new(engine))
}

async fn meilisearch(settings: &Settings, url: &str) -> anyhow::Result<Arc<dyn SearchEngine>> {
    let key = settings
        .meili_master_key
        .as_ref()
        .map(|k| k.expose_secret().to_owned());
    let engine = MeiliEngine::connect(url, key.as_deref(), &settings.meili_index)
        .await
        .with_context(|| format!("MEILI_URL: {url}"))?;
    Ok(Arc::new(engine))
}

/// Opens the engine and rebuilds it if it does not hold what the database lists.
///
/// # Errors
/// As [`open`], and database or engine errors while rebuilding.
pub async fn open_fresh(
    settings: &Settings,
    db: &DatabaseConnection,
) -> anyhow::Result<worker::SearchIndex> {
    let engine = open(settings).await?;
    let started = std::time::Instant::now();
    if search::sync::rebuild_if_stale(db, engine.as_ref(), &settings.xkqz)
        .await
        .context("rebuilding the search index")?
    {
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "search index rebuilt"
        );
    }
    Ok(worker::SearchIndex {
        matcher: Arc::new(search::Matcher::new(
            engine,
            std::time::Duration::from_secs(settings.match_cache_secs),
        )),
        policy: settings.xkqz.clone(),
    })
}
