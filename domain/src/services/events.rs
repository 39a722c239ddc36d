//! 宣讲对接活动: organisers create, edit, publish and cancel events; enterprise and supplier
//! members register for a seat or a place on the first-come waitlist. Every notification is
//! written as a job in the same transaction as the change.

use super::{Actor, Page, PageRequest};
use crate::entities::json::IndustryList;
use crate::entities::{event, event_registration, user};
use crate::error::{Checker, DomainError, DomainResult};
use crate::jobs::{self, Job, Mail};
use crate::new_id;
use crate::values::{EventStatus, Industry, RegistrationStatus, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub industries: Vec<Industry>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    #[serde(default)]
    pub online_url: Option<String>,
    pub capacity: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub industries: Option<Vec<Industry>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub industries: Vec<Industry>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub online_url: Option<String>,
    pub capacity: i32,
    pub status: EventStatus,
    pub registered: u64,
    pub waitlisted: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegistrationView {
    pub id: String,
    pub event_id: String,
    pub user_id: String,
    pub organisation_id: String,
    pub status: RegistrationStatus,
    /// 1-based place on the waitlist, for waitlisted registrations.
    pub waitlist_position: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// What the reminder and the announcement need to know from configuration.
#[derive(Debug, Clone, Copy)]
pub struct EventPolicy {
    pub reminder_before: Duration,
}

struct Content {
    title: String,
    description: String,
    industries: Vec<Industry>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    venue: String,
    online_url: Option<String>,
    capacity: i32,
}

fn check(e: NewEvent) -> DomainResult<Content> {
    let mut c = Checker::new();
    let title = c.text("title", &e.title, 2, 100);
    let description = c.text("description", &e.description, 0, 5000);
    let industries = c.list("industries", &e.industries, 1, 6);
    if e.ends_at <= e.starts_at {
        c.fail("ends_at", "结束时间须晚于开始时间");
    }
    let venue = c.text("venue", &e.venue, 1, 200);
    let online_url = e
        .online_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 500 {
                c.fail(
                    "online_url",
                    "线上链接须为 http(s) 地址，且不超过 500 个字符",
                );
            }
            u.to_owned()
        });
    let capacity = c.range("capacity", e.capacity, 1, 100_000);
    c.finish()?;
    Ok(Content {
        title,
        description,
        industries,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        venue,
        online_url,
        capacity: i32::try_from(capacity).unwrap_or(1),
    })
}

fn organiser(actor: &Actor) -> DomainResult<()> {
    if actor.is_organiser() {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

async fn counts<C: ConnectionTrait>(db: &C, event_id: &str) -> DomainResult<(u64, u64)> {
    let count = |s: RegistrationStatus| {
        event_registration::Entity::find()
            .filter(event_registration::Column::EventId.eq(event_id))
            .filter(event_registration::Column::Status.eq(s))
            .count(db)
    };
    Ok((
        count(RegistrationStatus::Registered).await?,
        count(RegistrationStatus::Waitlisted).await?,
    ))
}

/// # Errors
/// Database errors.
pub async fn view<C: ConnectionTrait>(db: &C, e: event::Model) -> DomainResult<EventView> {
    let (registered, waitlisted) = counts(db, &e.id).await?;
    Ok(EventView {
        id: e.id,
        title: e.title,
        description: e.description,
        industries: e.industries.0,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        venue: e.venue,
        online_url: e.online_url,
        capacity: e.capacity,
        status: e.status,
        registered,
        waitlisted,
        created_at: e.created_at,
        updated_at: e.updated_at,
    })
}

/// # Errors
/// 403 for non-organisers, 422 on bad content.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewEvent,
) -> DomainResult<event::Model> {
    organiser(actor)?;
    let c = check(input)?;
    let now = Utc::now();
    Ok(event::ActiveModel {
        id: Set(new_id()),
        title: Set(c.title),
        description: Set(c.description),
        industries: Set(IndustryList(c.industries)),
        starts_at: Set(c.starts_at),
        ends_at: Set(c.ends_at),
        venue: Set(c.venue),
        online_url: Set(c.online_url),
        capacity: Set(c.capacity),
        status: Set(EventStatus::Draft),
        revision: Set(0),
        created_by: Set(actor.user_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Published and completed events for everyone; organisers see drafts and cancelled ones too.
///
/// # Errors
/// 404 when missing or not visible.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    id: &str,
) -> DomainResult<event::Model> {
    event::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|e| {
            matches!(e.status, EventStatus::Published | EventStatus::Completed)
                || actor.is_some_and(Actor::is_organiser)
        })
        .ok_or(DomainError::NotFound("event"))
}

/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    page: PageRequest,
) -> DomainResult<Page<event::Model>> {
    let mut q = event::Entity::find();
    if !actor.is_some_and(Actor::is_organiser) {
        q = q.filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Completed]));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}

