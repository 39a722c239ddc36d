//! Settings the job system needs, shared by the `api` and `worker` binaries (both flatten this
//! struct into their own settings, read from the same variables).

use figment::providers::{Data, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    /// Redis Streams transport when set; in-process runner otherwise.
    pub redis_url: Option<SecretString>,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://…`, or `smtp://127.0.0.1:1025` for plain.
    /// Unset: mail is written as `.eml` files under `DATA_DIR/mail/`.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// The address people use to reach the web UI, for links in mail.
    pub public_url: String,
    #[serde(with = "humantime_serde")]
    pub event_reminder_before: Duration,
    /// The Redis Stream jobs travel on (one per deployment; tests use their own).
    pub redis_stream: String,
    /// Jobs one process runs at once (in batches of up to 32; SMTP connections are capped at
    /// `mail::MAX_SMTP_SESSIONS`).
    pub worker_concurrency: usize,
    /// A job claimed but not finished within this is given to another worker.
    #[serde(with = "humantime_serde")]
    pub job_lease: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            smtp_url: None,
            mail_from: "中小企业数字化转型服务平台 <noreply@sme-platform.local>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            event_reminder_before: Duration::from_secs(24 * 3600),
            redis_stream: "sme:jobs".into(),
            worker_concurrency: 64,
            job_lease: Duration::from_secs(60),
        }
    }
}

/// The variables the `worker` reads besides [`JOB_VARIABLES`] (see `app::WorkerSettings`).
pub const WORKER_VARIABLES: &[&str] = &[
    "WORKER_BIND_ADDR",
    "DATA_DIR",
    "DATABASE_URL",
    "DB_MAX_CONNECTIONS",
    "QUERY_TIMEOUT_SECS",
];

/// The variables of `JobSettings`, for `figment::providers::Env::only`.
pub const JOB_VARIABLES: &[&str] = &[
    "REDIS_URL",
    "REDIS_STREAM",
    "SMTP_URL",
    "MAIL_FROM",
    "PUBLIC_URL",
    "EVENT_REMINDER_BEFORE",
    "WORKER_CONCURRENCY",
    "JOB_LEASE",
];

/// The TOML file `CONFIG_FILE` names, if it names one. A named file that does not exist is an
/// error: figment would read it as empty and start on the defaults without a word.
///
/// # Errors
/// A message naming `CONFIG_FILE` and the path.
pub fn config_file() -> Result<Option<Data<Toml>>, String> {
    match std::env::var("CONFIG_FILE") {
        Ok(path) if !std::path::Path::new(&path).exists() => {
            Err(format!("CONFIG_FILE: no file at {path}"))
        }
        Ok(path) => Ok(Some(Toml::file(path))),
        Err(_) => Ok(None),
    }
}
