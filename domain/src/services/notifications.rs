//! In-app notifications (copies of what was mailed) and mail preferences.

use super::{Actor, Page, PageRequest};
use crate::entities::json::IndustryList;
use crate::entities::{notification, preference};
use crate::error::{Checker, DomainResult};
use crate::values::Industry;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<notification::Model> for NotificationView {
    fn from(n: notification::Model) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            subject: n.subject,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// The actor's notifications, newest first.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    page: PageRequest,
) -> DomainResult<Page<notification::Model>> {
    let q =
        notification::Entity::find().filter(notification::Column::UserId.eq(actor.user_id.clone()));
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}

/// Which mail a user wants. Transactional mail (confirmations, changes, cancellations,
/// reminders) always goes; these only govern announcements.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Event announcements at all.
    pub announcements: bool,
    /// Industries whose announcements are not wanted.
    #[serde(default)]
    pub muted_industries: Vec<Industry>,
}

/// # Errors
/// Database errors.
pub async fn preferences<C: ConnectionTrait>(db: &C, actor: &Actor) -> DomainResult<Preferences> {
    Ok(preference::Entity::find_by_id(actor.user_id.clone())
        .one(db)
        .await?
        .map_or(
            Preferences {
                announcements: true,
                muted_industries: Vec::new(),
            },
            |p| Preferences {
                announcements: p.announcements,
                muted_industries: p.muted_industries.0,
            },
        ))
}

/// # Errors
/// 422 on too many industries; database errors.
pub async fn set_preferences<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    p: Preferences,
) -> DomainResult<Preferences> {
    let mut c = Checker::new();
    let muted = c.list("muted_industries", &p.muted_industries, 0, 6);
    c.finish()?;
    preference::Entity::insert(preference::ActiveModel {
        user_id: Set(actor.user_id.clone()),
        announcements: Set(p.announcements),
        muted_industries: Set(IndustryList(muted.clone())),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(preference::Column::UserId)
            .update_columns([
                preference::Column::Announcements,
                preference::Column::MutedIndustries,
                preference::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(Preferences {
        announcements: p.announcements,
        muted_industries: muted,
    })
}
