//! What each job does. Every effect is idempotent: a mail is recorded under its delivery key
//! before it is sent and marked sent after, so a redelivered job never mails anyone twice.
//! Mail jobs claimed together are sent together: a handful of statements for the whole batch
//! rather than seven for every mail, which was most of the database's work in a fan-out.

use crate::context::JobContext;
use crate::error::JobError;
use crate::mail::Outgoing;
use crate::mail::ics::{self, IcsEvent};
use crate::mail::templates::Templates;
use crate::search_jobs;
use chrono::{DateTime, Duration, Utc};
use domain::entities::json::IndustryList;
use domain::entities::{
    delivery, enterprise, event, event_registration, job, notification, order, preference,
    supplier, user,
};
use domain::jobs::{self, About, Job, Mail};
use domain::new_id;
use domain::values::{EventStatus, Industry, RegistrationStatus, Role, SupplierStatus};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// A `sending` delivery claimed less than this ago may still be in its SMTP transaction (which
/// takes milliseconds; plain SMTP gives up after 20 s, lettre, for TLS URLs, after 10 s without
/// an answer to one command), so it is not sent again yet. Below
/// the 30 s after which Redis hands a dead consumer's jobs to another worker, so those find it
/// expired.
const IN_FLIGHT: i64 = 25;
/// Mail jobs written per commit by a fan-out.
const FAN_OUT_BATCH: usize = 500;
/// The fan-out's first commit: about one batch of a worker, so the first mails go out while the
/// rest of the audience is written.
const FAN_OUT_FIRST: usize = 32;

fn templates() -> Result<&'static Templates, JobError> {
    static T: OnceLock<Result<Templates, String>> = OnceLock::new();
    T.get_or_init(|| Templates::new().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| JobError::Permanent(format!("templates: {e}")))
}

/// Runs one claimed job.
///
/// # Errors
/// `Retry` for passing failures, `Permanent` for jobs that can never run.
pub async fn perform(ctx: &JobContext, m: &job::Model) -> Result<(), JobError> {
    let job = jobs::decode(m).map_err(JobError::Permanent)?;
    match job {
        Job::AnnounceEvent { event_id } => announce(ctx, &event_id).await,
        Job::RemindEvent { event_id, revision } => remind(ctx, &event_id, revision).await,
        Job::SendMail { user_id, key, mail } => {
            let one = [MailJob {
                job: m.clone(),
                user_id,
                key,
                mail,
            }];
            match deliver(ctx, &one).await.pop() {
                Some(Ok(Some(key))) => mark_sent(&ctx.db, &[key]).await,
                Some(Ok(None)) | None => Ok(()),
                Some(Err(e)) => Err(e),
            }
        }
        Job::SyncProducts { product_ids } => search_jobs::sync_products(ctx, &product_ids).await,
        Job::SyncSupplier { supplier_id } => search_jobs::sync_supplier(ctx, &supplier_id).await,
        Job::AnnounceListing { product_id } => {
            search_jobs::announce_listing(ctx, &product_id).await
        }
    }
}

/// Does a user want announcements for an event in `industries`?
fn wants(pref: Option<&preference::Model>, industries: &[Industry]) -> bool {
    match pref {
        None => true,
        Some(p) => p.announcements && industries.iter().any(|i| !p.muted_industries.0.contains(i)),
    }
}

/// The users of every enterprise and supplier in the event's industries (`general`: all).
async fn audience(ctx: &JobContext, industries: &[Industry]) -> Result<Vec<user::Model>, JobError> {
    let all = industries.contains(&Industry::General);
    let codes: Vec<&str> = industries.iter().map(|i| i.code()).collect();
    let enterprises: HashSet<String> = enterprise::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|e| all || codes.contains(&e.industry.code()))
        .map(|e| e.id)
        .collect();
    let suppliers: HashSet<String> = supplier::Entity::find()
        .filter(supplier::Column::Status.ne(SupplierStatus::Removed))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|s| all || s.industries.0.iter().any(|i| industries.contains(i)))
        .map(|s| s.id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Role.is_in([Role::Enterprise, Role::Supplier]))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|u| {
            u.organisation_id.as_ref().is_some_and(|o| match u.role {
                Role::Enterprise => enterprises.contains(o),
                _ => suppliers.contains(o),
            })
        })
        .collect())
}

