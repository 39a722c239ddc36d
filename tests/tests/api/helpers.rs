//! `spawn_app()`: a real server on a random port with a fresh database per test: a temp SQLite
//! file, or a UUID-named PostgreSQL database when `TEST_DATABASE_URL` is set.

use api::{Application, Settings};
use domain::values::CreditCode;
use reqwest::{Client, Method, RequestBuilder, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const ORGANISER_EMAIL: &str = "bureau@zhuhai.test";
pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: sea_orm::DatabaseConnection,
    pub organiser: String,
    /// The app's own directory, removed with it (`None` when attached to another's).
    _dir: Option<TempDir>,
}

/// A directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A valid credit code, different on every call.
pub fn credit_code() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1000;
    let charset = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::from("914404");
    let mut x = n ^ (uuid::Uuid::new_v4().as_u128() as u64);
    for _ in 0..11 {
        body.push(char::from(charset[(x % 31) as usize]));
        x /= 31;
    }
    let check = CreditCode::check_char(&body).unwrap();
    format!("{body}{check}")
}

pub fn unique_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", uuid::Uuid::new_v4().simple())
}

pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    Settings {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_path_buf(),
        jwt_secret: Some(SecretString::from(TEST_JWT_SECRET)),
        auth_rate_limit: 0,
        bootstrap_organiser_email: Some(ORGANISER_EMAIL.into()),
        bootstrap_organiser_password: Some(SecretString::from(PASSWORD)),
        ..Settings::default()
    }
}

/// A fresh database URL for `db`, or `None` when PostgreSQL is not configured.
pub async fn fresh_database(db: Db, dir: &std::path::Path) -> Option<String> {
    match db {
        Db::Sqlite => Some(format!(
            "sqlite://{}?mode=rwc",
            dir.join("test.db").display()
        )),
        Db::Postgres => {
            let base = std::env::var("TEST_DATABASE_URL").ok()?;
            let name = format!("test_{}", uuid::Uuid::new_v4().simple());
            use sea_orm::ConnectionTrait;
            let admin = sea_orm::Database::connect(&base).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let (prefix, _) = base.rsplit_once('/').unwrap();
            Some(format!("{prefix}/{name}"))
        }
    }
}

pub fn temp_dir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("sme-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Spawns the app; `None` (test skipped) for PostgreSQL without `TEST_DATABASE_URL`.
pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |_| {}).await
}

pub async fn spawn_app_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init("debug");
    }
    let dir = temp_dir();
    let Some(url) = fresh_database(db, &dir.0).await else {
        println!("skipped: TEST_DATABASE_URL not set");
        return None;
    };
    let mut settings = test_settings(&dir.0);
    settings.database_url = Some(SecretString::from(url));
    tweak(&mut settings);
    let app = Application::build(settings, false).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder().build().unwrap();
    let mut t = TestApp {
        address,
        client,
        db,
        organiser: String::new(),
        _dir: Some(dir),
    };
    t.organiser = t.login(ORGANISER_EMAIL, PASSWORD).await;
    Some(t)
}

/// Generates `<name>_sqlite` and `<name>_postgres` tests from one async body `fn(TestApp)`.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await {
                        super::$name(app).await;
                    }
                }
                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Db::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )+
    };
}

/// A registered user with its tokens and organisation.
#[derive(Debug, Clone)]
pub struct Member {
    pub email: String,
    pub token: String,
    pub refresh: String,
    pub org_id: String,
    pub body: Value,
}

