//! Discovery of products and bundles: the database listing (every filter and sort, no text),
//! search engines behind one trait for `q` (embedded tantivy + jieba, Meilisearch), matching
//! of needs to products with reasons, the proposals and leads built on it, and the sync that
//! keeps an index equal to the database.
//!
//! May import `domain` and sea-orm; never the HTTP layer (the Meilisearch client is this
//! crate's only HTTP, outbound).

pub mod engine;
pub mod error;
pub mod eval;
pub mod highlight;
pub mod listing;
pub mod matcher;
pub mod matching;
pub mod proposals;
pub mod sync;
pub mod synonyms;
pub mod text;

pub use engine::{EmbeddedEngine, MeiliEngine, ProductDocument, SearchEngine};
pub use error::SearchError;
pub use highlight::{Highlight, Highlighter};
pub use listing::{BundleQuery, BundleText, ProductQuery, ProductSort};
pub use matcher::Matcher;
pub use matching::{Match, NeedQuery, match_need};
