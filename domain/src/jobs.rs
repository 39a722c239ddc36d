//! Jobs: typed, versioned work written to the outbox in the transaction of the change that
//! causes it, and the outbox operations every transport shares (claim, complete, fail with
//! backoff, dead-letter, retry). No Redis and no SMTP here: the worker crate owns those.

use crate::entities::job;
use crate::error::{DomainError, DomainResult};
use crate::new_id;
use crate::services::{Page, PageRequest};
use crate::values::JobStatus;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};

/// The payload format; bump when a variant's fields change incompatibly.
pub const JOB_VERSION: i32 = 1;
/// Attempts before a job is dead.
pub const MAX_ATTEMPTS: i32 = 8;

/// A mail to one user, rendered from the database when it is sent (so it shows current facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Mail {
    EventAnnouncement {
        event_id: String,
    },
    RegistrationConfirmed {
        event_id: String,
    },
    Waitlisted {
        event_id: String,
    },
    Promoted {
        event_id: String,
    },
    EventChanged {
        event_id: String,
    },
    EventCancelled {
        event_id: String,
    },
    EventReminder {
        event_id: String,
    },
    /// To the supplier's members.
    OrderPlaced {
        order_id: String,
    },
    /// To the supplier's members.
    OrderCancelled {
        order_id: String,
    },
    /// To the enterprise's members.
    OrderAccepted {
        order_id: String,
    },
    OrderRejected {
        order_id: String,
    },
    OrderContracted {
        order_id: String,
    },
    OrderCompleted {
        order_id: String,
    },
    /// To the enterprise's members: a newly listed product answers their open need.
    NewMatch {
        need_id: String,
        product_id: String,
    },
}

impl Mail {
    /// The template's name (also the in-app notification's kind).
    #[must_use]
    pub fn template(&self) -> &'static str {
        match self {
            Self::EventAnnouncement { .. } => "event_announcement",
            Self::RegistrationConfirmed { .. } => "registration_confirmed",
            Self::Waitlisted { .. } => "waitlisted",
            Self::Promoted { .. } => "promoted",
            Self::EventChanged { .. } => "event_changed",
            Self::EventCancelled { .. } => "event_cancelled",
            Self::EventReminder { .. } => "event_reminder",
            Self::OrderPlaced { .. } => "order_placed",
            Self::OrderCancelled { .. } => "order_cancelled",
            Self::OrderAccepted { .. } => "order_accepted",
            Self::OrderRejected { .. } => "order_rejected",
            Self::OrderContracted { .. } => "order_contracted",
            Self::OrderCompleted { .. } => "order_completed",
            Self::NewMatch { .. } => "new_match",
        }
    }

    /// What the mail is about: `Event(id)` or `Order(id)`.
    #[must_use]
    pub fn about(&self) -> About<'_> {
        match self {
            Self::EventAnnouncement { event_id }
            | Self::RegistrationConfirmed { event_id }
            | Self::Waitlisted { event_id }
            | Self::Promoted { event_id }
            | Self::EventChanged { event_id }
            | Self::EventCancelled { event_id }
            | Self::EventReminder { event_id } => About::Event(event_id),
            Self::OrderPlaced { order_id }
            | Self::OrderCancelled { order_id }
            | Self::OrderAccepted { order_id }
            | Self::OrderRejected { order_id }
            | Self::OrderContracted { order_id }
            | Self::OrderCompleted { order_id } => About::Order(order_id),
            Self::NewMatch {
                need_id,
                product_id,
            } => About::Match {
                need_id,
                product_id,
            },
        }
    }
}

/// The object a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About<'a> {
    Event(&'a str),
    Order(&'a str),
    /// A product proposed for a need.
    Match {
        need_id: &'a str,
        product_id: &'a str,
    },
}

/// One mail per member of an organisation (enterprise or supplier), keyed by `subject`.
///
/// # Errors
/// Database errors.
pub async fn mail_members<C: ConnectionTrait>(
    db: &C,
    organisation_id: &str,
    subject: &str,
    mail: Mail,
) -> DomainResult<()> {
    let members = crate::entities::user::Entity::find()
        .filter(crate::entities::user::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?;
    let jobs: Vec<Job> = members
        .iter()
        .map(|u| Job::mail(&u.id, subject, mail.clone()))
        .collect();
    enqueue_all(db, &jobs, None).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "args", rename_all = "snake_case")]
pub enum Job {
    /// Fan-out of a published event to the opted-in users of its industries.
    AnnounceEvent { event_id: String },
    /// Fan-out of the reminder to everyone registered, due before the start.
    RemindEvent { event_id: String, revision: i32 },
    /// One mail and its in-app copy. `key` makes the effect happen once per person.
    SendMail {
        user_id: String,
        key: String,
        mail: Mail,
    },
    /// Search index: these products as they are now (listed by a vetted supplier: in the
    /// index; otherwise out of it).
    SyncProducts { product_ids: Vec<String> },
    /// Search index: every product of a supplier (after suspension or reinstatement).
    SyncSupplier { supplier_id: String },
    /// A product was listed: index it, then tell the enterprises whose open needs it answers.
    AnnounceListing { product_id: String },
}

/// Jobs that need the search engine. They run in the processes that hold it (the API), never
/// in a `worker`, which has no index (see `Kinds`).
pub const SEARCH_KINDS: &[&str] = &["sync_products", "sync_supplier", "announce_listing"];

/// Which jobs a runner takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    All,
    Only(&'static [&'static str]),
    Except(&'static [&'static str]),
}

