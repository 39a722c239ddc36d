//! Events, registrations, waitlist, notifications and the job system, with a real SMTP server.

use crate::helpers::*;
use crate::smtp::SmtpSink;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

/// Generates `<name>::sqlite` and `<name>::postgres` for bodies `fn(TestApp, SmtpSink)`.
macro_rules! with_mail {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() { super::run(crate::helpers::Db::Sqlite, super::$name).await }
                #[tokio::test]
                async fn postgres() { super::run(crate::helpers::Db::Postgres, super::$name).await }
            }
        )+
    };
}

async fn run<F, Fut>(db: Db, body: F)
where
    F: FnOnce(TestApp, SmtpSink) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sink = SmtpSink::start();
    let url = sink.url();
    let Some(app) = spawn_app_with(db, |s| {
        s.jobs.smtp_url = Some(SecretString::from(url));
        s.jobs.event_reminder_before = StdDuration::from_secs(3);
    })
    .await
    else {
        return;
    };
    body(app, sink).await;
}

with_mail!(
    publish_announces_once_to_opted_in_users_of_its_industries,
    registration_waitlist_and_promotion,
    change_and_cancellation_tell_the_registered,
    reminder_goes_before_the_start,
    fifty_registrations_for_ten_seats,
    poison_job_goes_dead_and_can_be_retried,
    events_validation_and_permissions,
);

fn event_body(industries: &[&str], capacity: i64, starts_in: Duration) -> Value {
    let starts = Utc::now() + starts_in;
    json!({
        "title": "智能家电行业数字化转型供需对接会",
        "description": "介绍试点政策与小快轻准产品",
        "industries": industries,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + Duration::hours(2)).to_rfc3339(),
        "venue": "珠海国际会展中心 3 号厅",
        "online_url": "https://meeting.example.com/123",
        "capacity": capacity
    })
}