async fn announce(ctx: &JobContext, event_id: &str) -> Result<(), JobError> {
    let Some(e) = event::Entity::find_by_id(event_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(());
    };
    if e.status != EventStatus::Published {
        return Ok(());
    }
    let users = audience(ctx, &e.industries.0).await?;
    let prefs: HashMap<String, preference::Model> = preference::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let mails: Vec<Job> = users
        .iter()
        .filter(|u| wants(prefs.get(&u.id), &e.industries.0))
        .map(|u| {
            Job::mail(
                &u.id,
                &e.id,
                Mail::EventAnnouncement {
                    event_id: e.id.clone(),
                },
            )
        })
        .collect();
    tracing::info!(event_id, recipients = mails.len(), "announcing event");
    // Committed a batch at a time, the first one small, so the first mails go out while the rest
    // are written (in one transaction none could start before all 5,000 were in). If this job
    // runs again after dying half-way, the delivery keys stop a second mail.
    let (first, rest) = mails.split_at(mails.len().min(FAN_OUT_FIRST));
    for batch in std::iter::once(first).chain(rest.chunks(FAN_OUT_BATCH)) {
        if batch.is_empty() {
            continue;
        }
        jobs::enqueue_all(&ctx.db, batch, None).await?;
        // This process's relay need not wait for its next poll to pass them on.
        ctx.outbox_written.notify_one();
    }
    Ok(())
}

async fn remind(ctx: &JobContext, event_id: &str, revision: i32) -> Result<(), JobError> {
    let Some(e) = event::Entity::find_by_id(event_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(());
    };
    // A moved event has a newer reminder of its own; a past one needs none.
    if e.status != EventStatus::Published || e.revision != revision || e.ends_at <= Utc::now() {
        return Ok(());
    }
    let registered = event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(event_id))
        .filter(event_registration::Column::Status.eq(RegistrationStatus::Registered))
        .all(&ctx.db)
        .await?;
    let subject = format!("{event_id}:{revision}");
    let mails: Vec<Job> = registered
        .iter()
        .map(|r| {
            Job::mail(
                &r.user_id,
                &subject,
                Mail::EventReminder {
                    event_id: event_id.to_owned(),
                },
            )
        })
        .collect();
    jobs::enqueue_all(&ctx.db, &mails, None).await?;
    Ok(())
}

