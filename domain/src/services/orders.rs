//! Orders (订单): an enterprise's purchase from one supplier, placed safely under retries
//! (`Idempotency-Key`, as Stripe does it), and the supplier's workflow
//! placed → accepted → contracted → completed (see `orders_lifecycle`).
//!
//! Who sees what: the ordering enterprise its own orders, the supplier the orders addressed to
//! it, organisers all; everyone else is told the order does not exist (404).

use super::products::MAX_PRICE_FEN;
use super::{Actor, Page, PageRequest, bundles};
use crate::entities::order::{Contract, ContractPriceLine};
use crate::entities::{
    enterprise, idempotency_key, order, order_item, order_status_change, product, supplier,
};
use crate::error::{Checker, DomainError, DomainResult};
use crate::jobs::{self, Mail};
use crate::new_id;
use crate::orders_lifecycle::{OrderAction, OrderParty, OrderStatus};
use crate::values::{ListingStatus, Role, SupplierStatus};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, RuntimeErr, Set, SqlErr, SqliteTransactionMode, TransactionOptions,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

/// Lines per order: a cart, not a catalogue.
pub const MAX_ITEMS: usize = 50;
pub const MAX_QUANTITY: i64 = 1000;
/// Longest `Idempotency-Key` accepted (Stripe's limit).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// How long a key is remembered; after that the same key places a new order.
pub const IDEMPOTENCY_KEY_TTL_HOURS: i64 = 24;
/// Conflict code: the key was already used with another request body (the API answers 422).
pub const KEY_REUSED: &str = "idempotency_key_reused";
/// Conflict code: another request with the key is still being processed (409; retry later).
pub const KEY_IN_USE: &str = "idempotency_key_in_use";

const MAX_REF_LEN: usize = 64;
const MAX_NOTE_LEN: usize = 1000;
const MAX_REASON_LEN: usize = 1000;
const MAX_CONTRACT_TEXT_LEN: usize = 5000;
const MAX_PRICE_LINES: usize = 50;
const MAX_PRICE_ITEM_LEN: usize = 100;

// ---------------------------------------------------------------------------------------------
// Requests

/// One line of a new order: a listed product or bundle, and how many.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderItem {
    /// A listed product; give either this or `bundle_id`.
    #[serde(default)]
    pub product_id: Option<String>,
    /// A listed bundle; give either this or `product_id`.
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// 1–1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// An order as an enterprise member places it. Prices, supplier and status are not fields:
/// the prices are taken from the catalogue, the supplier from the items.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// 1–50 lines, all from one supplier.
    pub items: Vec<NewOrderItem>,
    /// The enterprise's own need this order answers (422 when it is not one of the
    /// enterprise's needs).
    #[serde(default)]
    pub need_id: Option<String>,
    /// A message to the supplier, up to 1000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// A client's `Idempotency-Key`: 1–255 characters, opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// # Errors
    /// A message when the key is blank or longer than 255 characters.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            Err("Idempotency-Key 不能为空".into())
        } else if raw.chars().count() > MAX_IDEMPOTENCY_KEY_LEN {
            Err(format!(
                "Idempotency-Key 不能超过 {MAX_IDEMPOTENCY_KEY_LEN} 个字符"
            ))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of the contract's price: what is paid for, and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceLine {
    /// What the amount is for, e.g. `MES 软件订阅（一年）`; 1–100 characters.
    pub item: String,
    /// Integer fen, 0 ≤ amount ≤ 10^12.
    pub amount_fen: i64,
}

/// What the work plan requires a transformation contract to state. The order's products with
/// their unit prices are already on the order; `price_details` is the contract's own price
/// breakdown (it may add services such as implementation or training) and need not equal the
/// order's `total_fen`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractTerms {
    /// 双方责任: what each party undertakes; 1–5000 characters.
    pub responsibilities: String,
    /// 转型措施: the measures carried out; 1–5000 characters.
    pub measures: String,
    /// First day of the work, `YYYY-MM-DD`.
    #[schema(format = Date, example = "2026-01-05")]
    pub start_date: String,
    /// Last day of the work, `YYYY-MM-DD`, after `start_date`.
    #[schema(format = Date, example = "2026-06-30")]
    pub end_date: String,
    /// 预期目标: the measurable targets; 1–5000 characters.
    pub targets: String,
    /// 1–50 price lines.
    pub price_details: Vec<PriceLine>,
}

/// Which orders first in a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    #[default]
    Newest,
    Oldest,
}

impl OrderSort {
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "newest" => Some(Self::Newest),
            "oldest" => Some(Self::Oldest),
            _ => None,
        }
    }

    #[must_use]
    pub const fn codes() -> &'static [&'static str] {
        &["newest", "oldest"]
    }
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub sort: OrderSort,
}

// ---------------------------------------------------------------------------------------------
// Views

/// A line of an order, with the unit price it had when ordered.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderItemView {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// The product's or bundle's name when ordered.
    pub name: String,
    pub quantity: i32,
    /// The product's pilot price, or the bundle's price, when ordered.
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

