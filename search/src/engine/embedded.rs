//! The embedded engine: a tantivy index in a directory (or in RAM for tests), Chinese cut by
//! jieba, synonyms expanded at query time, BM25 with field boosts.
//!
//! One process writes an index directory at a time (tantivy holds a lock while a writer
//! lives); the writer is created on the first write, so processes that only search never
//! take the lock, and they see other processes' commits within moments (`OnCommitWithDelay`).

use super::{
    Candidate, CandidateQuery, Facets, Filter, ProductDocument, SearchEngine, SearchHit,
    SearchResults,
};
use crate::text::{self, BIGRAM_TOKENIZER_NAME, TOKENIZER_NAME};
use crate::{ProductQuery, ProductSort, SearchError, synonyms};
use domain::services::Page;
use domain::values::{Delivery, Industry, Stage};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery,
    Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TantivyDocument, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, Term};

/// How much a match in each text field counts. The name says what a product is; tags are the
/// supplier's own keywords; the summary is one sentence of purpose; the description is long
/// and mentions much in passing.
const FIELD_BOOSTS: [(TextField, f32); 4] = [
    (TextField::Name, 3.0),
    (TextField::Tags, 2.2),
    (TextField::Summary, 1.6),
    (TextField::Description, 1.0),
];

/// A synonym stands for the word the user wrote, a little less surely.
const SYNONYM_WEIGHT: f32 = 0.8;

/// A word found only by its characters (not as a word) counts for little: it may sit across
/// two words (`设备联网` in `设备联网关`).
const CHARACTER_PAIRS_WEIGHT: f32 = 0.3;

/// A typo-corrected term counts for less than an exact one (tantivy scores it as a constant).
const FUZZY_WEIGHT: f32 = 0.5;

/// ASCII words shorter than this are acronyms (`MES`, `ERP`): one edit turns them into
/// another acronym, so they get no typo tolerance.
const FUZZY_MIN_LEN: usize = 4;

/// The writer's indexing memory; the catalogue is small, and tantivy needs 15 MB at least.
const WRITER_MEMORY: usize = 50_000_000;

#[derive(Debug, Clone, Copy)]
enum TextField {
    Name,
    Tags,
    Summary,
    Description,
}

/// Handles of the schema's fields.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    supplier_id: Field,
    name: Field,
    tags: Field,
    summary: Field,
    description: Field,
    /// Character pairs of all the text fields (see [`text::bigrams`]).
    grams: Field,
    industry: Field,
    stage: Field,
    delivery: Field,
    pilot_price_fen: Field,
    price_fen: Field,
    deploy_days: Field,
    created_at: Field,
    ai_powered: Field,
    /// The whole document as JSON: results are rebuilt from it, so adding a field to
    /// `ProductDocument` needs no schema change.
    source: Field,
    /// The id's bytes as big-endian numbers, for ties by id (see [`IdOrder`]).
    id_order: [Field; ID_ORDER_WORDS],
}

/// Ties go by id. Sorting by the id's string column looks each hit's id up in a compressed
/// dictionary, one decompression per hit (tantivy#2776), a seventh of a search's CPU; the
/// same order read from numeric columns costs next to nothing. Five words hold 40 bytes: a
/// UUID (36) whole. Ids longer than that tie on their first 40 bytes and then go by index
/// position.
const ID_ORDER_WORDS: usize = 5;
const F_ID_ORDER: [&str; ID_ORDER_WORDS] = ["id_o0", "id_o1", "id_o2", "id_o3", "id_o4"];

