//! Builds the application from settings: database, migrations, first organiser, HTTP server.

use crate::auth::{AuthLimiter, TokenKeys};
use crate::listing_cache::ListingCache;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::state::AppState;
use crate::{demo, routes};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use domain::services::events::EventPolicy;
use domain::services::{accounts, passwords};
use domain::values::{Email, Role};
use migration::{Migrator, MigratorTrait};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    jobs: worker::JobContext,
    /// Dropping the application stops its in-process job runner.
    _stop_jobs: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Connects, migrates, creates the bootstrap organiser (and demo data when asked), binds.
    ///
    /// # Errors
    /// Any start-up failure, with context naming what failed.
    pub async fn build(settings: Settings, demo_data: bool) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
        Migrator::up(&db, None)
            .await
            .context("running migrations")?;
        if let (Some(email), Some(password)) = (
            &settings.bootstrap_organiser_email,
            &settings.bootstrap_organiser_password,
        ) {
            ensure_organiser(&db, email, password.expose_secret()).await?;
        }
        if demo_data {
            demo::load(&db).await.context("loading demo data")?;
        }
        let search = crate::search_index::open_fresh(&settings, &db).await?;
        let secret = jwt_secret(&settings)?;
        // Embedded mode: this process runs the job handlers over the outbox. With Redis the
        // `worker` processes do, and this one only writes the outbox and runs the search jobs.
        let (stop_jobs, stop_rx) = tokio::sync::watch::channel(false);
        let registry = prometheus::Registry::new();
        let job_ctx = worker::JobContext::new(
            db.clone(),
            worker::app::mailer(&settings.jobs, &settings.data_dir)?,
            settings.jobs.clone(),
            &registry,
        )
        .context("job context")?
        .with_search(search.clone());
        // The search jobs need the index this process holds, so it runs them in both modes.
        let kinds = if settings.jobs.redis_url.is_none() {
            domain::jobs::Kinds::All
        } else {
            domain::jobs::Kinds::Only(domain::jobs::SEARCH_KINDS)
        };
        tokio::spawn(worker::runner::run(job_ctx.clone(), stop_rx, kinds));
        let redis = match &settings.jobs.redis_url {
            Some(url) => Some(redis_client(url.expose_secret()).context("REDIS_URL: malformed")?),
            None => None,
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens: TokenKeys::new(
                &secret,
                &settings.jwt_issuer,
                &settings.jwt_audience,
                Duration::from_secs(settings.access_token_ttl_secs),
            ),
            refresh_ttl: chrono::Duration::days(i64::from(settings.refresh_token_ttl_days)),
            limiter: AuthLimiter::new(settings.auth_rate_limit),
            policy: settings.xkqz.clone(),
            metrics: Metrics::new().context("registering metrics")?,
            listing_cache: ListingCache::new(settings.listing_cache_ms),
            events: EventPolicy {
                reminder_before: chrono::Duration::from_std(settings.jobs.event_reminder_before)
                    .context("EVENT_REMINDER_BEFORE: too long")?,
            },
            redis,
            search,
        });
        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("BIND_ADDR: cannot listen on {}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let max_body = settings.max_body_bytes;
        let timeout = Duration::from_secs(settings.request_timeout_secs);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(web::JsonConfig::default().limit(max_body))
                .wrap(from_fn(crate::metrics::record))
                .wrap(Compress::default())
                .wrap(TracingLogger::default())
                .configure(routes::configure)
        })
        .client_request_timeout(timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            server,
            db,
            jobs: job_ctx,
            _stop_jobs: stop_jobs,
        })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    #[must_use]
    pub fn db(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// The job context (tests drain the outbox with it).
    #[must_use]
    pub fn jobs(&self) -> worker::JobContext {
        self.jobs.clone()
    }

    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens the database with bounded pools and per-query timeouts.
///
/// # Errors
/// When the database cannot be reached or the data directory cannot be made.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    if !settings.is_postgres() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("DATA_DIR: cannot create {}", settings.data_dir.display()))?;
    }
    worker::db::connect(
        &settings.database_url(),
        settings.pool_size(),
        Duration::from_secs(settings.query_timeout_secs),
    )
    .await
}

fn redis_client(url: &str) -> redis::RedisResult<redis::Client> {
    redis::Client::open(url)
}

/// `JWT_SECRET`, or in the embedded mode a secret generated once and kept under `DATA_DIR`.
fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &settings.jwt_secret {
        return Ok(s.expose_secret().as_bytes().to_vec());
    }
    let path = settings.data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    std::fs::write(&path, &secret)
        .with_context(|| format!("DATA_DIR: cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(secret.into_bytes())
}

/// Creates an organiser unless the address already has an account.
///
/// # Errors
/// Bad e-mail or password, or database errors.
pub async fn ensure_organiser(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> anyhow::Result<bool> {
    let email = Email::parse(email)
        .map_err(|m| anyhow::anyhow!("BOOTSTRAP_ORGANISER_EMAIL / --email: {m}"))?;
    passwords::check_password_rule(password)
        .map_err(|m| anyhow::anyhow!("BOOTSTRAP_ORGANISER_PASSWORD / --password: {m}"))?;
    if accounts::find_by_email(db, &email).await?.is_some() {
        return Ok(false);
    }
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || passwords::hash_password(&pw)).await??;
    accounts::insert_user(
        db,
        &email,
        hash,
        "主管部门管理员".into(),
        Role::Organiser,
        None,
    )
    .await?;
    tracing::info!(email = email.as_str(), "organiser created");
    Ok(true)
}