/// The recorded contents of the transformation contract.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderContract {
    pub responsibilities: String,
    pub measures: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub targets: String,
    pub price_details: Vec<PriceLine>,
    /// Sum of `price_details`.
    pub price_total_fen: i64,
    pub recorded_at: DateTime<Utc>,
}

/// When an order reached a status.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderStep {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
}

/// The contract's view of an order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub supplier_id: String,
    pub supplier_name: String,
    pub status: OrderStatus,
    pub items: Vec<OrderItemView>,
    pub total_fen: i64,
    pub need_id: Option<String>,
    pub note: Option<String>,
    pub reject_reason: Option<String>,
    pub contract: Option<OrderContract>,
    /// Every status the order has reached, oldest first, `placed` (at `created_at`) first.
    pub history: Vec<OrderStep>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An order with its lines and the names of both parties.
#[derive(Debug, Clone)]
pub struct OrderFull {
    pub order: order::Model,
    pub items: Vec<order_item::Model>,
    pub enterprise_name: String,
    pub supplier_name: String,
    /// The moves after placing, oldest first.
    pub history: Vec<order_status_change::Model>,
}

impl From<Contract> for OrderContract {
    fn from(c: Contract) -> Self {
        Self {
            responsibilities: c.responsibilities,
            measures: c.measures,
            start_date: c.start_date,
            end_date: c.end_date,
            targets: c.targets,
            price_details: c
                .price_details
                .into_iter()
                .map(|l| PriceLine {
                    item: l.item,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            price_total_fen: c.price_total_fen,
            recorded_at: c.recorded_at,
        }
    }
}

impl From<OrderFull> for OrderView {
    fn from(f: OrderFull) -> Self {
        let o = f.order;
        Self {
            id: o.id,
            enterprise_id: o.enterprise_id,
            enterprise_name: f.enterprise_name,
            supplier_id: o.supplier_id,
            supplier_name: f.supplier_name,
            status: o.status,
            items: f
                .items
                .into_iter()
                .map(|i| OrderItemView {
                    product_id: i.product_id,
                    bundle_id: i.bundle_id,
                    name: i.name,
                    quantity: i.quantity,
                    unit_price_fen: i.unit_price_fen,
                    line_total_fen: i.line_total_fen,
                })
                .collect(),
            total_fen: o.total_fen,
            need_id: o.need_id,
            note: o.note,
            reject_reason: o.reject_reason,
            contract: o.contract.map(OrderContract::from),
            history: std::iter::once(OrderStep {
                status: OrderStatus::Placed,
                at: o.created_at,
            })
            .chain(f.history.into_iter().map(|c| OrderStep {
                status: c.status,
                at: c.changed_at,
            }))
            .collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// The answer to placing an order: the order, the status the first answer had, and whether
/// this is a replay of it.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order: OrderFull,
    pub status: u16,
    pub replayed: bool,
}

// ---------------------------------------------------------------------------------------------
// Checking a new order

#[derive(Debug, Clone, PartialEq, Eq)]
enum ItemRef {
    Product(String),
    Bundle(String),
}

struct CheckedItem {
    /// The field errors about this item name: `items[i].product_id` or `items[i].bundle_id`.
    field: String,
    quantity_field: String,
    item: ItemRef,
    quantity: i32,
}

struct CheckedOrder {
    items: Vec<CheckedItem>,
    need_id: Option<String>,
    note: Option<String>,
}

/// A line priced from the catalogue.
struct Line {
    item: ItemRef,
    name: String,
    quantity: i32,
    unit_price_fen: i64,
    line_total_fen: i64,
}

struct Priced {
    supplier_id: String,
    supplier_name: String,
    lines: Vec<Line>,
    total_fen: i64,
}

/// An optional text: trimmed, blank means absent, at most `max` characters.
fn optional_text(c: &mut Checker, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    let v = c.text(field, v.unwrap_or_default(), 0, max);
    (!v.is_empty()).then_some(v)
}

impl NewOrder {
    /// SHA-256 of the body as parsed. Hashing the typed value rather than the bytes makes a
    /// retry that differs only in whitespace or key order count as the same request.
    fn fingerprint(&self) -> DomainResult<String> {
        let bytes = serde_json::to_vec(self).map_err(|e| DomainError::Internal(e.to_string()))?;
        Ok(hex::encode(Sha256::digest(&bytes)))
    }

    /// Everything that can be checked without the database.
    fn check(&self) -> DomainResult<CheckedOrder> {
        let mut c = Checker::new();
        if self.items.is_empty() {
            c.fail("items", "至少订购 1 项");
        } else if self.items.len() > MAX_ITEMS {
            c.fail("items", format!("一个订单最多 {MAX_ITEMS} 项"));
        }
        let mut items: Vec<CheckedItem> = Vec::with_capacity(self.items.len().min(MAX_ITEMS));
        for (i, it) in self.items.iter().enumerate().take(MAX_ITEMS) {
            let quantity_field = format!("items[{i}].quantity");
            let quantity = c.range(&quantity_field, it.quantity, 1, MAX_QUANTITY);
            let (field, item) = match (&it.product_id, &it.bundle_id) {
                (Some(p), None) => {
                    let field = format!("items[{i}].product_id");
                    let id = c.text(&field, p, 1, MAX_REF_LEN);
                    (field, ItemRef::Product(id))
                }
                (None, Some(b)) => {
                    let field = format!("items[{i}].bundle_id");
                    let id = c.text(&field, b, 1, MAX_REF_LEN);
                    (field, ItemRef::Bundle(id))
                }
                (Some(_), Some(_)) => {
                    c.fail(
                        &format!("items[{i}].bundle_id"),
                        "product_id 与 bundle_id 只能填写一个",
                    );
                    continue;
                }
                (None, None) => {
                    c.fail(
                        &format!("items[{i}].product_id"),
                        "须填写 product_id 或 bundle_id",
                    );
                    continue;
                }
            };
            // One line per product keeps the order readable; the quantity says how many.
            if items.iter().any(|seen| seen.item == item) {
                c.fail(&field, "重复的项目，请合并为一项并调整数量");
                continue;
            }
            items.push(CheckedItem {
                field,
                quantity_field,
                item,
                quantity: i32::try_from(quantity).unwrap_or(1),
            });
        }
        let need_id = optional_text(&mut c, "need_id", self.need_id.as_deref(), MAX_REF_LEN);
        let note = optional_text(&mut c, "note", self.note.as_deref(), MAX_NOTE_LEN);
        c.finish()?;
        Ok(CheckedOrder {
            items,
            need_id,
            note,
        })
    }
}

/// Prices the lines from the catalogue as it is now: every item must be a listed product or
/// bundle of a vetted supplier, and all of one supplier.
async fn price<C: ConnectionTrait>(db: &C, items: &[CheckedItem]) -> DomainResult<Priced> {
    let product_ids: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.item {
            ItemRef::Product(id) => Some(id.clone()),
            ItemRef::Bundle(_) => None,
        })
        .collect();
    let products: HashMap<String, (product::Model, Option<supplier::Model>)> =
        if product_ids.is_empty() {
            HashMap::new()
        } else {
            product::Entity::find()
                .filter(product::Column::Id.is_in(product_ids))
                .find_also_related(supplier::Entity)
                .all(db)
                .await?
                .into_iter()
                .map(|(p, s)| (p.id.clone(), (p, s)))
                .collect()
        };

    let mut c = Checker::new();
    let mut seller: Option<(String, String)> = None;
    let mut lines = Vec::with_capacity(items.len());
    let mut total: Option<i64> = Some(0);
    for it in items {
        let found = match &it.item {
            ItemRef::Product(id) => match products.get(id) {
                Some((p, Some(s)))
                    if p.status == ListingStatus::Listed && s.status == SupplierStatus::Vetted =>
                {
                    Some((
                        p.supplier_id.clone(),
                        s.name.clone(),
                        p.name.clone(),
                        p.pilot_price_fen,
                    ))
                }
                Some((p, _)) if p.status == ListingStatus::Listed => {
                    c.fail(&it.field, "该产品的服务商当前不可接单");
                    None
                }
                _ => {
                    c.fail(&it.field, "产品不存在或未上架");
                    None
                }
            },
            // An anonymous read is exactly the public check: listed, seller vetted, every
            // product in it listed by a vetted supplier.
            ItemRef::Bundle(id) => match bundles::get(db, None, id).await {
                Ok(b) => Some((
                    b.bundle.supplier_id,
                    b.supplier_name,
                    b.bundle.name,
                    b.bundle.price_fen,
                )),
                Err(DomainError::NotFound(_)) => {
                    c.fail(&it.field, "组合方案包不存在或未上架");
                    None
                }
                Err(e) => return Err(e),
            },
        };
        let Some((supplier_id, supplier_name, name, unit_price_fen)) = found else {
            continue;
        };
        match &seller {
            None => seller = Some((supplier_id, supplier_name)),
            Some((s, _)) if *s != supplier_id => {
                c.fail(
                    &it.field,
                    "一个订单只能包含同一服务商的产品或方案包，请分开下单",
                );
                continue;
            }
            Some(_) => {}
        }
        // Fen are exact integers; an overflow is refused rather than wrapped or saturated.
        let Some(line_total_fen) = unit_price_fen.checked_mul(i64::from(it.quantity)) else {
            c.fail(&it.quantity_field, "金额超出上限");
            continue;
        };
        total = total.and_then(|t| t.checked_add(line_total_fen));
        lines.push(Line {
            item: it.item.clone(),
            name,
            quantity: it.quantity,
            unit_price_fen,
            line_total_fen,
        });
    }
    if total.is_none() {
        c.fail("items", "订单总额超出上限");
    }
    c.finish()?;
    match (seller, total) {
        (Some((supplier_id, supplier_name)), Some(total_fen)) => Ok(Priced {
            supplier_id,
            supplier_name,
            lines,
            total_fen,
        }),
        // `finish` has already refused an order without a valid item.
        _ => Err(DomainError::field("items", "至少订购 1 项")),
    }
}

// ---------------------------------------------------------------------------------------------
// Placing an order

/// The enterprise an actor orders for: enterprise members only.
fn ordering_enterprise(actor: &Actor) -> DomainResult<String> {
    match (actor.role, &actor.organisation_id) {
        (Role::Enterprise, Some(id)) => Ok(id.clone()),
        _ => Err(DomainError::Forbidden),
    }
}

/// What is recorded for a user's key.
enum Stored {
    Nothing,
    /// Used more than 24 hours ago: forgotten, free for a new order.
    Expired,
    Live(idempotency_key::Model),
}

async fn stored_key<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: &IdempotencyKey,
) -> DomainResult<Stored> {
    let found =
        idempotency_key::Entity::find_by_id((actor.user_id.clone(), key.as_str().to_owned()))
            .one(db)
            .await?;
    Ok(match found {
        None => Stored::Nothing,
        Some(k) if k.created_at < key_cutoff() => Stored::Expired,
        Some(k) => Stored::Live(k),
    })
}

/// The stored answer for `key`, if it was used within the last 24 hours: the order (as it is
/// now) with the first answer's status, or a `KEY_REUSED` conflict for another body.
async fn replay<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: &IdempotencyKey,
    fingerprint: &str,
) -> DomainResult<Option<Placed>> {
    match stored_key(db, actor, key).await? {
        Stored::Live(stored) => answer(db, &stored, fingerprint).await.map(Some),
        Stored::Nothing | Stored::Expired => Ok(None),
    }
}

/// The first answer again for a live record, or `KEY_REUSED` if the body differs.
async fn answer<C: ConnectionTrait>(
    db: &C,
    stored: &idempotency_key::Model,
    fingerprint: &str,
) -> DomainResult<Placed> {
    if stored.request_hash != fingerprint {
        return Err(DomainError::conflict(
            KEY_REUSED,
            "该 Idempotency-Key 已用于另一个不同的请求，请为新订单使用新的 Idempotency-Key",
        ));
    }
    let order = load(db, &stored.order_id).await?;
    let status = u16::try_from(stored.status_code)
        .map_err(|_| DomainError::Internal("stored status code out of range".into()))?;
    Ok(Placed {
        order,
        status,
        replayed: true,
    })
}

/// Expired keys are deleted in bulk once when a process places its first order and then once
/// every `SWEEP_EVERY` orders, outside any order's transaction. (Sweeping the user's expired
/// keys inside every order, as before, read every key the user had: with no index on
/// `created_at` that grew with the user's orders and dominated the cost of placing one.)
const SWEEP_EVERY: u64 = 1000;
static PLACED_HERE: AtomicU64 = AtomicU64::new(0);

/// Deletes every expired key. Best effort: a failure is logged and left for the next sweep.
async fn sweep_expired_keys<C: ConnectionTrait>(db: &C) {
    let swept = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(key_cutoff()))
        .exec(db)
        .await;
    match swept {
        Ok(done) => tracing::debug!(deleted = done.rows_affected, "expired idempotency keys"),
        Err(e) => tracing::warn!(error = %e, "sweeping expired idempotency keys failed"),
    }
}