/// The id as [`ID_ORDER_WORDS`] numbers that compare as the id's bytes do (shorter ids are
/// padded with zeros, which sort first, as a prefix does).
fn id_order(id: &str) -> [u64; ID_ORDER_WORDS] {
    let mut words = [0_u64; ID_ORDER_WORDS];
    for (w, chunk) in words.iter_mut().zip(id.as_bytes().chunks(8)) {
        let mut b = [0_u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        *w = u64::from_be_bytes(b);
    }
    words
}

/// Sort key computer for ties by id, the smallest id first: reads the id-order columns of each
/// segment. tantivy puts the greatest custom key first (and its `Order` applies to its own
/// key types only), so the key is the words' complement.
fn by_id_order(
    segment: &tantivy::SegmentReader,
) -> impl FnMut(tantivy::DocId) -> [u64; ID_ORDER_WORDS] + use<> {
    let columns: Vec<Option<tantivy::columnar::Column<u64>>> = F_ID_ORDER
        .iter()
        .map(|name| segment.fast_fields().u64(name).ok())
        .collect();
    move |doc| {
        let mut key = [0_u64; ID_ORDER_WORDS];
        for (k, c) in key.iter_mut().zip(&columns) {
            *k = !c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
        }
        key
    }
}

const F_ID: &str = "id";
const F_PILOT_PRICE: &str = "pilot_price_fen";
const F_DEPLOY_DAYS: &str = "deploy_days";
const F_CREATED_AT: &str = "created_at";
const F_INDUSTRY: &str = "industry";
const F_STAGE: &str = "stage";
const F_DELIVERY: &str = "delivery";

impl Fields {
    fn text(&self, f: TextField) -> Field {
        match f {
            TextField::Name => self.name,
            TextField::Tags => self.tags,
            TextField::Summary => self.summary,
            TextField::Description => self.description,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            // Positions for phrase queries: a synonym jieba cuts into parts is searched as
            // the phrase of its parts.
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let num = INDEXED | FAST;
    let fields = Fields {
        id: b.add_text_field(F_ID, STRING | STORED),
        supplier_id: b.add_text_field("supplier_id", STRING),
        name: b.add_text_field("name", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        description: b.add_text_field("description", text),
        grams: b.add_text_field(
            "grams",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(BIGRAM_TOKENIZER_NAME)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        industry: b.add_facet_field(F_INDUSTRY, FacetOptions::default()),
        stage: b.add_facet_field(F_STAGE, FacetOptions::default()),
        delivery: b.add_facet_field(F_DELIVERY, FacetOptions::default()),
        pilot_price_fen: b.add_i64_field(F_PILOT_PRICE, num.clone()),
        price_fen: b.add_i64_field("price_fen", num.clone()),
        deploy_days: b.add_i64_field(F_DEPLOY_DAYS, num.clone()),
        created_at: b.add_i64_field(F_CREATED_AT, num.clone()),
        ai_powered: b.add_bool_field("ai_powered", num),
        source: b.add_text_field("source", STORED),
        id_order: F_ID_ORDER.map(|name| b.add_u64_field(name, FAST)),
    };
    (b.build(), fields)
}

use super::engine_error as engine_err;

/// The embedded engine. Cheap to clone (shared state).
#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    /// Created on the first write (see the module comment).
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    docs: Mutex<DocCache>,
}

/// Documents already read from the store and parsed, for the newest searcher. A match reads
/// a few hundred candidates; reading each from the compressed store and parsing its JSON
/// again was most of a match's CPU.
#[derive(Default)]
struct DocCache {
    generation: u64,
    docs: std::collections::HashMap<DocAddress, Arc<ProductDocument>>,
}

impl DocCache {
    /// Entries beyond this are dropped all at once (a catalogue of this size is far off).
    const CAPACITY: usize = 200_000;
}

impl EmbeddedEngine {
    /// Opens the index in `dir`, creating the directory and an empty index when absent.
    ///
    /// # Errors
    /// I/O errors. An index there with another schema (written by another version) is
    /// replaced by an empty one: the index only mirrors the database, and an empty index is
    /// rebuilt at start-up.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let open = || -> Result<Index, tantivy::TantivyError> {
            std::fs::create_dir_all(dir)?;
            Index::open_or_create(MmapDirectory::open(dir)?, schema.clone())
        };
        let index = match open() {
            Err(tantivy::TantivyError::SchemaError(e)) => {
                tracing::warn!(
                    dir = %dir.display(),
                    error = %e,
                    "the search index was built by another version: starting it afresh"
                );
                std::fs::remove_dir_all(dir).map_err(engine_err)?;
                open().map_err(engine_err)?
            }
            other => other.map_err(engine_err)?,
        };
        Self::with_index(index, fields)
    }

    /// An index in memory, for tests and the quality harness.
    ///
    /// # Errors
    /// Only if tantivy cannot set the index up.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        // Tokenizers are code, not index data: they are registered on every open.
        index
            .tokenizers()
            .register(TOKENIZER_NAME, text::word_tokenizer());
        index
            .tokenizers()
            .register(BIGRAM_TOKENIZER_NAME, text::bigram_tokenizer());
        text::warm_up();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(engine_err)?;
        Ok(Self {
            inner: Arc::new(Inner {
                index,
                reader,
                writer: Mutex::new(None),
                fields,
                docs: Mutex::new(DocCache::default()),
            }),
        })
    }

    /// Runs blocking index work off the async executor.
    async fn blocking<T, F>(&self, f: F) -> Result<T, SearchError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(engine_err)?
    }
}

