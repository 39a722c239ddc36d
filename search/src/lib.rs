//! Discovery of products and bundles. Today one engine: the database itself, with every filter
//! and sort of the public listing and a plain substring `q`. The search issue adds Meilisearch
//! and an embedded engine behind the same query types.
//!
//! May import `domain` and sea-orm; never HTTP.

pub mod engine;
pub mod error;
pub mod eval;
pub mod listing;
pub mod matching;
pub mod synonyms;
pub mod text;

pub use engine::{EmbeddedEngine, ProductDocument, SearchEngine};
pub use error::SearchError;
pub use listing::{BundleQuery, ProductQuery, ProductSort};
pub use matching::{Match, NeedQuery, match_need};