/// Claims the delivery key. `Ok(false)`: already sent, nothing to do.
async fn claim_delivery(
    ctx: &JobContext,
    key: &str,
    job_id: &str,
    user_id: &str,
) -> Result<bool, JobError> {
    let now = Utc::now();
    let inserted = delivery::Entity::insert(delivery::ActiveModel {
        key: Set(key.to_owned()),
        job_id: Set(job_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        channel: Set("email".into()),
        status: Set("sending".into()),
        created_at: Set(now),
        sent_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(delivery::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;
    if inserted == 1 {
        return Ok(true);
    }
    let existing = delivery::Entity::find_by_id(key.to_owned())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| JobError::Retry("delivery row vanished".into()))?;
    if existing.status == "sent" {
        return Ok(false);
    }
    if existing.created_at > now - Duration::seconds(IN_FLIGHT) {
        return Err(JobError::Retry("the same mail is in flight".into()));
    }
    // Its sender died mid-transaction: the server may hold the mail or not, and only sending it
    // again (as the same message) cannot lose it. Only one worker wins the take-over.
    let taken = delivery::Entity::update_many()
        .col_expr(delivery::Column::JobId, Expr::value(job_id))
        .col_expr(delivery::Column::CreatedAt, Expr::value(now))
        .filter(delivery::Column::Key.eq(key))
        .filter(delivery::Column::Status.eq("sending"))
        .filter(delivery::Column::CreatedAt.lte(now - Duration::seconds(IN_FLIGHT)))
        .exec(&ctx.db)
        .await?;
    if taken.rows_affected == 0 {
        return Err(JobError::Retry(
            "the same mail was taken over by another worker".into(),
        ));
    }
    Ok(true)
}

/// Gives up a claim whose send failed, so the retry need not wait for it to expire.
async fn release_delivery(ctx: &JobContext, key: &str, job_id: &str) -> Result<(), JobError> {
    delivery::Entity::delete_many()
        .filter(delivery::Column::Key.eq(key))
        .filter(delivery::Column::JobId.eq(job_id))
        .filter(delivery::Column::Status.eq("sending"))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

#[derive(Serialize)]
struct EventFacts {
    title: String,
    starts: String,
    ends: String,
    venue: String,
    online_url: Option<String>,
    description: String,
    industries: String,
}

#[derive(Serialize)]
struct MailContext {
    name: String,
    event: EventFacts,
    link: String,
    position: Option<u64>,
}

fn shanghai(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y年%-m月%-d日 %H:%M")
        .to_string()
}

fn industries_zh(list: &IndustryList) -> String {
    list.0
        .iter()
        .map(|i| i.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

/// A mail ready to render: its template context, link and optional calendar invitation.
struct Prepared {
    context: serde_json::Value,
    link: String,
    ics: Option<String>,
}

/// The short order number people see: the last 8 characters of the id, upper-case.
#[must_use]
pub fn order_number(id: &str) -> String {
    let tail: Vec<char> = id.chars().rev().take(8).collect();
    tail.into_iter().rev().collect::<String>().to_uppercase()
}

pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02} 元", fen / 100, fen % 100)
}

async fn prepare_event(
    ctx: &JobContext,
    e: &event::Model,
    mail: &Mail,
    user: &user::Model,
) -> Result<Prepared, JobError> {
    let position = if matches!(mail, Mail::Waitlisted { .. }) {
        waitlist_position(ctx, &e.id, &user.id).await?
    } else {
        None
    };
    let link = format!(
        "{}/#/events/{}",
        ctx.settings.public_url.trim_end_matches('/'),
        e.id
    );
    let facts = MailContext {
        name: user.display_name.clone(),
        event: EventFacts {
            title: e.title.clone(),
            starts: shanghai(e.starts_at),
            ends: shanghai(e.ends_at),
            venue: e.venue.clone(),
            online_url: e.online_url.clone(),
            description: e.description.clone(),
            industries: industries_zh(&e.industries),
        },
        link: link.clone(),
        position,
    };
    let ics = matches!(
        mail,
        Mail::RegistrationConfirmed { .. } | Mail::Promoted { .. }
    )
    .then(|| {
        ics::calendar(&IcsEvent {
            uid: &e.id,
            title: &e.title,
            description: &e.description,
            location: e.online_url.as_deref().unwrap_or(&e.venue),
            url: &link,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
        })
    });
    let context = serde_json::to_value(&facts).map_err(|e| JobError::Permanent(e.to_string()))?;
    Ok(Prepared { context, link, ics })
}

async fn prepare_order(
    ctx: &JobContext,
    order_id: &str,
    user: &user::Model,
) -> Result<Option<Prepared>, JobError> {
    let Some(o) = order::Entity::find_by_id(order_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    let Some(full) = domain::services::orders::with_details(&ctx.db, vec![o])
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let link = format!(
        "{}/#/orders/{}",
        ctx.settings.public_url.trim_end_matches('/'),
        full.order.id
    );
    let items: Vec<serde_json::Value> = full
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "name": i.name, "quantity": i.quantity,
                "unit_price": yuan(i.unit_price_fen), "line_total": yuan(i.line_total_fen),
            })
        })
        .collect();
    let contract = full.order.contract.as_ref().map(|c| {
        serde_json::json!({
            "responsibilities": c.responsibilities, "measures": c.measures, "targets": c.targets,
            "start_date": c.start_date.to_string(), "end_date": c.end_date.to_string(),
            "price_total": yuan(c.price_total_fen),
        })
    });
    let context = serde_json::json!({
        "name": user.display_name,
        "order": {
            // UUID v7 starts with the time: the random tail tells orders apart.
            "number": order_number(&full.order.id),
            "enterprise": full.enterprise_name,
            "supplier": full.supplier_name,
            "total": yuan(full.order.total_fen),
            "placed_at": shanghai(full.order.created_at),
            "items": items,
            "note": full.order.note,
            "reject_reason": full.order.reject_reason,
            "contract": contract,
        },
        "link": link,
    });
    Ok(Some(Prepared {
        context,
        link,
        ics: None,
    }))
}

/// A claimed mail job.
pub struct MailJob {
    pub job: job::Model,
    pub user_id: String,
    pub key: String,
    pub mail: Mail,
}

/// What became of one mail: `Ok(Some(key))` sent (its delivery still to be marked sent),
/// `Ok(None)` nothing to send (already sent, recipient or object gone, opted out).
type Delivered = Result<Option<String>, JobError>;

/// The facts the mails of a batch share, read once for the batch.
struct Facts {
    users: HashMap<String, user::Model>,
    events: HashMap<String, event::Model>,
    prefs: HashMap<String, preference::Model>,
}

async fn facts(ctx: &JobContext, mails: &[MailJob]) -> Result<Facts, JobError> {
    let user_ids: HashSet<&str> = mails.iter().map(|m| m.user_id.as_str()).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let event_ids: HashSet<&str> = mails
        .iter()
        .filter_map(|m| match m.mail.about() {
            About::Event(id) => Some(id),
            _ => None,
        })
        .collect();
    let events = if event_ids.is_empty() {
        HashMap::new()
    } else {
        event::Entity::find()
            .filter(event::Column::Id.is_in(event_ids))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect()
    };
    // Read again at sending time: someone who opts out while a fan-out is under way is not
    // mailed from then on.
    let announced: HashSet<&str> = mails
        .iter()
        .filter(|m| matches!(m.mail, Mail::EventAnnouncement { .. }))
        .map(|m| m.user_id.as_str())
        .collect();
    let prefs = if announced.is_empty() {
        HashMap::new()
    } else {
        preference::Entity::find()
            .filter(preference::Column::UserId.is_in(announced))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|p| (p.user_id.clone(), p))
            .collect()
    };
    Ok(Facts {
        users,
        events,
        prefs,
    })
}