fn key_cutoff() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::hours(IDEMPOTENCY_KEY_TTL_HOURS)
}

/// Whether a database error means another transaction got in the way: a unique violation on
/// the key (PostgreSQL reports it once the other transaction commits), SQLite's BUSY/LOCKED
/// (the busy timeout ran out), or PostgreSQL's serialization failure/deadlock.
fn is_contention(e: &DbErr) -> bool {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    let (DbErr::Exec(RuntimeErr::SqlxError(err))
    | DbErr::Query(RuntimeErr::SqlxError(err))
    | DbErr::Conn(RuntimeErr::SqlxError(err))) = e
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(db_err) = err.as_ref() else {
        return false;
    };
    let code = db_err.code().unwrap_or_default();
    if db_err
        .try_downcast_ref::<sea_orm::SqlxSqliteError>()
        .is_some()
    {
        // Extended result codes keep the primary code in the low byte: 5 BUSY, 6 LOCKED.
        code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
    } else {
        matches!(code.as_ref(), "40001" | "40P01")
    }
}

/// Places an order for the actor's enterprise, once per `Idempotency-Key`: a retry with the
/// same key and body within 24 hours returns the same order and `status` again (`replayed`);
/// the same key with another body is a `KEY_REUSED` conflict. Unit prices are the pilot prices
/// (bundles: the bundle price) at this moment. `status` is the answer's status, stored for
/// retries.
///
/// # Errors
/// 403 unless an enterprise member; 422 naming the field for bad items (unlisted, of another
/// supplier, bad quantity); `KEY_REUSED`; `KEY_IN_USE` when a concurrent request with the key
/// has not finished (retry shortly).
pub async fn place<D>(
    db: &D,
    actor: &Actor,
    key: &IdempotencyKey,
    input: &NewOrder,
    status: u16,
) -> DomainResult<Placed>
where
    D: ConnectionTrait + TransactionTrait,
{
    let enterprise_id = ordering_enterprise(actor)?;
    let fingerprint = input.fingerprint()?;
    // A retry is answered from the record even if the catalogue has changed since, and before
    // the body is checked (the transaction below looks the key up first, too). On SQLite it is
    // answered here, before BEGIN IMMEDIATE, so that retries do not queue for the write lock;
    // PostgreSQL needs no such look-up, one round trip fewer for every new order.
    if db.get_database_backend() == DbBackend::Sqlite
        && let Some(done) = replay(db, actor, key, &fingerprint).await?
    {
        return Ok(done);
    }
    let attempt = place_once(db, actor, &enterprise_id, key, &fingerprint, input, status).await;
    if matches!(&attempt, Ok(p) if !p.replayed)
        && PLACED_HERE
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY)
    {
        sweep_expired_keys(db).await;
    }
    match attempt {
        Err(DomainError::Database(e)) if is_contention(&e) => {
            // Another request with this key won the race; its answer is ours once committed.
            tracing::debug!(error = %e, "idempotency key contention");
            replay(db, actor, key, &fingerprint).await?.ok_or_else(|| {
                DomainError::conflict(
                    KEY_IN_USE,
                    "使用同一 Idempotency-Key 的请求正在处理中，请稍后重试",
                )
            })
        }
        other => other,
    }
}

