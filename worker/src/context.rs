//! What a job handler can reach.

use crate::mail::Mailer;
use crate::settings::JobSettings;
use prometheus::{IntCounterVec, Opts, Registry};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub mailer: Arc<Mailer>,
    pub settings: JobSettings,
    /// A name for this process in locks and consumer groups.
    pub worker_id: String,
    pub jobs_total: IntCounterVec,
    /// The search index this process keeps, when it keeps one (the API does; a `worker` does
    /// not, and never takes the jobs that need it).
    pub search: Option<SearchIndex>,
    /// Told when a job of this process wrote more jobs (a fan-out's batch), so the relay passes
    /// them on at once rather than at its next poll.
    pub outbox_written: Arc<tokio::sync::Notify>,
}

/// A search engine (with the matches it gave lately) and what documents are built with.
#[derive(Clone)]
pub struct SearchIndex {
    pub matcher: Arc<search::Matcher>,
    pub policy: domain::xkqz::XkqzPolicy,
}

impl SearchIndex {
    #[must_use]
    pub fn engine(&self) -> &Arc<dyn search::SearchEngine> {
        self.matcher.engine()
    }
}

impl JobContext {
    /// # Errors
    /// When the metric cannot be registered (a programming error).
    pub fn new(
        db: DatabaseConnection,
        mailer: Mailer,
        settings: JobSettings,
        registry: &Registry,
    ) -> Result<Self, prometheus::Error> {
        let jobs_total = IntCounterVec::new(
            Opts::new("jobs_total", "Jobs run, by kind and outcome"),
            &["kind", "outcome"],
        )?;
        registry.register(Box::new(jobs_total.clone()))?;
        Ok(Self {
            db,
            mailer: Arc::new(mailer),
            settings,
            worker_id: format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple()),
            jobs_total,
            search: None,
            outbox_written: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// This process keeps `index`: it runs the search jobs too.
    #[must_use]
    pub fn with_search(mut self, index: SearchIndex) -> Self {
        self.search = Some(index);
        self
    }

    /// The jobs this process takes from the outbox.
    #[must_use]
    pub fn kinds(&self) -> domain::jobs::Kinds {
        if self.search.is_some() {
            domain::jobs::Kinds::All
        } else {
            domain::jobs::Kinds::Except(domain::jobs::SEARCH_KINDS)
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into())
}