#[async_trait::async_trait]
impl SearchEngine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn generation(&self) -> u64 {
        // The searcher's own: it changes on every reload, this process's commits and, for a
        // reader of another process's index, theirs.
        self.inner.reader.searcher().generation().generation_id()
    }

    async fn upsert(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError> {
        self.blocking(move |i| i.write(false, &docs, &[])).await
    }

    async fn delete(&self, ids: Vec<String>) -> Result<(), SearchError> {
        self.blocking(move |i| i.write(false, &[], &ids)).await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.blocking(|i| i.write(true, &[], &[])).await
    }

    async fn replace_all(&self, docs: Vec<ProductDocument>) -> Result<(), SearchError> {
        self.blocking(move |i| i.write(true, &docs, &[])).await
    }

    async fn count(&self) -> Result<u64, SearchError> {
        self.blocking(|i| Ok(i.reader.searcher().num_docs())).await
    }

    async fn search(&self, query: &ProductQuery) -> Result<SearchResults, SearchError> {
        // In place, not on the blocking pool: a search over the whole catalogue takes a
        // fraction of a millisecond, less than the two thread hand-overs of the hop cost.
        // Matching's candidate queries are heavier and keep the hop.
        self.inner.search(query)
    }

    async fn candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, SearchError> {
        let query = query.clone();
        self.blocking(move |i| i.candidates(&query)).await
    }
}

