//! Discovery of products and bundles: the public listing from the database, the same query
//! types on a search engine (embedded tantivy or Meilisearch), and need matching on top.
//!
//! May import `domain` and sea-orm; never the HTTP layer (the Meilisearch client is this
//! crate's only HTTP, outbound).

pub mod engine;
pub mod error;
pub mod eval;
pub mod listing;
pub mod matching;
pub mod synonyms;
pub mod text;

pub use engine::{EmbeddedEngine, MeiliEngine, ProductDocument, SearchEngine};
pub use error::SearchError;
pub use listing::{BundleQuery, ProductQuery, ProductSort};
pub use matching::{Match, NeedQuery, match_need};