/// Takes the event's row lock first, so concurrent registrations queue up instead of racing
/// (PostgreSQL locks the row; SQLite takes its write lock at this first write).
async fn lock<C: ConnectionTrait>(db: &C, id: &str) -> DomainResult<event::Model> {
    let res = event::Entity::update_many()
        .col_expr(event::Column::Revision, Expr::col(event::Column::Revision))
        .filter(event::Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(DomainError::NotFound("event"));
    }
    event::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("event"))
}

async fn people<C: ConnectionTrait>(
    db: &C,
    event_id: &str,
    statuses: &[RegistrationStatus],
) -> DomainResult<Vec<event_registration::Model>> {
    Ok(event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(event_id))
        .filter(event_registration::Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(event_registration::Column::Seq)
        .all(db)
        .await?)
}

fn reminder_at(e: &event::Model, policy: EventPolicy) -> DateTime<Utc> {
    (e.starts_at - policy.reminder_before).max(Utc::now())
}

/// Edits an event. For a published event, a change of time or venue bumps its revision, tells
/// everyone registered or waitlisted, and schedules the reminder again for the new time.
///
/// # Errors
/// 403, 404, 409 for cancelled/completed events, 422 on bad content.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    patch: EventPatch,
    policy: EventPolicy,
) -> DomainResult<event::Model> {
    organiser(actor)?;
    let current = lock(db, id).await?;
    if matches!(
        current.status,
        EventStatus::Cancelled | EventStatus::Completed
    ) {
        return Err(DomainError::conflict(
            "invalid_state",
            "活动已取消或已结束，不能修改",
        ));
    }
    let c = check(NewEvent {
        title: patch.title.unwrap_or_else(|| current.title.clone()),
        description: patch
            .description
            .unwrap_or_else(|| current.description.clone()),
        industries: patch
            .industries
            .unwrap_or_else(|| current.industries.0.clone()),
        starts_at: patch.starts_at.unwrap_or(current.starts_at),
        ends_at: patch.ends_at.unwrap_or(current.ends_at),
        venue: patch.venue.unwrap_or_else(|| current.venue.clone()),
        online_url: patch.online_url.or_else(|| current.online_url.clone()),
        capacity: patch.capacity.unwrap_or(i64::from(current.capacity)),
    })?;
    let moved = c.starts_at != current.starts_at
        || c.ends_at != current.ends_at
        || c.venue != current.venue
        || c.online_url != current.online_url;
    let published = current.status == EventStatus::Published;
    let revision = current.revision + i32::from(moved);
    let mut m: event::ActiveModel = current.clone().into();
    m.title = Set(c.title);
    m.description = Set(c.description);
    m.industries = Set(IndustryList(c.industries));
    m.starts_at = Set(c.starts_at);
    m.ends_at = Set(c.ends_at);
    m.venue = Set(c.venue);
    m.online_url = Set(c.online_url);
    m.capacity = Set(c.capacity);
    m.revision = Set(revision);
    m.updated_at = Set(Utc::now());
    let e = m.update(db).await?;
    if published && moved {
        let subject = format!("{}:{revision}", e.id);
        let told: Vec<Job> = people(
            db,
            &e.id,
            &[
                RegistrationStatus::Registered,
                RegistrationStatus::Waitlisted,
            ],
        )
        .await?
        .iter()
        .map(|r| {
            Job::mail(
                &r.user_id,
                &subject,
                Mail::EventChanged {
                    event_id: e.id.clone(),
                },
            )
        })
        .collect();
        jobs::enqueue_all(db, &told, None).await?;
        jobs::enqueue(
            db,
            Job::RemindEvent {
                event_id: e.id.clone(),
                revision,
            },
            Some(reminder_at(&e, policy)),
        )
        .await?;
    }
    if published {
        promote(db, &e).await?;
    }
    Ok(e)
}

/// Draft → published: announces it and schedules the reminder.
///
/// # Errors
/// 403, 404, 409 unless draft.
pub async fn publish<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    policy: EventPolicy,
) -> DomainResult<event::Model> {
    organiser(actor)?;
    let current = lock(db, id).await?;
    if current.status != EventStatus::Draft {
        return Err(DomainError::conflict(
            "invalid_state",
            "只能发布草稿状态的活动",
        ));
    }
    let mut m: event::ActiveModel = current.into();
    m.status = Set(EventStatus::Published);
    m.updated_at = Set(Utc::now());
    let e = m.update(db).await?;
    jobs::enqueue(
        db,
        Job::AnnounceEvent {
            event_id: e.id.clone(),
        },
        None,
    )
    .await?;
    jobs::enqueue(
        db,
        Job::RemindEvent {
            event_id: e.id.clone(),
            revision: e.revision,
        },
        Some(reminder_at(&e, policy)),
    )
    .await?;
    Ok(e)
}