impl Inner {
    /// One commit: optionally everything removed, then `delete` removed, then `docs` put in
    /// place of any document with the same id.
    fn write(
        &self,
        clear: bool,
        docs: &[ProductDocument],
        delete: &[String],
    ) -> Result<(), SearchError> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| engine_err("the index writer was poisoned"))?;
        let writer = match &mut *guard {
            Some(w) => w,
            slot => slot.insert(
                self.index
                    .writer_with_num_threads(1, WRITER_MEMORY)
                    .map_err(engine_err)?,
            ),
        };
        let result = (|| {
            if clear {
                writer.delete_all_documents().map_err(engine_err)?;
            }
            for id in delete {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            for d in docs {
                writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
                writer
                    .add_document(self.to_tantivy(d)?)
                    .map_err(engine_err)?;
            }
            writer.commit().map_err(engine_err)?;
            Ok::<_, SearchError>(())
        })();
        if let Err(e) = result {
            // Nothing of a failed batch may reach a later commit. A writer that cannot even
            // roll back is dropped: the next write opens a fresh one.
            if writer.rollback().is_err() {
                *guard = None;
            }
            return Err(e);
        }
        drop(guard);
        // Read-your-writes: do not wait for the reload policy's watcher.
        self.reader.reload().map_err(engine_err)?;
        Ok(())
    }

    fn to_tantivy(&self, d: &ProductDocument) -> Result<TantivyDocument, SearchError> {
        let f = &self.fields;
        let mut t = TantivyDocument::new();
        t.add_text(f.id, &d.id);
        t.add_text(f.supplier_id, &d.supplier_id);
        t.add_text(f.name, &d.name);
        for tag in &d.tags {
            t.add_text(f.tags, tag);
        }
        t.add_text(f.summary, &d.summary);
        t.add_text(f.description, &d.description);
        for text in [&d.name, &d.summary, &d.description]
            .into_iter()
            .chain(&d.tags)
        {
            t.add_text(f.grams, text);
        }
        for i in &d.industries {
            t.add_facet(f.industry, Facet::from_path([i.code()]));
        }
        for s in &d.stages {
            t.add_facet(f.stage, Facet::from_path([s.code()]));
        }
        t.add_facet(f.delivery, Facet::from_path([d.delivery.code()]));
        t.add_i64(f.pilot_price_fen, d.pilot_price_fen);
        t.add_i64(f.price_fen, d.price_fen);
        t.add_i64(f.deploy_days, i64::from(d.deploy_days));
        t.add_i64(f.created_at, d.created_at);
        t.add_bool(f.ai_powered, d.ai_powered);
        t.add_text(f.source, serde_json::to_string(d).map_err(engine_err)?);
        for (field, word) in f.id_order.iter().zip(id_order(&d.id)) {
            t.add_u64(*field, word);
        }
        Ok(t)
    }

    fn load(
        &self,
        searcher: &Searcher,
        at: DocAddress,
    ) -> Result<Arc<ProductDocument>, SearchError> {
        // Addresses mean something only within one searcher generation.
        let generation = searcher.generation().generation_id();
        let cache = || self.docs.lock().unwrap_or_else(PoisonError::into_inner);
        {
            let c = cache();
            if c.generation == generation
                && let Some(d) = c.docs.get(&at)
            {
                return Ok(Arc::clone(d));
            }
        }
        let t: TantivyDocument = searcher.doc(at).map_err(engine_err)?;
        let json = t
            .get_first(self.fields.source)
            .and_then(|v| v.as_str())
            .ok_or_else(|| engine_err("a document lost its source"))?;
        let d: Arc<ProductDocument> = Arc::new(serde_json::from_str(json).map_err(engine_err)?);
        let mut c = cache();
        // A query still on an older searcher neither fills nor clears the newer one's cache.
        if generation > c.generation {
            c.docs.clear();
            c.generation = generation;
        }
        if generation == c.generation {
            if c.docs.len() >= DocCache::CAPACITY {
                c.docs.clear();
            }
            c.docs.insert(at, Arc::clone(&d));
        }
        Ok(d)
    }

    /// The filter as clauses that select without scoring.
    fn filter_clauses(&self, filter: &Filter) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let facet_any = |field: Field, codes: Vec<&str>| -> Box<dyn Query> {
            let terms: Vec<Box<dyn Query>> = codes
                .into_iter()
                .map(|c| {
                    Box::new(TermQuery::new(
                        Term::from_facet(field, &Facet::from_path([c])),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>
                })
                .collect();
            Box::new(BooleanQuery::union(terms))
        };
        let at_most = |field: Field, max: i64| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(field, max)),
            ))
        };
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if !filter.industries_any.is_empty() {
            out.push(facet_any(
                f.industry,
                filter.industries_any.iter().map(|i| i.code()).collect(),
            ));
        }
        if !filter.stages_any.is_empty() {
            out.push(facet_any(
                f.stage,
                filter.stages_any.iter().map(|s| s.code()).collect(),
            ));
        }
        if let Some(d) = filter.delivery {
            out.push(facet_any(f.delivery, vec![d.code()]));
        }
        if let Some(p) = filter.max_pilot_price_fen {
            out.push(at_most(f.pilot_price_fen, p));
        }
        if let Some(d) = filter.max_deploy_days {
            out.push(at_most(f.deploy_days, i64::from(d)));
        }
        if let Some(a) = filter.ai_powered {
            out.push(Box::new(TermQuery::new(
                Term::from_field_bool(f.ai_powered, a),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(s) = &filter.supplier_id {
            out.push(Box::new(TermQuery::new(
                Term::from_field_text(f.supplier_id, s),
                IndexRecordOption::Basic,
            )));
        }
        out.into_iter()
            .map(|q| {
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>,
                )
            })
            .collect()
    }

    /// The query for one term in every text field, boosted by field and by `weight`: the term
    /// itself, or the phrase of its parts when jieba cuts it (`制造执行系统` may be indexed as
    /// one word or as three), or, for an ASCII word the index lacks, its spellings one edit
    /// away.
    fn term_query(&self, searcher: &Searcher, term: &str, weight: f32) -> Option<Box<dyn Query>> {
        let term = text::normalize_term(term);
        if !term.chars().any(char::is_alphanumeric) {
            return None;
        }
        let parts = text::parts(&term);
        let typo_tolerant = term.len() >= FUZZY_MIN_LEN
            && term.chars().all(|c| c.is_ascii_alphanumeric())
            && term.chars().any(|c| c.is_ascii_alphabetic());
        let mut known = false;
        let mut per_field: Vec<(Field, f32, Box<dyn Query>)> = Vec::new();
        for (tf, boost) in FIELD_BOOSTS {
            let field = self.fields.text(tf);
            let whole = Term::from_field_text(field, &term);
            known |= searcher.doc_freq(&whole).unwrap_or(0) > 0;
            let exact: Box<dyn Query> =
                Box::new(TermQuery::new(whole, IndexRecordOption::WithFreqs));
            let q: Box<dyn Query> = if parts.len() > 1 {
                let phrase = PhraseQuery::new_with_offset(
                    parts
                        .iter()
                        .map(|(at, p)| (*at, Term::from_field_text(field, p)))
                        .collect(),
                );
                // The better of the two, not their sum: both find the same occurrence.
                Box::new(DisjunctionMaxQuery::new(vec![exact, Box::new(phrase)]))
            } else {
                exact
            };
            per_field.push((field, boost, q));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost, q) in per_field {
            clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost * weight))));
            if typo_tolerant && !known {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &term), 1, true);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(fuzzy),
                        boost * weight * FUZZY_WEIGHT,
                    )),
                ));
            }
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The loose match of a text: each of its character pairs, once.
    fn grams_query(&self, text: &str, weight: f32) -> Option<Box<dyn Query>> {
        let mut seen = std::collections::HashSet::new();
        let grams: Vec<Box<dyn Query>> = text::bigrams(text)
            .into_iter()
            .filter(|p| p.text.chars().count() > 1 && seen.insert(p.text.clone()))
            .map(|p| {
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.grams, &p.text),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect();
        (!grams.is_empty()).then(|| {
            Box::new(BoostQuery::new(
                Box::new(BooleanQuery::union(grams)),
                weight,
            )) as Box<dyn Query>
        })
    }

    /// All character pairs of a word (at a low weight), or `None` for a lone character.
    fn all_pairs_query(&self, word: &str) -> Option<Box<dyn Query>> {
        let pairs: Vec<Box<dyn Query>> = text::bigrams(word)
            .into_iter()
            .filter(|p| p.text.chars().count() > 1)
            .map(|p| {
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.grams, &p.text),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect();
        (!pairs.is_empty()).then(|| {
            Box::new(BoostQuery::new(
                Box::new(BooleanQuery::intersection(pairs)),
                CHARACTER_PAIRS_WEIGHT,
            )) as Box<dyn Query>
        })
    }

    /// A user's query: every word must match, itself or through a synonym.
    fn user_text_query(&self, searcher: &Searcher, q: &str) -> Option<Box<dyn Query>> {
        let words = text::query_words(q);
        let groups: Vec<Box<dyn Query>> = words
            .iter()
            .filter_map(|w| {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                if let Some(q) = self.term_query(searcher, w, 1.0) {
                    alternatives.push((Occur::Should, q));
                }
                for s in synonyms::synonyms_of(w) {
                    if let Some(q) = self.term_query(searcher, s, SYNONYM_WEIGHT) {
                        alternatives.push((Occur::Should, q));
                    }
                }
                // The word's characters in a row, however the product's text was cut: what a
                // substring search would find, found here too.
                if let Some(q) = self.all_pairs_query(w) {
                    alternatives.push((Occur::Should, q));
                }
                (!alternatives.is_empty())
                    .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
            })
            .collect();
        if groups.is_empty() {
            return None;
        }
        Some(Box::new(BooleanQuery::intersection(groups)))
    }

    fn search(&self, pq: &ProductQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let mut clauses = self.filter_clauses(&Filter::from(pq));
        let q_text = pq.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let has_text = match q_text {
            Some(q) => match self.user_text_query(&searcher, q) {
                Some(t) => {
                    clauses.push((Occur::Must, t));
                    true
                }
                // Only punctuation: like an empty `q`.
                None => false,
            },
            None => false,
        };
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };

        // tantivy reserves room for `end` hits up front: a far page must not become a huge
        // allocation, and nothing lies beyond the last document anyway.
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let offset = usize::try_from(pq.page.offset()).unwrap_or(usize::MAX);
        let limit = usize::try_from(pq.page.per_page).unwrap_or(usize::MAX);
        let range = offset.min(docs)..offset.saturating_add(limit).min(docs);
        let by_id = by_id_order;
        let by =
            |field: &str, order: Order| (SortByStaticFastValue::<i64>::for_field(field), order);
        let (hits, total, facets): (Vec<(Option<f32>, DocAddress)>, usize, Facets) =
            match (pq.sort, has_text) {
                (ProductSort::Relevance, true) => {
                    let top = TopDocs::for_doc_range(range)
                        .order_by(((SortBySimilarityScore, Order::Desc), by_id));
                    let (found, total, facets) = collect(&searcher, &*query, top)?;
                    let hits = found.into_iter().map(|((s, _), a)| (Some(s), a)).collect();
                    (hits, total, facets)
                }
                (sort, _) => {
                    let (field, order) = match sort {
                        ProductSort::PriceAsc => (F_PILOT_PRICE, Order::Asc),
                        ProductSort::PriceDesc => (F_PILOT_PRICE, Order::Desc),
                        ProductSort::DeployDays => (F_DEPLOY_DAYS, Order::Asc),
                        // Without text, relevance means the newest first, as in the listing.
                        ProductSort::Newest | ProductSort::Relevance => (F_CREATED_AT, Order::Desc),
                    };
                    let top = TopDocs::for_doc_range(range).order_by((by(field, order), by_id));
                    let (found, total, facets) = collect(&searcher, &*query, top)?;
                    let hits = found.into_iter().map(|(_, a)| (None, a)).collect();
                    (hits, total, facets)
                }
            };
        let items = hits
            .into_iter()
            .map(|(score, at)| {
                let document = self.load(&searcher, at)?;
                Ok(SearchHit {
                    id: document.id.clone(),
                    score,
                    document,
                })
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok(SearchResults {
            page: Page::new(items, total as u64, pq.page),
            facets,
        })
    }

    fn candidates(&self, cq: &CandidateQuery) -> Result<Vec<Candidate>, SearchError> {
        if cq.limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let terms: Vec<Box<dyn Query>> = cq
            .terms
            .iter()
            .filter(|t| t.weight > 0.0)
            .filter_map(|t| self.term_query(&searcher, &t.text, t.weight))
            .collect();
        let mut terms = terms;
        for t in cq.texts.iter().filter(|t| t.weight > 0.0) {
            terms.extend(self.grams_query(&t.text, t.weight));
        }
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses = self.filter_clauses(&cq.filter);
        clauses.push((Occur::Must, Box::new(BooleanQuery::union(terms))));
        let query = BooleanQuery::new(clauses);
        // As in `search`: no more room than there are documents.
        let limit = cq
            .limit
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX))
            .max(1);
        let top = TopDocs::with_limit(limit).order_by_score();
        searcher
            .search(&query, &top)
            .map_err(engine_err)?
            .into_iter()
            .map(|(score, at)| {
                Ok(Candidate {
                    document: self.load(&searcher, at)?,
                    score,
                })
            })
            .collect()
    }
}

