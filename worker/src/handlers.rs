//! What each job does. Every effect is idempotent: a mail is recorded under its delivery key
//! before it is sent and marked sent after, so a redelivered job never mails anyone twice.

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
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// A `sending` delivery younger than this is taken to be in flight in another worker.
const IN_FLIGHT: i64 = 120;

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
        Job::SendMail { user_id, key, mail } => send_mail(ctx, &m.id, &user_id, &key, &mail).await,
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
    // Children and the parent's completion are separate commits; if this job runs again the
    // delivery keys stop a second mail.
    let txn = ctx.db.begin().await?;
    jobs::enqueue_all(&txn, &mails, None).await?;
    txn.commit().await?;
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
    if existing.created_at > now - Duration::seconds(IN_FLIGHT) && existing.job_id != job_id {
        return Err(JobError::Retry(
            "the same mail is being sent by another worker".into(),
        ));
    }
    // An earlier attempt died between claiming and sending: take it over.
    delivery::Entity::update_many()
        .col_expr(delivery::Column::JobId, Expr::value(job_id))
        .col_expr(delivery::Column::CreatedAt, Expr::value(now))
        .filter(delivery::Column::Key.eq(key))
        .exec(&ctx.db)
        .await?;
    Ok(true)
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
    event_id: &str,
    mail: &Mail,
    user: &user::Model,
) -> Result<Option<Prepared>, JobError> {
    let Some(e) = event::Entity::find_by_id(event_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
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
    Ok(Some(Prepared { context, link, ics }))
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

async fn send_mail(
    ctx: &JobContext,
    job_id: &str,
    user_id: &str,
    key: &str,
    mail: &Mail,
) -> Result<(), JobError> {
    let Some(u) = user::Entity::find_by_id(user_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(());
    };
    let prepared = match mail.about() {
        About::Event(id) => prepare_event(ctx, id, mail, &u).await?,
        About::Order(id) => prepare_order(ctx, id, &u).await?,
        About::Match {
            need_id,
            product_id,
        } => search_jobs::prepare_new_match(ctx, need_id, product_id, &u)
            .await?
            .map(|(context, link)| Prepared {
                context,
                link,
                ics: None,
            }),
    };
    // The object is gone (deleted since): nothing to tell.
    let Some(p) = prepared else {
        return Ok(());
    };
    if !claim_delivery(ctx, key, job_id, user_id).await? {
        return Ok(());
    }
    let rendered = templates()?
        .render(mail.template(), &p.context)
        .map_err(|err| JobError::Permanent(format!("render {}: {err}", mail.template())))?;
    ctx.mailer
        .send(Outgoing {
            to: u.email.clone(),
            to_name: u.display_name.clone(),
            subject: rendered.subject.clone(),
            text: rendered.text.clone(),
            html: rendered.html,
            ics: p.ics,
        })
        .await
        .map_err(JobError::Retry)?;
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("sent"))
        .col_expr(delivery::Column::SentAt, Expr::value(now))
        .filter(delivery::Column::Key.eq(key))
        .exec(&txn)
        .await?;
    notification::Entity::insert(notification::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        key: Set(key.to_owned()),
        kind: Set(mail.template().to_owned()),
        subject: Set(rendered.subject),
        body: Set(rendered.text),
        link: Set(Some(p.link)),
        created_at: Set(now),
        read_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(notification::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
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
