//! What every handler can reach.

use crate::auth::{AuthLimiter, TokenKeys};
use crate::listing_cache::ListingCache;
use crate::metrics::Metrics;
use domain::xkqz::XkqzPolicy;
use sea_orm::DatabaseConnection;

pub struct AppState {
    pub db: DatabaseConnection,
    pub tokens: TokenKeys,
    pub refresh_ttl: chrono::Duration,
    pub limiter: AuthLimiter,
    pub policy: XkqzPolicy,
    pub metrics: Metrics,
    pub listing_cache: ListingCache,
    pub events: domain::services::events::EventPolicy,
    /// Checked by /readyz when configured.
    pub redis: Option<redis::Client>,
    /// Serves `q`, matches and leads.
    pub search: worker::SearchIndex,
}