async fn place_once<D>(
    db: &D,
    actor: &Actor,
    enterprise_id: &str,
    key: &IdempotencyKey,
    fingerprint: &str,
    input: &NewOrder,
    status: u16,
) -> DomainResult<Placed>
where
    D: ConnectionTrait + TransactionTrait,
{
    // On SQLite, BEGIN IMMEDIATE takes the write lock up front, so concurrent requests queue on
    // the busy timeout and each then sees what the one before committed. (A deferred transaction
    // that reads first could not upgrade to a writer after another commit: SQLITE_BUSY.)
    // PostgreSQL ignores the mode; there the primary key of `idempotency_keys` decides.
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    match stored_key(&txn, actor, key).await? {
        Stored::Live(stored) => {
            let done = answer(&txn, &stored, fingerprint).await?;
            txn.commit().await?;
            return Ok(done);
        }
        // Keys are kept 24 hours; an older record of this key gives way to the new order.
        Stored::Expired => {
            idempotency_key::Entity::delete_by_id((actor.user_id.clone(), key.as_str().to_owned()))
                .exec(&txn)
                .await?;
        }
        Stored::Nothing => {}
    }
    let checked = input.check()?;
    if let Some(need_id) = &checked.need_id {
        super::needs::check_reference(&txn, enterprise_id, need_id).await?;
    }
    let priced = price(&txn, &checked.items).await?;
    // Microseconds, as PostgreSQL keeps them: the answer built here then equals the order read
    // back later.
    let now = Utc::now().trunc_subsecs(6);
    let id = new_id();
    let placed = order::Model {
        id: id.clone(),
        enterprise_id: enterprise_id.to_owned(),
        supplier_id: priced.supplier_id.clone(),
        placed_by: actor.user_id.clone(),
        status: OrderStatus::Placed,
        total_fen: priced.total_fen,
        need_id: checked.need_id.clone(),
        note: checked.note.clone(),
        reject_reason: None,
        contract: None,
        created_at: now,
        updated_at: now,
    };
    let items: Vec<order_item::Model> = priced
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let (product_id, bundle_id) = match l.item {
                ItemRef::Product(p) => (Some(p), None),
                ItemRef::Bundle(b) => (None, Some(b)),
            };
            order_item::Model {
                order_id: id.clone(),
                position: i32::try_from(i).unwrap_or(i32::MAX),
                product_id,
                bundle_id,
                name: l.name,
                quantity: l.quantity,
                unit_price_fen: l.unit_price_fen,
                line_total_fen: l.line_total_fen,
            }
        })
        .collect();
    // `reset_all` marks every column of the built model as set, so all of them are inserted.
    use sea_orm::ActiveModelTrait;
    order::Entity::insert(order::ActiveModel::from(placed.clone()).reset_all())
        .exec_without_returning(&txn)
        .await?;
    order_item::Entity::insert_many(
        items
            .iter()
            .map(|i| order_item::ActiveModel::from(i.clone()).reset_all()),
    )
    .exec_without_returning(&txn)
    .await?;
    jobs::mail_members(
        &txn,
        &priced.supplier_id,
        &id,
        Mail::OrderPlaced {
            order_id: id.clone(),
        },
    )
    .await?;
    // Last, so that on PostgreSQL a concurrent request with the same key waits here on the
    // primary key and then fails with a unique violation once this one commits.
    idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        user_id: Set(actor.user_id.clone()),
        key: Set(key.as_str().to_owned()),
        request_hash: Set(fingerprint.to_owned()),
        order_id: Set(id.clone()),
        status_code: Set(i32::from(status)),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    // The answer is built from what was just written rather than read back.
    let enterprise_name = enterprise::Entity::find_by_id(enterprise_id.to_owned())
        .select_only()
        .column(enterprise::Column::Name)
        .into_tuple::<String>()
        .one(&txn)
        .await?
        .unwrap_or_default();
    txn.commit().await?;
    Ok(Placed {
        order: OrderFull {
            order: placed,
            items,
            enterprise_name,
            supplier_name: priced.supplier_name,
            history: Vec::new(),
        },
        status,
        replayed: false,
    })
}