/// Runs `top` with the total count and the facet counts in one pass over the matches.
fn collect<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    top: C,
) -> Result<(C::Fruit, usize, Facets), SearchError> {
    let facet = |name: &str| {
        let mut c = FacetCollector::for_field(name);
        c.add_facet(Facet::root());
        c
    };
    let (found, (total, industry, stage, delivery)) = searcher
        .search(
            query,
            &(
                top,
                (Count, facet(F_INDUSTRY), facet(F_STAGE), facet(F_DELIVERY)),
            ),
        )
        .map_err(engine_err)?;
    let facets = Facets {
        industry: counts(&industry, Industry::from_code),
        stage: counts(&stage, Stage::from_code),
        delivery: counts(&delivery, Delivery::from_code),
    };
    Ok((found, total, facets))
}

fn counts<T: Ord>(
    c: &FacetCounts,
    parse: impl Fn(&str) -> Option<T>,
) -> std::collections::BTreeMap<T, u64> {
    c.get(Facet::root())
        .filter_map(|(facet, n)| {
            let path = facet.to_path();
            let code = path.first()?;
            Some((parse(code)?, n))
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_order_compares_as_the_ids_do() {
        let mut ids = vec![
            "01a20f84-e66e-744c-8413-78979898e10c",
            "01a20f84-e66e-744c-8413-78979898e10b",
            "01a20f84-e66e-744c-8413-78979898e1",
            "01a20f84-e66e-744d-0000-000000000000",
            "p1",
            "p10",
            "p2",
            "",
            "z",
        ];
        let mut by_order = ids.clone();
        ids.sort_unstable();
        by_order.sort_by_key(|id| id_order(id));
        assert_eq!(by_order, ids);
    }

    #[test]
    fn an_index_of_another_version_is_started_afresh() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("index");
        std::fs::create_dir_all(&path).expect("mkdir");
        let mut b = Schema::builder();
        let title = b.add_text_field("title", tantivy::schema::TEXT);
        let old = Index::create_in_dir(&path, b.build()).expect("old index");
        let mut w: IndexWriter = old.writer(15_000_000).expect("writer");
        w.add_document(tantivy::doc!(title => "旧版本的索引"))
            .expect("add");
        w.commit().expect("commit");
        drop(w);
        drop(old);

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let e = EmbeddedEngine::open(&path).expect("reopened afresh");
        assert_eq!(rt.block_on(e.count()).expect("count"), 0);
    }
}