/// → cancelled; tells everyone registered or waitlisted.
///
/// # Errors
/// 403, 404, 409 when already cancelled or completed.
pub async fn cancel<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<event::Model> {
    organiser(actor)?;
    let current = lock(db, id).await?;
    if matches!(
        current.status,
        EventStatus::Cancelled | EventStatus::Completed
    ) {
        return Err(DomainError::conflict("invalid_state", "活动已取消或已结束"));
    }
    let was_published = current.status == EventStatus::Published;
    let mut m: event::ActiveModel = current.into();
    m.status = Set(EventStatus::Cancelled);
    m.updated_at = Set(Utc::now());
    let e = m.update(db).await?;
    if was_published {
        let told: Vec<Job> = people(
            db,
            &e.id,
            &[
                RegistrationStatus::Registered,
                RegistrationStatus::Waitlisted,
            ],
        )
        .await?
        .iter()
        .map(|r| {
            Job::mail(
                &r.user_id,
                &e.id,
                Mail::EventCancelled {
                    event_id: e.id.clone(),
                },
            )
        })
        .collect();
        jobs::enqueue_all(db, &told, None).await?;
    }
    Ok(e)
}

/// Fills free seats from the waitlist, first come first served, telling each person promoted.
async fn promote<C: ConnectionTrait>(db: &C, e: &event::Model) -> DomainResult<()> {
    let (registered, _) = counts(db, &e.id).await?;
    let free = u64::try_from(e.capacity)
        .unwrap_or(0)
        .saturating_sub(registered);
    if free == 0 {
        return Ok(());
    }
    let next = event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(e.id.clone()))
        .filter(event_registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(event_registration::Column::Seq)
        .limit(free)
        .all(db)
        .await?;
    for r in next {
        let subject = format!("{}:{}", r.id, r.seq);
        let user_id = r.user_id.clone();
        let mut m: event_registration::ActiveModel = r.into();
        m.status = Set(RegistrationStatus::Registered);
        m.updated_at = Set(Utc::now());
        m.update(db).await?;
        jobs::enqueue(
            db,
            Job::mail(
                &user_id,
                &subject,
                Mail::Promoted {
                    event_id: e.id.clone(),
                },
            ),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Registers the actor for a seat, or for the waitlist when the event is full. Runs in its own
/// transaction that first takes the event's lock, so N concurrent registrations for K seats give
/// exactly K seats on both databases.
///
/// # Errors
/// 403 for staff, 404, 409 when not open or already registered.
pub async fn register<D: TransactionTrait + ConnectionTrait>(
    db: &D,
    actor: &Actor,
    id: &str,
) -> DomainResult<event_registration::Model> {
    let organisation_id = match (actor.role, &actor.organisation_id) {
        (Role::Enterprise | Role::Supplier, Some(org)) => org.clone(),
        _ => return Err(DomainError::Forbidden),
    };
    let actor = actor.clone();
    let id = id.to_owned();
    db.transaction::<_, _, DomainError>(|txn| {
        Box::pin(async move {
            let e = lock(txn, &id).await?;
            if e.status != EventStatus::Published {
                return Err(DomainError::NotFound("event"));
            }
            if e.ends_at <= Utc::now() {
                return Err(DomainError::conflict(
                    "registration_closed",
                    "活动已结束，不能报名",
                ));
            }
            let existing = event_registration::Entity::find()
                .filter(event_registration::Column::EventId.eq(id.clone()))
                .filter(event_registration::Column::UserId.eq(actor.user_id.clone()))
                .one(txn)
                .await?;
            if existing
                .as_ref()
                .is_some_and(|r| r.status != RegistrationStatus::Cancelled)
            {
                return Err(DomainError::conflict(
                    "already_registered",
                    "您已报名该活动",
                ));
            }
            let (registered, _) = counts(txn, &id).await?;
            let status = if registered < u64::try_from(e.capacity).unwrap_or(0) {
                RegistrationStatus::Registered
            } else {
                RegistrationStatus::Waitlisted
            };
            let seq = event_registration::Entity::find()
                .filter(event_registration::Column::EventId.eq(id.clone()))
                .count(txn)
                .await?
                .try_into()
                .unwrap_or(i64::MAX)
                + existing.as_ref().map_or(0, |r| r.seq + 1);
            let now = Utc::now();
            let r = match existing {
                Some(old) => {
                    let mut m: event_registration::ActiveModel = old.into();
                    m.status = Set(status);
                    m.seq = Set(seq);
                    m.organisation_id = Set(organisation_id);
                    m.updated_at = Set(now);
                    m.update(txn).await?
                }
                None => {
                    event_registration::ActiveModel {
                        id: Set(new_id()),
                        event_id: Set(id.clone()),
                        user_id: Set(actor.user_id.clone()),
                        organisation_id: Set(organisation_id),
                        status: Set(status),
                        seq: Set(seq),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(txn)
                    .await?
                }
            };
            let subject = format!("{}:{}", r.id, r.seq);
            let mail = match status {
                RegistrationStatus::Registered => Mail::RegistrationConfirmed {
                    event_id: id.clone(),
                },
                _ => Mail::Waitlisted {
                    event_id: id.clone(),
                },
            };
            jobs::enqueue(txn, Job::mail(&actor.user_id, &subject, mail), None).await?;
            Ok(r)
        })
    })
    .await
    .map_err(DomainError::from)
}

/// The registrant gives up their seat or waitlist place; a freed seat goes to the first waitlisted.
///
/// # Errors
/// 404 when the actor has no active registration.
pub async fn unregister<D: TransactionTrait + ConnectionTrait>(
    db: &D,
    actor: &Actor,
    id: &str,
) -> DomainResult<()> {
    let actor = actor.clone();
    let id = id.to_owned();
    db.transaction::<_, _, DomainError>(|txn| {
        Box::pin(async move {
            let e = lock(txn, &id).await?;
            let r = event_registration::Entity::find()
                .filter(event_registration::Column::EventId.eq(id.clone()))
                .filter(event_registration::Column::UserId.eq(actor.user_id.clone()))
                .filter(event_registration::Column::Status.ne(RegistrationStatus::Cancelled))
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("registration"))?;
            let mut m: event_registration::ActiveModel = r.into();
            m.status = Set(RegistrationStatus::Cancelled);
            m.updated_at = Set(Utc::now());
            m.update(txn).await?;
            if e.status == EventStatus::Published {
                promote(txn, &e).await?;
            }
            Ok(())
        })
    })
    .await
    .map_err(DomainError::from)
}

/// The actor's own registration, with its waitlist place.
///
/// # Errors
/// 404 when none.
pub async fn my_registration<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<RegistrationView> {
    let r = event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(id))
        .filter(event_registration::Column::UserId.eq(actor.user_id.clone()))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("registration"))?;
    registration_view(db, r).await
}

/// # Errors
/// Database errors.
pub async fn registration_view<C: ConnectionTrait>(
    db: &C,
    r: event_registration::Model,
) -> DomainResult<RegistrationView> {
    let waitlist_position = if r.status == RegistrationStatus::Waitlisted {
        Some(
            event_registration::Entity::find()
                .filter(event_registration::Column::EventId.eq(r.event_id.clone()))
                .filter(event_registration::Column::Status.eq(RegistrationStatus::Waitlisted))
                .filter(event_registration::Column::Seq.lte(r.seq))
                .count(db)
                .await?,
        )
    } else {
        None
    };
    Ok(RegistrationView {
        id: r.id,
        event_id: r.event_id,
        user_id: r.user_id,
        organisation_id: r.organisation_id,
        status: r.status,
        waitlist_position,
        created_at: r.created_at,
    })
}

/// Registrations of an event with each person's name and e-mail (organisers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistrationRow {
    #[serde(flatten)]
    pub registration: RegistrationView,
    pub display_name: String,
    pub email: String,
}

/// # Errors
/// 403 for non-organisers, 404.
pub async fn registrations<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    page: PageRequest,
) -> DomainResult<Page<RegistrationRow>> {
    organiser(actor)?;
    get(db, Some(actor), id).await?;
    let q = event_registration::Entity::find()
        .filter(event_registration::Column::EventId.eq(id))
        .filter(event_registration::Column::Status.ne(RegistrationStatus::Cancelled));
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(event_registration::Column::Seq)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let u = user::Entity::find_by_id(r.user_id.clone()).one(db).await?;
        let (display_name, email) = u.map(|u| (u.display_name, u.email)).unwrap_or_default();
        items.push(RegistrationRow {
            registration: registration_view(db, r).await?,
            display_name,
            email,
        });
    }
    Ok(Page::new(items, total, page))
}

/// Events held so far: published or completed events that have ended.
///
/// # Errors
/// Database errors.
pub async fn held<C: ConnectionTrait>(db: &C) -> DomainResult<u64> {
    Ok(event::Entity::find()
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Completed]))
        .filter(event::Column::EndsAt.lte(Utc::now()))
        .count(db)
        .await?)
}