pub use super::begin_write;

// ---------------------------------------------------------------------------------------------
// Reading

/// Loads orders with their lines and the names of both parties, keeping their order.
///
/// # Errors
/// Database errors only.
pub async fn with_details<C: ConnectionTrait>(
    db: &C,
    orders: Vec<order::Model>,
) -> DomainResult<Vec<OrderFull>> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    let mut history: HashMap<String, Vec<order_status_change::Model>> = HashMap::new();
    for change in order_status_change::Entity::find()
        .filter(order_status_change::Column::OrderId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        history
            .entry(change.order_id.clone())
            .or_default()
            .push(change);
    }
    // In the workflow's order, which has no loops: exact, where replicas' clocks may differ.
    for steps in history.values_mut() {
        steps.sort_by_key(|c| c.status.step());
    }
    let mut items: HashMap<String, Vec<order_item::Model>> = HashMap::new();
    for item in order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids))
        .order_by_asc(order_item::Column::OrderId)
        .order_by_asc(order_item::Column::Position)
        .all(db)
        .await?
    {
        items.entry(item.order_id.clone()).or_default().push(item);
    }
    let enterprise_ids: Vec<String> = orders.iter().map(|o| o.enterprise_id.clone()).collect();
    let enterprise_names: HashMap<String, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(enterprise_ids))
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::Name)
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let supplier_ids: Vec<String> = orders.iter().map(|o| o.supplier_id.clone()).collect();
    let supplier_names: HashMap<String, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(supplier_ids))
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::Name)
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(orders
        .into_iter()
        .map(|order| OrderFull {
            items: items.remove(&order.id).unwrap_or_default(),
            history: history.remove(&order.id).unwrap_or_default(),
            enterprise_name: enterprise_names
                .get(&order.enterprise_id)
                .cloned()
                .unwrap_or_default(),
            supplier_name: supplier_names
                .get(&order.supplier_id)
                .cloned()
                .unwrap_or_default(),
            order,
        })
        .collect())
}

