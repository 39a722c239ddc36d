//! The scale-out transport through the real `worker` binary: the API writes the outbox, workers
//! relay it through a Redis Stream and send the mail; Redis down loses nothing; a worker killed
//! with SIGKILL mid fan-out is replaced, nobody is missed and nobody gets two different messages.
//! Runs when `TEST_REDIS_URL` is set (CI starts the machine's Redis), prints "skipped" otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed test is meant to panic

use api::{Application, Settings};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct-horse-battery";
const JWT: &str = "test-secret-test-secret-test-secret-0123456789";

struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
    /// While this file exists the server stores each mail but withholds its "250".
    hold: PathBuf,
}

impl Sink {
    fn start(dir: &Path) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp_sink.py");
        let hold = dir.with_file_name("hold");
        let mut child = Command::new("python3")
            .args([
                script,
                "--dir",
                dir.to_str().unwrap(),
                "--hold",
                hold.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .trim_start_matches("port=")
            .parse()
            .expect("sink port");
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
            hold,
        }
    }

    /// Mails stored while held, their "250" not (yet) sent.
    fn held(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "held"))
            .count()
    }

    /// Recipient → the `Message-ID` of every copy received.
    fn by_recipient(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for e in std::fs::read_dir(&self.dir).unwrap().filter_map(Result::ok) {
            if e.path().extension().is_none_or(|x| x != "eml") {
                continue;
            }
            let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
            let head = raw.split("\r\n\r\n").next().unwrap_or_default();
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                })
            };
            if let Some(to) = header("To") {
                let addr = to
                    .rsplit('<')
                    .next()
                    .unwrap_or(&to)
                    .trim_end_matches('>')
                    .to_owned();
                out.entry(addr)
                    .or_default()
                    .push(header("Message-ID").unwrap_or_default());
            }
        }
        out
    }

    fn total(&self) -> usize {
        self.by_recipient().values().map(Vec::len).sum()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Env {
    dir: PathBuf,
    db_url: String,
    redis: String,
    stream: String,
    sink: Sink,
}

fn setup() -> Option<Env> {
    let Ok(redis) = std::env::var("TEST_REDIS_URL") else {
        println!("skipped: TEST_REDIS_URL not set");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("sme-redis-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("mail")).unwrap();
    let sink = Sink::start(&dir.join("mail"));
    Some(Env {
        db_url: format!("sqlite://{}?mode=rwc", dir.join("shared.db").display()),
        dir,
        redis,
        stream: format!("test:{}", uuid::Uuid::new_v4().simple()),
        sink,
    })
}

async fn api(env: &Env, redis: &str) -> (String, sea_orm::DatabaseConnection) {
    let settings = Settings {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: env.dir.clone(),
        database_url: Some(SecretString::from(env.db_url.clone())),
        jwt_secret: Some(SecretString::from(JWT)),
        auth_rate_limit: 0,
        bootstrap_organiser_email: Some("bureau@zhuhai.test".into()),
        bootstrap_organiser_password: Some(SecretString::from(PASSWORD)),
        jobs: worker::JobSettings {
            redis_url: Some(SecretString::from(redis.to_owned())),
            redis_stream: env.stream.clone(),
            smtp_url: Some(SecretString::from(format!(
                "smtp://127.0.0.1:{}",
                env.sink.port
            ))),
            ..worker::JobSettings::default()
        },
        ..Settings::default()
    };
    let app = Application::build(settings, false).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    tokio::spawn(app.run_until_stopped());
    (base, db)
}

/// A worker process, killed if a failed assertion leaves it running (it would outlive the test
/// and hold its output open).
struct Worker(Option<Child>);

impl Worker {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_worker(env: &Env) -> Worker {
    let child = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("DATABASE_URL", &env.db_url)
        .env("REDIS_URL", &env.redis)
        .env("REDIS_STREAM", &env.stream)
        .env("SMTP_URL", format!("smtp://127.0.0.1:{}", env.sink.port))
        .env("WORKER_BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Worker(Some(child))
}

async fn post(base: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/api/v1{path}"))
        .json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn login(base: &str) -> String {
    let (_, v) = post(
        base,
        "/auth/login",
        None,
        &json!({"email": "bureau@zhuhai.test", "password": PASSWORD}),
    )
    .await;
    v["access_token"].as_str().unwrap().to_owned()
}

fn credit_code(n: usize) -> String {
    let charset = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut x = uuid::Uuid::new_v4().as_u128() as u64 ^ n as u64;
    let mut body = String::from("914404");
    for _ in 0..11 {
        body.push(char::from(charset[(x % 31) as usize]));
        x /= 31;
    }
    let check = domain::values::CreditCode::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// `n` enterprise users in the smart-appliance segment, inserted directly (one shared hash keeps
/// set-up fast); returns their e-mail addresses.
async fn audience(db: &sea_orm::DatabaseConnection, n: usize) -> Vec<String> {
    use domain::services::enterprises::NewEnterprise;
    use domain::values::{Email, EnterpriseIndustry, Role};
    let firm = NewEnterprise {
        name: "珠海市测试电器有限公司".into(),
        credit_code: credit_code(n),
        industry: EnterpriseIndustry::SmartAppliances,
        district: "香洲区".into(),
        employees: 100,
        annual_revenue_wan: 5000,
        specialised: None,
        digital_level_baseline: Some(2),
        contact_name: "陈".into(),
        contact_phone: "13800138000".into(),
        contact_email: "c@example.com".into(),
    }
    .into_active_model("")
    .unwrap();
    let firm = domain::services::enterprises::insert(db, firm)
        .await
        .unwrap();
    let hash = domain::services::passwords::hash_password(PASSWORD).unwrap();
    let mut emails = Vec::new();
    for i in 0..n {
        let email = format!("member{i}-{}@example.com", uuid::Uuid::new_v4().simple());
        domain::services::accounts::insert_user(
            db,
            &Email::parse(&email).unwrap(),
            hash.clone(),
            format!("成员{i}"),
            Role::Enterprise,
            Some(firm.id.clone()),
        )
        .await
        .unwrap();
        emails.push(email);
    }
    emails
}

async fn publish_event(base: &str, token: &str) -> String {
    let starts = chrono::Utc::now() + chrono::Duration::days(5);
    let (status, e) = post(base, "/events", Some(token), &json!({
        "title": "智能家电供需对接会", "industries": ["smart_appliances"],
        "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "venue": "珠海国际会展中心", "capacity": 100
    })).await;
    assert_eq!(status, 201, "{e}");
    let id = e["id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        base,
        &format!("/events/{id}/publish"),
        Some(token),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    id
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stop(mut worker: Worker) -> std::process::ExitStatus {
    let mut child = worker.0.take().unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("worker did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn two_workers_send_each_mail_once_through_redis() {
    let Some(env) = setup() else { return };
    let (base, db) = api(&env, &env.redis).await;
    let token = login(&base).await;
    let people = audience(&db, 40).await;
    publish_event(&base, &token).await;
    // The API only writes the outbox in this mode: nothing goes out without a worker.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(env.sink.total(), 0);

    let a = spawn_worker(&env);
    let b = spawn_worker(&env);
    wait_until("40 announcements", Duration::from_secs(60), || {
        env.sink.total() >= 40
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = env.sink.by_recipient();
    for p in &people {
        assert_eq!(got.get(p).map(Vec::len), Some(1), "{p} gets exactly one");
    }
    assert_eq!(env.sink.total(), 40);
    assert!(stop(a).success(), "graceful stop on SIGTERM");
    assert!(stop(b).success());
    let _ = std::fs::remove_dir_all(&env.dir);
}

#[tokio::test]
async fn redis_down_loses_nothing() {
    let Some(env) = setup() else { return };
    // The API starts and takes changes with Redis unreachable…
    let (base, db) = api(&env, "redis://127.0.0.1:1").await;
    let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    assert!(v["detail"].as_str().unwrap().contains("redis"));
    let token = login(&base).await;
    let people = audience(&db, 10).await;
    publish_event(&base, &token).await;
    // …and the outbox drains once a worker reaches Redis.
    let w = spawn_worker(&env);
    wait_until("10 announcements", Duration::from_secs(60), || {
        env.sink.total() >= 10
    })
    .await;
    let got = env.sink.by_recipient();
    for p in &people {
        assert_eq!(got.get(p).map(Vec::len), Some(1));
    }
    assert!(stop(w).success());
    let _ = std::fs::remove_dir_all(&env.dir);
}

#[tokio::test]
async fn a_killed_worker_is_replaced_and_every_mail_arrives_once() {
    let Some(env) = setup() else { return };
    let (base, db) = api(&env, &env.redis).await;
    let token = login(&base).await;
    let people = audience(&db, 500).await;
    publish_event(&base, &token).await;
    let mut first = spawn_worker(&env);
    wait_until("the fan-out to start", Duration::from_secs(60), || {
        env.sink.total() >= 50
    })
    .await;
    // From now on the server keeps each mail but does not answer: the worker is killed with
    // mails the server has and the worker has no record of, the case SMTP cannot make
    // exactly-once, made to happen here rather than left to the timing of the kill.
    std::fs::write(&env.sink.hold, b"").unwrap();
    wait_until("a held mail", Duration::from_secs(30), || {
        env.sink.held() >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.child().kill().unwrap(); // SIGKILL: no chance to finish anything
    first.child().wait().unwrap();
    let held = env.sink.held();
    std::fs::remove_file(&env.sink.hold).unwrap();
    let before = env.sink.total();
    assert!(before < 500, "killed mid fan-out ({before} sent)");
    let second = spawn_worker(&env);
    // Until the outbox is drained: the dead worker's jobs come back after 30 s.
    let deadline = Instant::now() + Duration::from_secs(150);
    while domain::jobs::outstanding_due(
        &db,
        domain::jobs::Kinds::Except(domain::jobs::SEARCH_KINDS),
    )
    .await
    .unwrap()
        > 0
    {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The held mails are on the server with no record of it, so they go again; as the same
    // message (one Message-ID, derived from the delivery key), which is what lets the
    // receiving side keep one. Each person: exactly one distinct message.
    let got = env.sink.by_recipient();
    let mut duplicates = 0;
    for p in &people {
        let copies = got.get(p).unwrap_or_else(|| panic!("{p} got no mail"));
        let ids: HashSet<&String> = copies.iter().collect();
        assert_eq!(ids.len(), 1, "{p} got {} different messages", ids.len());
        assert!(
            copies[0].starts_with('<') && copies[0].ends_with('>'),
            "{p}: Message-ID {:?}",
            copies[0]
        );
        duplicates += copies.len() - 1;
    }
    assert_eq!(got.len(), people.len(), "mail to nobody else");
    let messages: HashSet<&String> = got.values().flatten().collect();
    assert_eq!(messages.len(), 500, "one distinct message per person");
    // Every held mail was sent again (so the test did reach the case it is about), and beyond
    // those at most the mails whose "250" came just before the kill.
    assert!(
        duplicates >= held,
        "{held} held mails but {duplicates} sent twice"
    );
    assert!(duplicates <= held + 64, "{duplicates} duplicates");
    // The records agree: one sent delivery and one in-app copy per person.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let sent = domain::entities::delivery::Entity::find()
        .filter(domain::entities::delivery::Column::Status.eq("sent"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(sent, 500);
    let notes = domain::entities::notification::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(notes, 500);
    println!("killed after {before} mails, {held} held; {duplicates} sent twice (same Message-ID)");
    assert!(stop(second).success());
    let _ = std::fs::remove_dir_all(&env.dir);
}