impl Kinds {
    /// The condition on `kind`. The names are the program's own constants, never input, so
    /// they are written into the statement.
    fn sql(self) -> String {
        let list = |kinds: &[&str]| {
            kinds
                .iter()
                .map(|k| format!("'{}'", k.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::All | Self::Except([]) => String::new(),
            Self::Only([]) => " AND 1 = 0".to_owned(),
            Self::Only(k) => format!(" AND kind IN ({})", list(k)),
            Self::Except(k) => format!(" AND kind NOT IN ({})", list(k)),
        }
    }
}

impl Job {
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AnnounceEvent { .. } => "announce_event",
            Self::RemindEvent { .. } => "remind_event",
            Self::SendMail { .. } => "send_mail",
            Self::SyncProducts { .. } => "sync_products",
            Self::SyncSupplier { .. } => "sync_supplier",
            Self::AnnounceListing { .. } => "announce_listing",
        }
    }

    /// A per-recipient mail job; `subject` names what the mail is about (event, registration…).
    #[must_use]
    pub fn mail(user_id: &str, subject: &str, mail: Mail) -> Self {
        Self::SendMail {
            user_id: user_id.to_owned(),
            key: format!("{}:{subject}:{user_id}", mail.template()),
            mail,
        }
    }
}

fn row(job: &Job, run_at: DateTime<Utc>) -> DomainResult<job::ActiveModel> {
    let now = Utc::now();
    Ok(job::ActiveModel {
        id: Set(new_id()),
        kind: Set(job.kind().to_owned()),
        version: Set(JOB_VERSION),
        payload: Set(serde_json::to_value(job)
            .map_err(|e| DomainError::Internal(format!("job payload: {e}")))?),
        status: Set(JobStatus::Pending),
        attempts: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        run_at: Set(run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Writes jobs to the outbox, due at `run_at` (now when `None`). Call it with the transaction
/// of the change, so the job exists exactly when the change does.
///
/// # Errors
/// Database errors.
pub async fn enqueue_all<C: ConnectionTrait>(
    db: &C,
    jobs: &[Job],
    run_at: Option<DateTime<Utc>>,
) -> DomainResult<()> {
    let at = run_at.unwrap_or_else(Utc::now);
    for chunk in jobs.chunks(500) {
        let rows = chunk
            .iter()
            .map(|j| row(j, at))
            .collect::<DomainResult<Vec<_>>>()?;
        job::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// # Errors
/// Database errors.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    job: Job,
    run_at: Option<DateTime<Utc>>,
) -> DomainResult<()> {
    enqueue_all(db, &[job], run_at).await
}

/// Reads a job row's payload. A payload that no longer parses is a poison job.
///
/// # Errors
/// A message saying why it cannot be read.
pub fn decode(m: &job::Model) -> Result<Job, String> {
    if m.version != JOB_VERSION {
        return Err(format!("unsupported job version {}", m.version));
    }
    serde_json::from_value(m.payload.clone()).map_err(|e| format!("unreadable payload: {e}"))
}

/// Claims up to `limit` due jobs for `worker` for `lease`: pending ones whose time has come,
/// and running ones whose lease ran out (their worker died). Safe with many workers: on
/// PostgreSQL rows are locked with SKIP LOCKED, on SQLite the single writer serialises claims.
///
/// # Errors
/// Database errors.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    worker: &str,
    limit: u64,
    lease: Duration,
    kinds: Kinds,
) -> DomainResult<Vec<job::Model>> {
    let now = Utc::now();
    let until = now + lease;
    let backend = db.get_database_backend();
    let (skip_locked, p) = match backend {
        DatabaseBackend::Postgres => (" FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4", "$5"]),
        _ => ("", ["?1", "?2", "?3", "?4", "?5"]),
    };
    // The due ids are chosen once, in a materialised CTE. As `id IN (subquery … LIMIT)` the
    // planner may re-run the locking subquery for every row (with stale statistics after a
    // fan-out it did): seconds per claim, and more than `limit` rows claimed.
    let sql = format!(
        "WITH due AS MATERIALIZED (SELECT id FROM jobs WHERE ((status = 'pending' AND run_at <= {n2}) \
         OR (status = 'running' AND locked_until < {n3})){kinds} ORDER BY run_at LIMIT {limit}{skip_locked}) \
         UPDATE jobs SET status = 'running', locked_by = {w}, locked_until = {u}, updated_at = {n1} \
         WHERE id IN (SELECT id FROM due) RETURNING *",
        w = p[0],
        u = p[1],
        n1 = p[2],
        n2 = p[3],
        n3 = p[4],
        kinds = kinds.sql(),
    );
    let values: Vec<sea_orm::Value> = vec![
        worker.into(),
        until.into(),
        now.into(),
        now.into(),
        now.into(),
    ];
    let stmt = Statement::from_sql_and_values(backend, sql, values);
    Ok(job::Model::find_by_statement(stmt).all(db).await?)
}

/// # Errors
/// Database errors.
pub async fn complete<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<()> {
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Done))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks jobs done with one statement (a batch of mails finishes together).
///
/// # Errors
/// Database errors.
pub async fn complete_all<C: ConnectionTrait>(db: &C, ids: &[&str]) -> DomainResult<()> {
    for chunk in ids.chunks(500) {
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(JobStatus::Done))
            .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Exponential backoff with full jitter, capped: 2 s, 4 s, … up to 10 min.
#[must_use]
pub fn backoff(attempts: i32) -> Duration {
    let exp = 2i64.saturating_pow(u32::try_from(attempts.clamp(1, 20)).unwrap_or(1));
    let cap = exp.min(600);
    let ms = rand::thread_rng().gen_range(cap * 500..=cap * 1000);
    Duration::milliseconds(ms)
}

/// Records a failure: the job is due again after a backoff, or dead after its last attempt
/// (at once when `permanent`, e.g. a payload that cannot be read).
///
/// # Errors
/// Database errors.
pub async fn fail<C: ConnectionTrait>(
    db: &C,
    m: &job::Model,
    error: &str,
    permanent: bool,
) -> DomainResult<JobStatus> {
    let attempts = m.attempts + 1;
    let dead = permanent || attempts >= m.max_attempts;
    let status = if dead {
        JobStatus::Dead
    } else {
        JobStatus::Pending
    };
    let msg: String = error.chars().take(2000).collect();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status))
        .col_expr(job::Column::Attempts, Expr::value(attempts))
        .col_expr(
            job::Column::RunAt,
            Expr::value(Utc::now() + backoff(attempts)),
        )
        .col_expr(job::Column::LastError, Expr::value(msg))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(m.id.clone()))
        .exec(db)
        .await?;
    Ok(status)
}