async fn load<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<OrderFull> {
    let o = order::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("order"))?;
    with_details(db, vec![o])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("order"))
}

/// Whether `actor` may see `o`: its enterprise, its supplier, organisers.
fn sees(actor: &Actor, o: &order::Model) -> bool {
    actor.is_organiser()
        || actor.is_enterprise_member(&o.enterprise_id)
        || actor.is_supplier_member(&o.supplier_id)
}

async fn visible<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<order::Model> {
    order::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|o| sees(actor, o))
        .ok_or(DomainError::NotFound("order"))
}

/// # Errors
/// 404 when missing or not the actor's to see.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: &str) -> DomainResult<OrderFull> {
    let o = visible(db, actor, id).await?;
    with_details(db, vec![o])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("order"))
}

/// The orders the actor may see (organisers: all; reviewers: none), filtered and paginated.
///
/// # Errors
/// Database errors only.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: OrderFilter,
    page: PageRequest,
) -> DomainResult<Page<OrderFull>> {
    use sea_orm::PaginatorTrait;
    let mut q = order::Entity::find();
    if !actor.is_organiser() {
        q = match (actor.role, &actor.organisation_id) {
            (Role::Enterprise, Some(id)) => q.filter(order::Column::EnterpriseId.eq(id.clone())),
            (Role::Supplier, Some(id)) => q.filter(order::Column::SupplierId.eq(id.clone())),
            _ => return Ok(Page::new(Vec::new(), 0, page)),
        };
    }
    if let Some(s) = filter.status {
        q = q.filter(order::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    // Ids are UUID v7 (time-ordered), so they break ties between orders of the same instant.
    let q = match filter.sort {
        OrderSort::Newest => q
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id),
        OrderSort::Oldest => q
            .order_by_asc(order::Column::CreatedAt)
            .order_by_asc(order::Column::Id),
    };
    let rows = q.offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(Page::new(with_details(db, rows).await?, total, page))
}

// ---------------------------------------------------------------------------------------------
// The workflow

/// Loads an order for `action`: 404 unless the actor sees it, 403 unless the actor is of the
/// party that takes this action, 409 unless the status allows it. Returns it with the status
/// it moves to.
async fn for_action<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    action: OrderAction,
) -> DomainResult<(order::Model, OrderStatus)> {
    let o = visible(db, actor, id).await?;
    let allowed = match action.party() {
        OrderParty::Supplier => actor.is_supplier_member(&o.supplier_id),
        OrderParty::Enterprise => actor.is_enterprise_member(&o.enterprise_id),
    };
    if !allowed {
        return Err(DomainError::Forbidden);
    }
    let next = o.status.transition(action)?;
    Ok((o, next))
}