/// A mail rendered for its recipient, or `None` when there is nothing to send.
async fn compose(
    ctx: &JobContext,
    facts: &Facts,
    m: &MailJob,
) -> Result<Option<(Outgoing, notification::ActiveModel)>, JobError> {
    let Some(u) = facts.users.get(&m.user_id) else {
        return Ok(None);
    };
    let mail = &m.mail;
    let prepared = match mail.about() {
        About::Event(id) => match facts.events.get(id) {
            None => None,
            Some(e)
                if matches!(mail, Mail::EventAnnouncement { .. })
                    && !wants(facts.prefs.get(&u.id), &e.industries.0) =>
            {
                None
            }
            Some(e) => Some(prepare_event(ctx, e, mail, u).await?),
        },
        About::Order(id) => prepare_order(ctx, id, u).await?,
        About::Match {
            need_id,
            product_id,
        } => search_jobs::prepare_new_match(ctx, need_id, product_id, u)
            .await?
            .map(|(context, link)| Prepared {
                context,
                link,
                ics: None,
            }),
    };
    // The object is gone (deleted since): nothing to tell.
    let Some(p) = prepared else {
        return Ok(None);
    };
    let rendered = templates()?
        .render(mail.template(), &p.context)
        .map_err(|err| JobError::Permanent(format!("render {}: {err}", mail.template())))?;
    let note = notification::ActiveModel {
        id: Set(new_id()),
        user_id: Set(u.id.clone()),
        key: Set(m.key.clone()),
        kind: Set(mail.template().to_owned()),
        subject: Set(rendered.subject.clone()),
        body: Set(rendered.text.clone()),
        link: Set(Some(p.link)),
        created_at: Set(Utc::now()),
        read_at: Set(None),
    };
    let out = Outgoing {
        key: m.key.clone(),
        to: u.email.clone(),
        to_name: u.display_name.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        ics: p.ics,
    };
    Ok(Some((out, note)))
}