async fn published(
    app: &TestApp,
    industries: &[&str],
    capacity: i64,
    starts_in: Duration,
) -> String {
    let (status, e) = parts(
        app.post(
            "/events",
            Some(&app.organiser),
            &event_body(industries, capacity, starts_in),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["status"], "draft");
    let id = e["id"].as_str().unwrap().to_owned();
    let (status, e) = parts(
        app.post(
            &format!("/events/{id}/publish"),
            Some(&app.organiser),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(e["status"], "published");
    id
}

async fn enterprise_in(app: &TestApp, industry: &str) -> Member {
    let mut org = enterprise_org();
    org["industry"] = json!(industry);
    app.register("enterprise", org).await
}

fn to(mails: &[crate::smtp::Received], email: &str) -> Vec<crate::smtp::Received> {
    mails.iter().filter(|m| m.to == email).cloned().collect()
}

async fn publish_announces_once_to_opted_in_users_of_its_industries(app: TestApp, sink: SmtpSink) {
    let a = enterprise_in(&app, "smart_appliances").await;
    let opted_out = enterprise_in(&app, "smart_appliances").await;
    let other_industry = enterprise_in(&app, "pcb").await;
    let mut org = supplier_org();
    org["industries"] = json!(["smart_appliances", "pcb"]);
    let supplier = app.register("supplier", org.clone()).await;
    org["credit_code"] = json!(credit_code());
    let muted = app.register("supplier", org).await;

    let r = app
        .req(
            reqwest::Method::PUT,
            "/me/preferences",
            Some(&opted_out.token),
        )
        .json(&json!({"announcements": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .req(reqwest::Method::PUT, "/me/preferences", Some(&muted.token))
        .json(&json!({"announcements": true, "muted_industries": ["smart_appliances"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, prefs) = parts(app.get("/me/preferences", Some(&muted.token)).await).await;
    assert_eq!(prefs["muted_industries"], json!(["smart_appliances"]));

    published(&app, &["smart_appliances"], 50, Duration::days(7)).await;
    app.wait_for_jobs().await;
    let mails = sink.wait_for(2, StdDuration::from_secs(20)).await;
    assert_eq!(
        mails.len(),
        2,
        "{:?}",
        mails.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    for who in [&a, &supplier] {
        let got = to(&mails, &who.email);
        assert_eq!(got.len(), 1, "{} gets exactly one", who.email);
        assert!(
            got[0]
                .subject
                .contains("【活动通知】智能家电行业数字化转型供需对接会"),
            "{}",
            got[0].subject
        );
        assert!(got[0].text.contains("珠海国际会展中心 3 号厅"));
        assert!(got[0].text.contains("北京时间"));
        assert!(got[0].html.contains("<html"));
    }
    for who in [&opted_out, &other_industry, &muted] {
        assert!(to(&mails, &who.email).is_empty(), "{} gets none", who.email);
    }
    // The in-app copy.
    let (_, n) = parts(app.get("/me/notifications", Some(&a.token)).await).await;
    assert_eq!(n["total"], 1);
    assert_eq!(n["items"][0]["kind"], "event_announcement");
    let (_, n) = parts(app.get("/me/notifications", Some(&opted_out.token)).await).await;
    assert_eq!(n["total"], 0);
    // Nothing is sent twice, even if the fan-out ran again.
    domain::jobs::enqueue(
        &app.db,
        domain::jobs::Job::AnnounceEvent {
            event_id: published_id(&app).await,
        },
        None,
    )
    .await
    .unwrap();
    app.wait_for_jobs().await;
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 2);
}

async fn published_id(app: &TestApp) -> String {
    let (_, v) = parts(app.get("/events", None).await).await;
    v["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn registration_waitlist_and_promotion(app: TestApp, sink: SmtpSink) {
    let id = published(&app, &["pcb"], 1, Duration::days(3)).await;
    let first = enterprise_in(&app, "biomedicine").await;
    let second = enterprise_in(&app, "biomedicine").await;
    let path = format!("/events/{id}/registrations");
    let (status, r) = parts(app.post(&path, Some(&first.token), &json!({})).await).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["status"], "registered");
    let (status, r) = parts(app.post(&path, Some(&second.token), &json!({})).await).await;
    assert_eq!(status, 201);
    assert_eq!(r["status"], "waitlisted");
    assert_eq!(r["waitlist_position"], 1);
    let (status, r) = parts(app.post(&path, Some(&first.token), &json!({})).await).await;
    assert_eq!(status, 409, "{r}");
    let (_, e) = parts(app.get(&format!("/events/{id}"), None).await).await;
    assert_eq!(
        (e["registered"].as_u64(), e["waitlisted"].as_u64()),
        (Some(1), Some(1))
    );

    let mails = sink.wait_for(2, StdDuration::from_secs(20)).await;
    let confirm = to(&mails, &first.email);
    assert_eq!(confirm.len(), 1);
    assert!(confirm[0].subject.contains("报名成功"));
    let ics = confirm[0]
        .attachments
        .iter()
        .find(|(ct, _)| ct == "text/calendar")
        .expect("an .ics attachment");
    assert!(ics.1.contains("BEGIN:VEVENT") && ics.1.contains(&format!("UID:{id}@sme-platform")));
    let wait = to(&mails, &second.email);
    assert_eq!(wait.len(), 1);
    assert!(wait[0].subject.contains("候补登记"));
    assert!(wait[0].text.contains("第 1 位"), "{}", wait[0].text);

    // The first gives up the seat: the waitlisted one moves up and is told.
    let r = app
        .req(
            reqwest::Method::DELETE,
            &format!("{path}/me"),
            Some(&first.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .req(
            reqwest::Method::DELETE,
            &format!("{path}/me"),
            Some(&first.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing left to cancel");
    let (_, mine) = parts(app.get(&format!("{path}/me"), Some(&second.token)).await).await;
    assert_eq!(mine["status"], "registered");
    let mails = sink.wait_for(3, StdDuration::from_secs(20)).await;
    let promoted: Vec<_> = to(&mails, &second.email)
        .into_iter()
        .filter(|m| m.subject.contains("候补转正"))
        .collect();
    assert_eq!(promoted.len(), 1);
    assert!(
        promoted[0]
            .attachments
            .iter()
            .any(|(ct, _)| ct == "text/calendar")
    );
    // Organisers see the list; others may not.
    let (status, list) = parts(app.get(&path, Some(&app.organiser)).await).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["email"], second.email.as_str());
    assert_eq!(app.get(&path, Some(&second.token)).await.status(), 403);
    app.wait_for_jobs().await;
    assert_eq!(sink.received().len(), 3, "each mail once");
}

async fn change_and_cancellation_tell_the_registered(app: TestApp, sink: SmtpSink) {
    let id = published(&app, &["printing"], 5, Duration::days(3)).await;
    let e = enterprise_in(&app, "biomedicine").await;
    let w = enterprise_in(&app, "biomedicine").await;
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&e.token),
            &json!({})
        )
        .await
        .status(),
        201
    );
    sink.wait_for(1, StdDuration::from_secs(20)).await;
    // A title change tells nobody; a venue change tells the registered.
    let (status, _) = parts(
        app.patch(
            &format!("/events/{id}"),
            Some(&app.organiser),
            &json!({"title": "打印耗材行业对接会（第二场）"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = parts(
        app.patch(
            &format!("/events/{id}"),
            Some(&app.organiser),
            &json!({"venue": "横琴科学城会议中心"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let mails = sink.wait_for(2, StdDuration::from_secs(20)).await;
    let changed: Vec<_> = to(&mails, &e.email)
        .into_iter()
        .filter(|m| m.subject.contains("活动变更"))
        .collect();
    assert_eq!(changed.len(), 1);
    assert!(changed[0].text.contains("横琴科学城会议中心"));
    assert!(to(&mails, &w.email).is_empty());
    // Cancelling tells the registered; the event leaves the public list.
    let (status, v) = parts(
        app.post(
            &format!("/events/{id}/cancel"),
            Some(&app.organiser),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "cancelled");
    let mails = sink.wait_for(3, StdDuration::from_secs(20)).await;
    assert_eq!(
        to(&mails, &e.email)
            .iter()
            .filter(|m| m.subject.contains("活动取消"))
            .count(),
        1
    );
    assert_eq!(app.get(&format!("/events/{id}"), None).await.status(), 404);
    assert_eq!(
        app.post(
            &format!("/events/{id}/cancel"),
            Some(&app.organiser),
            &json!({})
        )
        .await
        .status(),
        409
    );
    app.wait_for_jobs().await;
    assert_eq!(sink.received().len(), 3);
}

async fn reminder_goes_before_the_start(app: TestApp, sink: SmtpSink) {
    // Starts in 6 s; reminders go 3 s before (set in `run`).
    let id = published(&app, &["smart_grid"], 5, Duration::seconds(6)).await;
    let e = enterprise_in(&app, "biomedicine").await;
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&e.token),
            &json!({})
        )
        .await
        .status(),
        201
    );
    let mails = sink.wait_for(2, StdDuration::from_secs(30)).await;
    let reminders: Vec<_> = to(&mails, &e.email)
        .into_iter()
        .filter(|m| m.subject.contains("活动提醒"))
        .collect();
    assert_eq!(
        reminders.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    app.wait_for_jobs().await;
    assert_eq!(
        sink.received().len(),
        2,
        "one confirmation and one reminder"
    );
}

async fn fifty_registrations_for_ten_seats(app: TestApp, _sink: SmtpSink) {
    let id = published(&app, &["pcb"], 10, Duration::days(3)).await;
    let e = enterprise_in(&app, "pcb").await;
    // Fifty members of one enterprise, with tokens minted like the server's.
    let key = EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes());
    let now = Utc::now().timestamp();
    let tokens: Vec<String> = (0..50)
        .map(|i| {
            let claims = json!({"sub": format!("member-{i}"), "role": "enterprise", "org": e.org_id, "iss": "sme-marketplace", "aud": "sme-marketplace-api", "iat": now, "exp": now + 600});
            encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
        })
        .collect();
    let path = format!("/events/{id}/registrations");
    let empty = json!({});
    let results =
        futures::future::join_all(tokens.iter().map(|t| app.post(&path, Some(t), &empty))).await;
    let mut registered = 0;
    let mut waitlisted = 0;
    for r in results {
        let (status, v) = parts(r).await;
        assert_eq!(status, 201, "{v}");
        match v["status"].as_str() {
            Some("registered") => registered += 1,
            Some("waitlisted") => waitlisted += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((registered, waitlisted), (10, 40));
    let (_, v) = parts(app.get(&format!("/events/{id}"), None).await).await;
    assert_eq!(
        (v["registered"].as_u64(), v["waitlisted"].as_u64()),
        (Some(10), Some(40))
    );
}

async fn poison_job_goes_dead_and_can_be_retried(app: TestApp, sink: SmtpSink) {
    use sea_orm::{ActiveModelTrait, Set};
    let poison = domain::entities::job::ActiveModel {
        id: Set("poison-1".into()),
        kind: Set("send_mail".into()),
        version: Set(1),
        payload: Set(json!({"kind": "no_such_job"})),
        status: Set(domain::values::JobStatus::Pending),
        attempts: Set(0),
        max_attempts: Set(8),
        run_at: Set(Utc::now()),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    };
    poison.insert(&app.db).await.unwrap();
    // Other work goes on around it.
    let id = published(&app, &["pcb"], 5, Duration::days(3)).await;
    let e = enterprise_in(&app, "biomedicine").await;
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&e.token),
            &json!({})
        )
        .await
        .status(),
        201
    );
    sink.wait_for(1, StdDuration::from_secs(20)).await;
    app.wait_for_jobs().await;
    let (status, dead) = parts(
        app.get("/admin/jobs?status=dead", Some(&app.organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(dead["total"], 1);
    assert_eq!(dead["items"][0]["id"], "poison-1");
    assert!(
        dead["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("unreadable payload")
    );
    assert_eq!(
        app.get("/admin/jobs?status=dead", Some(&e.token))
            .await
            .status(),
        403
    );
    let (status, j) = parts(
        app.post(
            "/admin/jobs/poison-1/retry",
            Some(&app.organiser),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(j["status"], "pending");
    app.wait_for_jobs().await;
    let (_, dead) = parts(
        app.get("/admin/jobs?status=dead", Some(&app.organiser))
            .await,
    )
    .await;
    assert_eq!(dead["total"], 1, "still poison after a retry");
    assert_eq!(
        app.post("/admin/jobs/nope/retry", Some(&app.organiser), &json!({}))
            .await
            .status(),
        404
    );
}

async fn events_validation_and_permissions(app: TestApp, _sink: SmtpSink) {
    let e = enterprise_in(&app, "pcb").await;
    let body = event_body(&["pcb"], 10, Duration::days(1));
    assert_eq!(
        app.post("/events", Some(&e.token), &body).await.status(),
        403
    );
    let mut bad = body.clone();
    bad["ends_at"] = bad["starts_at"].clone();
    let (status, v) = parts(app.post("/events", Some(&app.organiser), &bad).await).await;
    assert_eq!(status, 422);
    assert!(v["errors"]["ends_at"].is_string());
    let mut bad = body.clone();
    bad["capacity"] = json!(0);
    let (_, v) = parts(app.post("/events", Some(&app.organiser), &bad).await).await;
    assert!(v["errors"]["capacity"].is_string());
    let mut bad = body.clone();
    bad["starts_at"] = json!("next tuesday");
    let (status, v) = parts(app.post("/events", Some(&app.organiser), &bad).await).await;
    assert_eq!(status, 422);
    assert!(v["errors"]["starts_at"].is_string());
    // A draft is invisible to the public and cannot be registered for.
    let (_, d) = parts(app.post("/events", Some(&app.organiser), &body).await).await;
    let id = d["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/events/{id}"), None).await.status(), 404);
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&e.token),
            &json!({})
        )
        .await
        .status(),
        404
    );
    let (_, list) = parts(app.get("/events", Some(&app.organiser)).await).await;
    assert_eq!(list["total"], 1);
    let (_, list) = parts(app.get("/events", None).await).await;
    assert_eq!(list["total"], 0);
    // Staff do not register; publishing twice is a conflict.
    app.post(
        &format!("/events/{id}/publish"),
        Some(&app.organiser),
        &json!({}),
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/events/{id}/publish"),
            Some(&app.organiser),
            &json!({})
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&app.organiser),
            &json!({})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post(&format!("/events/{id}/registrations"), None, &json!({}))
            .await
            .status(),
        401
    );
}

mod smtp_outage {
    #[tokio::test]
    async fn sqlite() {
        super::smtp_outage_retries_until_delivered(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test]
    async fn postgres() {
        super::smtp_outage_retries_until_delivered(crate::helpers::Db::Postgres).await;
    }
}

/// With the SMTP server down, mail jobs fail and retry with backoff; once it is back every mail
/// arrives, once.
async fn smtp_outage_retries_until_delivered(db: Db) {
    let mut sink = SmtpSink::start();
    let port = sink.port;
    sink.stop();
    let url = format!("smtp://127.0.0.1:{port}");
    let Some(app) = spawn_app_with(db, |s| s.jobs.smtp_url = Some(SecretString::from(url))).await
    else {
        return;
    };
    let id = published(&app, &["pcb"], 5, Duration::days(3)).await;
    let e = enterprise_in(&app, "biomedicine").await;
    assert_eq!(
        app.post(
            &format!("/events/{id}/registrations"),
            Some(&e.token),
            &json!({})
        )
        .await
        .status(),
        201
    );
    // The confirmation fails at least once while the server is down.
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let (_, jobs) = parts(
            app.get("/admin/jobs?status=pending", Some(&app.organiser))
                .await,
        )
        .await;
        let retried = jobs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["attempts"].as_i64() >= Some(1));
        if retried {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no retry recorded: {jobs}"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let sink = SmtpSink::start_on(port);
    let mails = sink.wait_for(1, StdDuration::from_secs(30)).await;
    assert_eq!(to(&mails, &e.email).len(), 1);
    assert!(mails[0].subject.contains("报名成功"));
    app.wait_for_jobs().await;
    assert_eq!(sink.received().len(), 1);
}