/// Moves `current` to `next` with `changes`, but only if its status is still the one read:
/// of two racing moves (say accept and cancel) exactly one wins and the other is a 409.
/// Who hears of a move: the other side of the order.
enum Party {
    Enterprise,
    Supplier,
}

/// Tells the members of `party` about `order`, in the transaction of the move.
async fn notify<C: ConnectionTrait>(
    db: &C,
    order: &OrderFull,
    party: Party,
    mail: Mail,
) -> DomainResult<()> {
    let org = match party {
        Party::Enterprise => &order.order.enterprise_id,
        Party::Supplier => &order.order.supplier_id,
    };
    jobs::mail_members(db, org, &order.order.id, mail).await
}

async fn save<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    current: &order::Model,
    next: OrderStatus,
    mut changes: order::ActiveModel,
) -> DomainResult<OrderFull> {
    // Microseconds, as PostgreSQL keeps them (see `place_once`).
    let now = Utc::now().trunc_subsecs(6);
    changes.status = Set(next);
    changes.updated_at = Set(now);
    let done = order::Entity::update_many()
        .set(changes)
        .filter(order::Column::Id.eq(current.id.clone()))
        .filter(order::Column::Status.eq(current.status))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(DomainError::conflict(
            "invalid_state",
            "订单状态已被更改，请刷新后重试",
        ));
    }
    order_status_change::Entity::insert(order_status_change::ActiveModel {
        order_id: Set(current.id.clone()),
        status: Set(next),
        changed_by: Set(Some(actor.user_id.clone())),
        changed_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    load(db, &current.id).await
}

/// The supplier accepts a placed order.
///
/// # Errors
/// 404 unseen, 403 unless the addressed supplier's member, 409 unless placed.
pub async fn accept<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<OrderFull> {
    let (current, next) = for_action(db, actor, id, OrderAction::Accept).await?;
    let order = save(db, actor, &current, next, order::ActiveModel::default()).await?;
    notify(
        db,
        &order,
        Party::Enterprise,
        Mail::OrderAccepted {
            order_id: order.order.id.clone(),
        },
    )
    .await?;
    Ok(order)
}

/// The supplier turns down a placed order, saying why.
///
/// # Errors
/// 404/403 as for `accept`, 409 unless placed, 422 naming `reason` when blank or too long.
pub async fn reject<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    reason: &str,
) -> DomainResult<OrderFull> {
    let (current, next) = for_action(db, actor, id, OrderAction::Reject).await?;
    let mut c = Checker::new();
    let reason = c.text("reason", reason, 1, MAX_REASON_LEN);
    c.finish()?;
    let changes = order::ActiveModel {
        reject_reason: Set(Some(reason)),
        ..Default::default()
    };
    let order = save(db, actor, &current, next, changes).await?;
    notify(
        db,
        &order,
        Party::Enterprise,
        Mail::OrderRejected {
            order_id: order.order.id.clone(),
        },
    )
    .await?;
    Ok(order)
}

/// A `YYYY-MM-DD` date, exactly.
fn date(c: &mut Checker, field: &str, v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    let parsed = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == v);
    if parsed.is_none() {
        c.fail(field, "日期格式应为 YYYY-MM-DD");
    }
    parsed
}

impl ContractTerms {
    fn check(self, actor: &Actor) -> DomainResult<Contract> {
        let mut c = Checker::new();
        let responsibilities = c.text(
            "responsibilities",
            &self.responsibilities,
            1,
            MAX_CONTRACT_TEXT_LEN,
        );
        let measures = c.text("measures", &self.measures, 1, MAX_CONTRACT_TEXT_LEN);
        let targets = c.text("targets", &self.targets, 1, MAX_CONTRACT_TEXT_LEN);
        let start = date(&mut c, "start_date", &self.start_date);
        let end = date(&mut c, "end_date", &self.end_date);
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            c.fail("end_date", "结束日期须晚于开始日期");
        }
        if self.price_details.is_empty() {
            c.fail("price_details", "至少填写 1 项费用");
        } else if self.price_details.len() > MAX_PRICE_LINES {
            c.fail("price_details", format!("最多 {MAX_PRICE_LINES} 项"));
        }
        let mut lines = Vec::with_capacity(self.price_details.len());
        let mut total: Option<i64> = Some(0);
        for (i, l) in self.price_details.iter().enumerate().take(MAX_PRICE_LINES) {
            let item = c.text(
                &format!("price_details[{i}].item"),
                &l.item,
                1,
                MAX_PRICE_ITEM_LEN,
            );
            let amount_fen = c.range(
                &format!("price_details[{i}].amount_fen"),
                l.amount_fen,
                0,
                MAX_PRICE_FEN,
            );
            total = total.and_then(|t| t.checked_add(amount_fen));
            lines.push(ContractPriceLine { item, amount_fen });
        }
        if total.is_none() {
            c.fail("price_details", "金额合计超出上限");
        }
        c.finish()?;
        match (start, end, total) {
            (Some(start_date), Some(end_date), Some(price_total_fen)) => Ok(Contract {
                responsibilities,
                measures,
                start_date,
                end_date,
                targets,
                price_details: lines,
                price_total_fen,
                recorded_by: actor.user_id.clone(),
                recorded_at: Utc::now(),
            }),
            // `finish` has refused bad dates and totals already.
            _ => Err(DomainError::field("start_date", "日期格式应为 YYYY-MM-DD")),
        }
    }
}