/// Claims the delivery keys of `mails` with one insert; returns which of them this call
/// inserted. The others (sent before, or in flight elsewhere) go through `claim_delivery`.
async fn claim_deliveries(
    ctx: &JobContext,
    mails: &[&MailJob],
) -> Result<HashSet<String>, JobError> {
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::Query;
    let now = Utc::now();
    let mut insert = Query::insert();
    insert.into_table(delivery::Entity).columns([
        delivery::Column::Key,
        delivery::Column::JobId,
        delivery::Column::UserId,
        delivery::Column::Channel,
        delivery::Column::Status,
        delivery::Column::CreatedAt,
    ]);
    for m in mails {
        insert
            .values([
                m.key.clone().into(),
                m.job.id.clone().into(),
                m.user_id.clone().into(),
                "email".into(),
                "sending".into(),
                now.into(),
            ])
            .map_err(|e| JobError::Permanent(format!("delivery insert: {e}")))?;
    }
    insert
        .on_conflict(
            OnConflict::column(delivery::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .returning_col(delivery::Column::Key);
    let rows = ctx.db.query_all(&insert).await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "key").map_err(JobError::from))
        .collect()
}

/// Sends the mails of claimed jobs, together: the facts they need read once, their in-app
/// copies and delivery claims written with one statement each, the SMTP transactions run side
/// by side. One outcome per mail, in order.
pub async fn deliver(ctx: &JobContext, mails: &[MailJob]) -> Vec<Delivered> {
    match deliver_all(ctx, mails).await {
        Ok(outcomes) => outcomes,
        Err(e) => mails.iter().map(|_| Err(e.clone())).collect(),
    }
}

async fn deliver_all(ctx: &JobContext, mails: &[MailJob]) -> Result<Vec<Delivered>, JobError> {
    let mut outcomes: Vec<Delivered> = mails.iter().map(|_| Ok(None)).collect();
    if mails.is_empty() {
        return Ok(outcomes);
    }
    let facts = facts(ctx, mails).await?;
    let mut ready: Vec<(usize, Outgoing)> = Vec::new();
    let mut notes = Vec::new();
    for (i, m) in mails.iter().enumerate() {
        match compose(ctx, &facts, m).await {
            Ok(Some((out, note))) => {
                ready.push((i, out));
                notes.push(note);
            }
            Ok(None) => {}
            Err(e) => outcomes[i] = Err(e),
        }
    }
    if ready.is_empty() {
        return Ok(outcomes);
    }
    // The in-app copies first (a second insert of a key does nothing): after the SMTP server's
    // 250 there is then one write left, so a crash there re-sends as few as can be.
    notification::Entity::insert_many(notes)
        .on_conflict(
            OnConflict::column(notification::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&ctx.db)
        .await?;
    let wanted: Vec<&MailJob> = ready.iter().map(|(i, _)| &mails[*i]).collect();
    let mut inserted = claim_deliveries(ctx, &wanted).await?;
    let mut sending = Vec::new();
    for (i, out) in ready {
        let m = &mails[i];
        // Two jobs of one key in a batch: the first has the claim, the second finds it taken.
        let mine = inserted.remove(&m.key)
            || match claim_delivery(ctx, &m.key, &m.job.id, &m.user_id).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    outcomes[i] = Err(e);
                    continue;
                }
            };
        if mine {
            sending.push((i, out));
        }
    }
    let sent = futures::future::join_all(sending.into_iter().map(|(i, out)| async move {
        let key = out.key.clone();
        (i, key, ctx.mailer.send(out).await)
    }))
    .await;
    for (i, key, result) in sent {
        outcomes[i] = match result {
            Ok(()) => Ok(Some(key)),
            Err(e) => {
                release_delivery(ctx, &key, &mails[i].job.id).await?;
                Err(JobError::Retry(e))
            }
        };
    }
    Ok(outcomes)
}

/// Marks deliveries sent (the transport accepted them).
async fn mark_sent<C: sea_orm::ConnectionTrait>(db: &C, keys: &[String]) -> Result<(), JobError> {
    if keys.is_empty() {
        return Ok(());
    }
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("sent"))
        .col_expr(delivery::Column::SentAt, Expr::value(Utc::now()))
        .filter(delivery::Column::Key.is_in(keys.iter().map(String::as_str)))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs claimed mail jobs as one batch and records their outcomes: the sent and the skipped in