impl TestApp {
    /// A client of a server already running on `address` with its SQLite database in `dir`.
    pub async fn attach(address: &str, dir: &std::path::Path) -> Self {
        let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
        let mut t = TestApp {
            address: address.to_owned(),
            client: Client::builder().build().unwrap(),
            db: sea_orm::Database::connect(&url).await.unwrap(),
            organiser: String::new(),
            _dir: None,
        };
        t.organiser = t.login(ORGANISER_EMAIL, PASSWORD).await;
        t
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/')
            && !path.starts_with("/api/")
            && !path.starts_with("/healthz")
            && !path.starts_with("/readyz")
            && !path.starts_with("/metrics")
            && !path.starts_with("/docs")
            && path != "/"
            && !path.starts_with("/ui/")
        {
            format!("{}/api/v1{path}", self.address)
        } else {
            format!("{}{path}", self.address)
        }
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.client.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.req(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.req(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.req(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Waits until no job is due or running (the in-process runner works meanwhile).
    pub async fn wait_for_jobs(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let left = domain::jobs::outstanding_due(&self.db, domain::jobs::Kinds::All)
                .await
                .unwrap();
            if left == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{left} jobs still due"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/auth/login",
                None,
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status(), 200, "login {email}");
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn register(&self, role: &str, organisation: Value) -> Member {
        let email = unique_email(role);
        let r = self
            .post(
                "/auth/register",
                None,
                &json!({"email": email, "password": PASSWORD, "display_name": "测试用户", "role": role, "organisation": organisation}),
            )
            .await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        Member {
            email,
            token: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
            org_id: body["organisation"]["id"].as_str().unwrap().to_owned(),
            body,
        }
    }

    pub async fn register_enterprise(&self) -> Member {
        self.register("enterprise", enterprise_org()).await
    }

    /// Posts a need for `member`'s enterprise; returns its id.
    pub async fn need(&self, member: &Member, body: &Value) -> String {
        let r = self.post("/needs", Some(&member.token), body).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// A supplier, vetted by the organiser.
    pub async fn vetted_supplier(&self) -> Member {
        let s = self.register("supplier", supplier_org()).await;
        let r = self
            .post(
                &format!("/suppliers/{}/vetting", s.org_id),
                Some(&self.organiser),
                &json!({"decision": "approve", "reason": "资质齐全"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        s
    }

    /// Creates a draft product of `supplier`; returns its JSON.
    pub async fn draft_product(&self, supplier: &Member, body: &Value) -> Value {
        let r = self.post("/products", Some(&supplier.token), body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{v}");
        v
    }

    /// Creates, submits and approves a product; returns its id.
    pub async fn listed_product(&self, supplier: &Member, body: &Value) -> String {
        let p = self.draft_product(supplier, body).await;
        let id = p["id"].as_str().unwrap().to_owned();
        let r = self
            .post(
                &format!("/products/{id}/submit"),
                Some(&supplier.token),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let r = self
            .post(
                &format!("/products/{id}/review"),
                Some(&self.organiser),
                &json!({"decision": "approve", "comment": "符合要求"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        // The search index follows through a job; searches in the tests see it done.
        self.wait_for_jobs().await;
        id
    }
}

pub fn enterprise_org() -> Value {
    json!({
        "name": "珠海市测试电器有限公司",
        "credit_code": credit_code(),
        "industry": "smart_appliances",
        "district": "香洲区",
        "employees": 210,
        "annual_revenue_wan": 26000,
        "specialised": "specialised",
        "digital_level_baseline": 2,
        "contact_name": "陈志强",
        "contact_phone": "13800138000",
        "contact_email": "contact@example.com"
    })
}

pub fn supplier_org() -> Value {
    json!({
        "name": "珠海测试数字科技有限公司",
        "credit_code": credit_code(),
        "kind": "vendor",
        "industries": ["pcb", "smart_appliances"],
        "description": "工业软件供应商",
        "contact_email": "bd@example.com"
    })
}

pub fn product_body() -> Value {
    json!({
        "name": "PCB批次追溯查询服务",
        "summary": "按周期码或批号快速查询PCB的生产记录。",
        "description": "客户投诉或召回时输入周期码，即可查到该批板的投料记录。",
        "industries": ["pcb"],
        "stages": ["manufacturing", "service"],
        "delivery": "saas",
        "price_fen": 2_000_000,
        "pilot_price_fen": 1_500_000,
        "price_unit": "per_year",
        "deploy_days": 10,
        "ip_certificates": ["软著登字第8740413号"],
        "reference_cases": 12,
        "ai_powered": false,
        "tags": ["批次追溯", "MES"]
    })
}

/// Status and JSON body of a response.
pub async fn parts(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