/// The supplier records the transformation contract of an accepted order.
///
/// # Errors
/// 404/403 as for `accept`, 409 unless accepted, 422 naming the field of bad terms.
pub async fn contract<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    terms: ContractTerms,
) -> DomainResult<OrderFull> {
    let (current, next) = for_action(db, actor, id, OrderAction::Contract).await?;
    let contract = terms.check(actor)?;
    let changes = order::ActiveModel {
        contract: Set(Some(contract)),
        ..Default::default()
    };
    let order = save(db, actor, &current, next, changes).await?;
    notify(
        db,
        &order,
        Party::Enterprise,
        Mail::OrderContracted {
            order_id: order.order.id.clone(),
        },
    )
    .await?;
    Ok(order)
}

/// The supplier marks a contracted order's work as done.
///
/// # Errors
/// 404/403 as for `accept`, 409 unless contracted.
pub async fn complete<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<OrderFull> {
    let (current, next) = for_action(db, actor, id, OrderAction::Complete).await?;
    let order = save(db, actor, &current, next, order::ActiveModel::default()).await?;
    notify(
        db,
        &order,
        Party::Enterprise,
        Mail::OrderCompleted {
            order_id: order.order.id.clone(),
        },
    )
    .await?;
    Ok(order)
}

/// The ordering enterprise withdraws a placed or accepted order.
///
/// # Errors
/// 404 unseen, 403 unless the ordering enterprise's member, 409 unless placed or accepted.
pub async fn cancel<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<OrderFull> {
    let (current, next) = for_action(db, actor, id, OrderAction::Cancel).await?;
    let order = save(db, actor, &current, next, order::ActiveModel::default()).await?;
    notify(
        db,
        &order,
        Party::Supplier,
        Mail::OrderCancelled {
            order_id: order.order.id.clone(),
        },
    )
    .await?;
    Ok(order)
}

// ---------------------------------------------------------------------------------------------
// Programme figures

/// Order figures for `/stats`.
#[derive(Debug, Clone, Default)]
pub struct OrderFigures {
    /// Every status, 0 when none.
    pub by_status: BTreeMap<String, u64>,
    /// Keyed by the ordering enterprise's industry.
    pub by_industry: BTreeMap<String, u64>,
    /// Sum of `total_fen` of contracted and completed orders.
    pub contracted_value_fen: i64,
}

/// # Errors
/// Database errors only.
pub async fn figures<C: ConnectionTrait>(db: &C) -> DomainResult<OrderFigures> {
    let mut by_status: BTreeMap<String, u64> = OrderStatus::ALL
        .iter()
        .map(|s| (s.code().to_owned(), 0))
        .collect();
    let per_status: Vec<(String, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(Expr::col((order::Entity, order::Column::Id)).count(), "n")
        .group_by(order::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (status, n) in per_status {
        by_status.insert(status, n.unsigned_abs());
    }

    let per_industry: Vec<(String, i64)> = order::Entity::find()
        .join(JoinType::InnerJoin, order::Relation::Enterprise.def())
        .select_only()
        .column(enterprise::Column::Industry)
        .column_as(Expr::col((order::Entity, order::Column::Id)).count(), "n")
        .group_by(enterprise::Column::Industry)
        .into_tuple()
        .all(db)
        .await?;
    let by_industry = per_industry
        .into_iter()
        .map(|(industry, n)| (industry, n.unsigned_abs()))
        .collect();

    // PostgreSQL sums BIGINT as NUMERIC; the cast brings it back to a 64-bit integer.
    let value: Option<Option<i64>> = order::Entity::find()
        .filter(order::Column::Status.is_in([OrderStatus::Contracted, OrderStatus::Completed]))
        .select_only()
        .column_as(
            Expr::col((order::Entity, order::Column::TotalFen))
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "v",
        )
        .into_tuple()
        .one(db)
        .await?;
    Ok(OrderFigures {
        by_status,
        by_industry,
        contracted_value_fen: value.flatten().unwrap_or(0),
    })
}