/// one transaction (deliveries marked sent, jobs done), failures one by one.
async fn send_mails(ctx: &JobContext, mails: Vec<MailJob>) {
    use sea_orm::TransactionTrait;
    if mails.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    let outcomes = deliver(ctx, &mails).await;
    let mut keys = Vec::new();
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (m, outcome) in mails.iter().zip(outcomes) {
        match outcome {
            Ok(key) => {
                keys.extend(key);
                done.push(m.job.id.as_str());
            }
            Err(e) => failed.push((m, e)),
        }
    }
    let recorded = async {
        let txn = ctx.db.begin().await?;
        mark_sent(&txn, &keys).await?;
        jobs::complete_all(&txn, &done).await?;
        txn.commit().await?;
        Ok::<(), JobError>(())
    }
    .await;
    match recorded {
        Ok(()) => {
            ctx.jobs_total
                .with_label_values(&["send_mail", "done"])
                .inc_by(u64::try_from(done.len()).unwrap_or(u64::MAX));
            tracing::debug!(
                jobs = done.len(),
                sent = keys.len(),
                ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "mail batch done"
            );
        }
        // The leases run out and the jobs run again; their deliveries, still `sending`, are
        // taken over then and sent again as the same messages.
        Err(e) => tracing::error!(error = %e, jobs = done.len(), "could not record mail batch"),
    }
    for (m, e) in failed {
        record(ctx, &m.job, &Err(e), started).await;
    }
}

/// Runs claimed jobs: the mails among them as one batch, every other job on its own, side by
/// side. Search jobs belong to `search_jobs::run_batch`.
pub async fn run_batch(ctx: &JobContext, claimed: Vec<job::Model>) {
    let mut mails = Vec::new();
    let mut others = Vec::new();
    for m in claimed {
        match jobs::decode(&m) {
            Ok(Job::SendMail { user_id, key, mail }) => mails.push(MailJob {
                job: m,
                user_id,
                key,
                mail,
            }),
            // An unreadable one too: `run_one` records it as dead.
            _ => others.push(m),
        }
    }
    let singles = futures::future::join_all(others.into_iter().map(|m| run_one(ctx, m)));
    futures::join!(singles, send_mails(ctx, mails));
}

async fn waitlist_position(
    ctx: &JobContext,
    event_id: &str,
    user_id: &str,
) -> Result<Option<u64>, JobError> {
    let Some(r) = event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(event_id))
        .filter(event_registration::Column::UserId.eq(user_id))
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    if r.status != RegistrationStatus::Waitlisted {
        return Ok(None);
    }
    Ok(Some(
        event_registration::Entity::find()
            .filter(event_registration::Column::EventId.eq(event_id))
            .filter(event_registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .filter(event_registration::Column::Seq.lte(r.seq))
            .count(&ctx.db)
            .await?,
    ))
}

/// Runs a claimed job and records the outcome on its row.
pub async fn run_one(ctx: &JobContext, m: job::Model) {
    let started = std::time::Instant::now();
    let result = perform(ctx, &m).await;
    record(ctx, &m, &result, started).await;
}

/// Records a job's outcome on its row: done, retry later, or dead.
pub async fn record(
    ctx: &JobContext,
    m: &job::Model,
    result: &Result<(), JobError>,
    started: std::time::Instant,
) {
    let outcome = match &result {
        Ok(()) => jobs::complete(&ctx.db, &m.id).await.map(|()| "done"),
        Err(JobError::Retry(e)) => jobs::fail(&ctx.db, m, e, false).await.map(|s| {
            if s == domain::values::JobStatus::Dead {
                "dead"
            } else {
                "retry"
            }
        }),
        Err(JobError::Permanent(e)) => jobs::fail(&ctx.db, m, e, true).await.map(|_| "dead"),
    };
    match outcome {
        Ok(o) => {
            ctx.jobs_total
                .with_label_values(&[m.kind.as_str(), o])
                .inc();
            match result {
                Ok(()) => {
                    tracing::debug!(job = %m.id, kind = %m.kind, ms = started.elapsed().as_millis() as u64, "job done")
                }
                Err(e) => {
                    tracing::warn!(job = %m.id, kind = %m.kind, attempt = m.attempts + 1, outcome = o, error = %e, "job failed")
                }
            }
        }
        // The lease runs out and another worker takes the job again: nothing is lost.
        Err(e) => tracing::error!(job = %m.id, error = %e, "could not record job outcome"),
    }
}