/// Puts a dead job back in the queue with fresh attempts.
///
/// # Errors
/// 404 when there is no such job, 409 unless it is dead.
pub async fn retry<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<job::Model> {
    let m = job::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("job"))?;
    if m.status != JobStatus::Dead {
        return Err(DomainError::conflict(
            "invalid_state",
            "只能重试已失败的任务",
        ));
    }
    let mut a: job::ActiveModel = m.into();
    a.status = Set(JobStatus::Pending);
    a.attempts = Set(0);
    a.run_at = Set(Utc::now());
    a.updated_at = Set(Utc::now());
    Ok(a.update(db).await?)
}

/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    status: Option<JobStatus>,
    page: PageRequest,
) -> DomainResult<Page<job::Model>> {
    let mut q = job::Entity::find();
    if let Some(s) = status {
        q = q.filter(job::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(job::Column::UpdatedAt)
        .order_by_asc(job::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}

/// How many jobs wait or run: workers expose it as a gauge, tests wait for zero.
///
/// # Errors
/// Database errors.
pub async fn outstanding<C: ConnectionTrait>(db: &C) -> DomainResult<u64> {
    Ok(job::Entity::find()
        .filter(job::Column::Status.is_in([JobStatus::Pending, JobStatus::Running]))
        .count(db)
        .await?)
}

/// Jobs of `kinds` due now or running: what a drained queue has none of (future reminders
/// don't count).
///
/// # Errors
/// Database errors.
pub async fn outstanding_due<C: ConnectionTrait>(db: &C, kinds: Kinds) -> DomainResult<u64> {
    let now = Utc::now();
    let mut q = job::Entity::find();
    match kinds {
        Kinds::All => {}
        Kinds::Only(k) => q = q.filter(job::Column::Kind.is_in(k.iter().copied())),
        Kinds::Except(k) => q = q.filter(job::Column::Kind.is_not_in(k.iter().copied())),
    }
    Ok(q.filter(
        sea_orm::Condition::any()
            .add(
                sea_orm::Condition::all()
                    .add(job::Column::Status.eq(JobStatus::Pending))
                    .add(job::Column::RunAt.lte(now)),
            )
            .add(job::Column::Status.eq(JobStatus::Running)),
    )
    .count(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_names_its_kind() {
        let j = Job::mail(
            "u1",
            "ev1",
            Mail::Promoted {
                event_id: "ev1".into(),
            },
        );
        let v = serde_json::to_value(&j).unwrap();
        assert_eq!(v["kind"], "send_mail");
        assert_eq!(v["args"]["key"], "promoted:ev1:u1");
        assert_eq!(v["args"]["mail"]["template"], "promoted");
        assert_eq!(serde_json::from_value::<Job>(v).unwrap(), j);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempts in 1..30 {
            let d = backoff(attempts).num_milliseconds();
            let cap = 2i64.pow(u32::try_from(attempts.min(20)).unwrap()).min(600) * 1000;
            assert!(d >= cap / 2 && d <= cap, "{attempts}: {d}");
        }
    }
}
