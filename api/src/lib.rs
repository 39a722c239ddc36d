//! The marketplace's HTTP server: routes, extractors, auth, OpenAPI, operations. A thin layer
//! over `domain` (rules) and `search` (listing); it owns no business rule of its own.

pub mod auth;
pub mod demo;
pub mod error;
pub mod extract;
pub mod listing_cache;
pub mod metrics;
pub mod routes;
pub mod search_index;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
