//! The `worker` process: job loops plus a small HTTP server with `/healthz` and `/metrics`,
//! stopped gracefully on SIGTERM/SIGINT (in-flight jobs finish; the rest wait in the outbox).

use crate::context::JobContext;
use crate::mail::Mailer;
use crate::settings::{JOB_VARIABLES, JobSettings, WORKER_VARIABLES};
use crate::{db, redis_transport, runner};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use figment::Figment;
use figment::providers::Env;
use migration::{Migrator, MigratorTrait};
use prometheus::{Encoder, IntGauge, Registry, TextEncoder};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// Where `/healthz` and `/metrics` listen.
    pub worker_bind_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<SecretString>,
    pub db_max_connections: u32,
    pub query_timeout_secs: u64,
    #[serde(flatten)]
    pub jobs: JobSettings,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            worker_bind_addr: SocketAddr::from(([127, 0, 0, 1], 8090)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_max_connections: 16,
            query_timeout_secs: 5,
            jobs: JobSettings::default(),
        }
    }
}

impl WorkerSettings {
    /// # Errors
    /// A message naming the malformed variable.
    pub fn load() -> anyhow::Result<Self> {
        let mut fig = Figment::new();
        if let Some(file) = crate::settings::config_file().map_err(anyhow::Error::msg)? {
            fig = fig.merge(file);
        }
        let vars = [WORKER_VARIABLES, JOB_VARIABLES].concat();
        fig = fig.merge(
            Env::raw()
                .only(&vars)
                .map(|k| k.as_str().to_lowercase().into()),
        );
        let name = |e: figment::Error| {
            anyhow::anyhow!(
                "configuration error: {}: {}",
                e.path.join("_").to_uppercase(),
                e.kind
            )
        };
        // On their own first: flattened into `Self`, a malformed one would lose its name.
        fig.extract::<JobSettings>().map_err(name)?;
        fig.extract().map_err(name)
    }

    #[must_use]
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("marketplace.db").display()
            ),
        }
    }
}

/// Builds the mailer the settings ask for (SMTP, or files under `DATA_DIR/mail`).
///
/// # Errors
/// A message naming `SMTP_URL` or `MAIL_FROM`.
pub fn mailer(jobs: &JobSettings, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
    Mailer::new(
        jobs.smtp_url.as_ref().map(ExposeSecret::expose_secret),
        &jobs.mail_from,
        &data_dir.join("mail"),
        u32::try_from(jobs.worker_concurrency).unwrap_or(u32::MAX),
    )
}

/// Starts the job loops for `ctx`: Redis relay + consumer when `REDIS_URL` is set, the
/// database runner otherwise. Returns their handles.
///
/// # Errors
/// When Redis is configured but the URL is malformed.
pub async fn start_loops(
    ctx: &JobContext,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut handles = Vec::new();
    match &ctx.settings.redis_url {
        Some(url) => {
            let url = url.expose_secret().to_owned();
            // Redis may be down at start-up: keep trying in the background, never lose work.
            redis::Client::open(url.as_str()).context("REDIS_URL: malformed")?;
            let (ctx, stop) = (ctx.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                let Some(con) = connect_until_stopped(&url, &stop).await else {
                    return;
                };
                let Some(reader) = connect_until_stopped(&url, &stop).await else {
                    return;
                };
                let relay = tokio::spawn(redis_transport::relay(
                    ctx.clone(),
                    con.clone(),
                    stop.clone(),
                ));
                redis_transport::consume(ctx, con, reader, stop).await;
                let _ = relay.await;
            }));
        }
        None => handles.push(tokio::spawn(runner::run(
            ctx.clone(),
            stop.clone(),
            ctx.kinds(),
        ))),
    }
    Ok(handles)
}

/// Connects to Redis, retrying every second; `None` when stopped first.
async fn connect_until_stopped(
    url: &str,
    stop: &watch::Receiver<bool>,
) -> Option<redis::aio::ConnectionManager> {
    loop {
        match redis_transport::connect(url).await {
            Ok(c) => return Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "Redis unreachable; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                if *stop.borrow() {
                    return None;
                }
            }
        }
    }
}

/// Runs the worker until SIGTERM/SIGINT.
///
/// # Errors
/// Start-up failures, naming what failed.
pub async fn run(settings: WorkerSettings) -> anyhow::Result<()> {
    let db = db::connect(
        &settings.database_url(),
        settings.db_max_connections,
        Duration::from_secs(settings.query_timeout_secs),
    )
    .await?;
    Migrator::up(&db, None)
        .await
        .context("running migrations")?;
    let registry = Registry::new();
    let ctx = JobContext::new(
        db.clone(),
        mailer(&settings.jobs, &settings.data_dir)?,
        settings.jobs.clone(),
        &registry,
    )?;
    let outstanding = IntGauge::new("jobs_outstanding", "Jobs due or running")?;
    registry.register(Box::new(outstanding.clone()))?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let loops = start_loops(&ctx, &stop_rx).await?;
    tracing::info!(worker = %ctx.worker_id, redis = settings.jobs.redis_url.is_some(), "worker started");

    let metrics_db = db.clone();
    let server = HttpServer::new(move || {
        let registry = registry.clone();
        let outstanding = outstanding.clone();
        let db = metrics_db.clone();
        App::new()
            .route(
                "/healthz",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
            .route(
                "/metrics",
                web::get().to(move || {
                    let (registry, outstanding, db) =
                        (registry.clone(), outstanding.clone(), db.clone());
                    async move {
                        if let Ok(n) =
                            domain::jobs::outstanding_due(&db, domain::jobs::Kinds::All).await
                        {
                            outstanding.set(i64::try_from(n).unwrap_or(i64::MAX));
                        }
                        let mut buf = Vec::new();
                        let _ = TextEncoder::new().encode(&registry.gather(), &mut buf);
                        HttpResponse::Ok()
                            .content_type("text/plain; version=0.0.4")
                            .body(buf)
                    }
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .bind(settings.worker_bind_addr)
    .with_context(|| {
        format!(
            "WORKER_BIND_ADDR: cannot listen on {}",
            settings.worker_bind_addr
        )
    })?
    .run();
    let server_handle = server.handle();
    let server_task = tokio::spawn(server);

    shutdown_signal().await;
    tracing::info!("shutting down: no new jobs; finishing in-flight ones");
    let _ = stop_tx.send(true);
    for h in loops {
        let _ = tokio::time::timeout(Duration::from_secs(30), h).await;
    }
    server_handle.stop(true).await;
    let _ = server_task.await;
    tracing::info!("worker stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
