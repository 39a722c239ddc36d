//! Mail jobs claimed together are sent as one batch: each delivery key still goes out once (two
//! jobs of one key in a batch send one mail), and a preference changed after the fan-out is
//! honoured when the mail is sent. SQLite and the `.eml` file transport, both real.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed test is meant to panic

use chrono::Utc;
use domain::entities::json::IndustryList;
use domain::entities::{delivery, event, job, notification, preference, user};
use domain::jobs::{Job, Mail};
use domain::values::{EventStatus, Industry, JobStatus, Role};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::path::Path;
use std::time::Duration;

/// Mails in `dir` addressed to `email`.
fn mails_to(dir: &Path, email: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .contains(&format!("<{email}>"))
        })
        .count()
}

#[tokio::test]
async fn a_batch_sends_each_key_once_and_honours_a_late_opt_out() {
    let dir = std::env::temp_dir().join(format!("sme-batch-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", dir.join("batch.db").display());
    std::fs::create_dir_all(&dir).unwrap();
    let db = worker::db::connect(&url, 4, Duration::from_secs(5))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let mail_dir = dir.join("mail");
    let mailer =
        worker::mail::Mailer::new(None, "平台 <noreply@test.local>", &mail_dir, 4).unwrap();
    let ctx = worker::JobContext::new(
        db.clone(),
        mailer,
        worker::JobSettings::default(),
        &prometheus::Registry::new(),
    )
    .unwrap();

    let now = Utc::now();
    event::ActiveModel {
        id: Set("ev1".into()),
        title: Set("智能家电供需对接会".into()),
        description: Set("对接".into()),
        industries: Set(IndustryList(vec![Industry::SmartAppliances])),
        starts_at: Set(now + chrono::Duration::days(3)),
        ends_at: Set(now + chrono::Duration::days(3) + chrono::Duration::hours(2)),
        venue: Set("珠海".into()),
        online_url: Set(None),
        capacity: Set(10),
        status: Set(EventStatus::Published),
        revision: Set(1),
        created_by: Set("organiser".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&db)
    .await
    .unwrap();
    let email = |i: usize| format!("u{i}@batch.test");
    for i in 1..=4 {
        user::ActiveModel {
            id: Set(format!("u{i}")),
            email: Set(email(i)),
            password_hash: Set("x".into()),
            display_name: Set(format!("成员{i}")),
            role: Set(Role::Enterprise),
            organisation_id: Set(None),
            created_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let announce = |u: &str| {
        Job::mail(
            u,
            "ev1",
            Mail::EventAnnouncement {
                event_id: "ev1".into(),
            },
        )
    };
    // u1's twice: a fan-out that ran again after dying half-way writes its jobs again.
    let jobs: Vec<Job> = ["u1", "u1", "u2", "u3", "u4"]
        .into_iter()
        .map(announce)
        .collect();
    domain::jobs::enqueue_all(&db, &jobs, None).await.unwrap();
    // u4 opts out after the fan-out wrote the jobs, before they run.
    preference::ActiveModel {
        user_id: Set("u4".into()),
        announcements: Set(false),
        muted_industries: Set(IndustryList(vec![])),
        updated_at: Set(now),
    }
    .insert(&db)
    .await
    .unwrap();

    // All five are claimed at once: one batch.
    worker::runner::drain(&ctx, Duration::from_secs(30))
        .await
        .unwrap();
    for i in 1..=3 {
        assert_eq!(mails_to(&mail_dir, &email(i)), 1, "{}", email(i));
    }
    assert_eq!(mails_to(&mail_dir, &email(4)), 0, "opted out");
    let notes = notification::Entity::find().count(&db).await.unwrap();
    assert_eq!(notes, 3);
    let sent = delivery::Entity::find()
        .filter(delivery::Column::Status.eq("sent"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(sent, 3);
    // The second job of u1's key found the first one's mail in flight: it waits for a retry.
    let waiting = job::Entity::find()
        .filter(job::Column::Status.eq(JobStatus::Pending))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].attempts, 1);
    assert!(
        waiting[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("in flight")
    );
    let done = job::Entity::find()
        .filter(job::Column::Status.eq(JobStatus::Done))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(done, 4);

    // Its retry finds the mail sent and sends nothing.
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(waiting[0].id.clone()))
        .exec(&db)
        .await
        .unwrap();
    worker::runner::drain(&ctx, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(mails_to(&mail_dir, &email(1)), 1);
    let done = job::Entity::find()
        .filter(job::Column::Status.eq(JobStatus::Done))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(done, 5);
    let _ = std::fs::remove_dir_all(&dir);
}
