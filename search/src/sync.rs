//! Keeping an engine's index equal to the database: only listed products of vetted suppliers
//! are in it. The sync jobs call these with the ids a change touched; each call reads the
//! products as they are now, so jobs may run late, twice or out of order and still leave the
//! index right.

use crate::{ProductDocument, SearchEngine, SearchError};
use domain::entities::{product, supplier};
use domain::services::products::ProductView;
use domain::values::{ListingStatus, SupplierStatus};
use domain::xkqz::XkqzPolicy;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

/// Products read per database round trip when rebuilding.
const REBUILD_BATCH: u64 = 1000;

fn searchable(p: &product::Model, s: &supplier::Model) -> bool {
    p.status == ListingStatus::Listed && s.status == SupplierStatus::Vetted
}

fn document(p: product::Model, s: &supplier::Model, policy: &XkqzPolicy) -> ProductDocument {
    ProductDocument::from(&ProductView::new(p, s.name.clone(), policy))
}

/// Upserts or deletes each product by its current state.
async fn apply(
    engine: &dyn SearchEngine,
    rows: Vec<(product::Model, Option<supplier::Model>)>,
    missing: Vec<String>,
    policy: &XkqzPolicy,
) -> Result<(), SearchError> {
    let mut upserts = Vec::new();
    let mut deletes = missing;
    for (p, s) in rows {
        match s {
            Some(s) if searchable(&p, &s) => upserts.push(document(p, &s, policy)),
            _ => deletes.push(p.id),
        }
    }
    if !deletes.is_empty() {
        engine.delete(deletes).await?;
    }
    if !upserts.is_empty() {
        engine.upsert(upserts).await?;
    }
    Ok(())
}

/// Brings these products' index entries up to date (a product gone from the database is
/// removed).
///
/// # Errors
/// Database or engine errors.
pub async fn sync_products<C: ConnectionTrait>(
    db: &C,
    engine: &dyn SearchEngine,
    policy: &XkqzPolicy,
    ids: &[String],
) -> Result<(), SearchError> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().cloned()))
        .find_also_related(supplier::Entity)
        .all(db)
        .await?;
    let missing = ids
        .iter()
        .filter(|id| !rows.iter().any(|(p, _)| &p.id == *id))
        .cloned()
        .collect();
    apply(engine, rows, missing, policy).await
}

/// Brings every product of a supplier up to date (after suspension or reinstatement).
///
/// # Errors
/// Database or engine errors.
pub async fn sync_supplier<C: ConnectionTrait>(
    db: &C,
    engine: &dyn SearchEngine,
    policy: &XkqzPolicy,
    supplier_id: &str,
) -> Result<(), SearchError> {
    let rows = product::Entity::find()
        .filter(product::Column::SupplierId.eq(supplier_id))
        .find_also_related(supplier::Entity)
        .all(db)
        .await?;
    apply(engine, rows, Vec::new(), policy).await
}

/// Every searchable product as a document, read in batches.
///
/// # Errors
/// Database errors.
pub async fn searchable_documents<C: ConnectionTrait>(
    db: &C,
    policy: &XkqzPolicy,
) -> Result<Vec<ProductDocument>, SearchError> {
    let mut pages = product::Entity::find()
        .find_also_related(supplier::Entity)
        .filter(product::Column::Status.eq(ListingStatus::Listed))
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
        .order_by_asc(product::Column::Id)
        .paginate(db, REBUILD_BATCH);
    let mut docs = Vec::new();
    while let Some(rows) = pages.fetch_and_next().await? {
        for (p, s) in rows {
            if let Some(s) = s {
                docs.push(document(p, &s, policy));
            }
        }
    }
    Ok(docs)
}

/// How many products the index should hold.
///
/// # Errors
/// Database errors.
pub async fn searchable_count<C: ConnectionTrait>(db: &C) -> Result<u64, SearchError> {
    Ok(product::Entity::find()
        .inner_join(supplier::Entity)
        .filter(product::Column::Status.eq(ListingStatus::Listed))
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
        .count(db)
        .await?)
}

/// Rebuilds the whole index from the database (the `reindex` command). Searches see the old
/// content until the new one is complete. Returns how many products it holds.
///
/// # Errors
/// Database or engine errors.
pub async fn rebuild<C: ConnectionTrait>(
    db: &C,
    engine: &dyn SearchEngine,
    policy: &XkqzPolicy,
) -> Result<usize, SearchError> {
    let docs = searchable_documents(db, policy).await?;
    let n = docs.len();
    engine.replace_all(docs).await?;
    Ok(n)
}

/// At start-up: rebuilds an index that is empty or holds another number of products than the
/// database lists (lost, copied from elsewhere, or left behind while changes were made
/// without it). Changes made while the process was down are also in the outbox, whose sync
/// jobs run next; this catches what the outbox cannot (a deleted or foreign index).
/// Returns whether it rebuilt.
///
/// # Errors
/// Database or engine errors.
pub async fn rebuild_if_stale<C: ConnectionTrait>(
    db: &C,
    engine: &dyn SearchEngine,
    policy: &XkqzPolicy,
) -> Result<bool, SearchError> {
    let want = searchable_count(db).await?;
    let have = engine.count().await?;
    if want == have {
        return Ok(false);
    }
    tracing::info!(
        engine = engine.name(),
        indexed = have,
        listed = want,
        "search index is stale: rebuilding"
    );
    rebuild(db, engine, policy).await?;
    Ok(true)
}
