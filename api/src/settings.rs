//! Typed settings, loaded once: defaults (the embedded mode) → optional TOML file
//! (`CONFIG_FILE`) → environment variables. A bad value is a start-up error naming the variable.

use domain::xkqz::XkqzPolicy;
use figment::providers::Env;
use figment::{Figment, Provider};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The variables this service reads (besides `XKQZ_*`, `CONFIG_FILE` and `RUST_LOG`).
const VARIABLES: &[&str] = &[
    "BIND_ADDR",
    "DATA_DIR",
    "DATABASE_URL",
    "JWT_SECRET",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "ACCESS_TOKEN_TTL_SECS",
    "REFRESH_TOKEN_TTL_DAYS",
    "BOOTSTRAP_ORGANISER_EMAIL",
    "BOOTSTRAP_ORGANISER_PASSWORD",
    "AUTH_RATE_LIMIT",
    "MAX_BODY_BYTES",
    "DB_MAX_CONNECTIONS",
    "QUERY_TIMEOUT_SECS",
    "REQUEST_TIMEOUT_SECS",
    "LISTING_CACHE_MS",
    "MATCH_CACHE_SECS",
    "MEILI_URL",
    "MEILI_MASTER_KEY",
    "MEILI_INDEX",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub bind_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<SecretString>,
    pub jwt_secret: Option<SecretString>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u32,
    pub bootstrap_organiser_email: Option<String>,
    pub bootstrap_organiser_password: Option<SecretString>,
    /// Attempts per minute per client address and per account; 0 = off.
    pub auth_rate_limit: u32,
    pub max_body_bytes: usize,
    /// Unset: twice the CPUs (see [`Settings::pool_size`]).
    pub db_max_connections: Option<u32>,
    pub query_timeout_secs: u64,
    pub request_timeout_secs: u64,
    /// How long a public listing page may be served from memory (0 = never).
    pub listing_cache_ms: u64,
    /// How long a need's matches may be remembered (0 = never). Any change to the index this
    /// process sees forgets them at once; the limit bounds how long another replica's change
    /// to a shared Meilisearch index can go unseen.
    pub match_cache_secs: u64,
    /// Meilisearch serves search and matching when set; the embedded engine (an index under
    /// `DATA_DIR/index`) otherwise.
    pub meili_url: Option<String>,
    pub meili_master_key: Option<SecretString>,
    /// The Meilisearch index (one per deployment; tests use their own).
    pub meili_index: String,
    pub xkqz: XkqzPolicy,
    #[serde(flatten)]
    pub jobs: worker::JobSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            jwt_secret: None,
            jwt_issuer: "sme-marketplace".into(),
            jwt_audience: "sme-marketplace-api".into(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            bootstrap_organiser_email: None,
            bootstrap_organiser_password: None,
            auth_rate_limit: 10,
            max_body_bytes: 256 * 1024,
            db_max_connections: None,
            query_timeout_secs: 5,
            request_timeout_secs: 10,
            listing_cache_ms: 1000,
            match_cache_secs: 60,
            meili_url: None,
            meili_master_key: None,
            meili_index: "products".into(),
            xkqz: XkqzPolicy::default(),
            jobs: worker::JobSettings::default(),
        }
    }
}

/// A key of the configuration file that no setting reads: a misspelt `db_max_conections` (or
/// `DB_MAX_CONNECTIONS`: keys are lower case) would otherwise leave the default in force without
/// a word. The worker's own keys are known too: both binaries may share one file.
fn unknown_keys(file: &impl Provider) -> Result<(), SettingsError> {
    let data = file
        .data()
        .map_err(|e| SettingsError(format!("CONFIG_FILE: {e}")))?;
    let known: Vec<String> = [
        VARIABLES,
        worker::settings::JOB_VARIABLES,
        worker::settings::WORKER_VARIABLES,
    ]
    .concat()
    .iter()
    .map(|v| v.to_ascii_lowercase())
    .collect();
    let policy = figment::value::Value::serialize(XkqzPolicy::default())
        .map_err(|e| SettingsError(format!("CONFIG_FILE: {e}")))?;
    let policy_keys: Vec<&String> = policy
        .as_dict()
        .map(|d| d.keys().collect())
        .unwrap_or_default();
    let unknown = |key: &str| {
        SettingsError(format!(
            "CONFIG_FILE: unknown key `{key}` (keys are the variables' names in lower case)"
        ))
    };
    for (key, value) in data.values().flat_map(|dict| dict.iter()) {
        if key == "xkqz" {
            for inner in value.as_dict().map(|d| d.keys()).into_iter().flatten() {
                if !policy_keys.contains(&inner) {
                    return Err(unknown(&format!("xkqz.{inner}")));
                }
            }
        } else if !known.contains(key) {
            return Err(unknown(key));
        }
    }
    Ok(())
}

/// A start-up configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Loads from `CONFIG_FILE` (if set) and the environment.
    ///
    /// # Errors
    /// A message naming the variable whose value is missing or malformed.
    pub fn load() -> Result<Self, SettingsError> {
        let mut fig = Figment::new();
        if let Some(file) = worker::settings::config_file().map_err(SettingsError)? {
            unknown_keys(&file)?;
            fig = fig.merge(file);
        }
        // The job variables too: without them an API told to use Redis and SMTP would run the
        // in-process runner beside the workers and write mail to files.
        let vars = [VARIABLES, worker::settings::JOB_VARIABLES].concat();
        fig = fig
            .merge(
                Env::raw()
                    .only(&vars)
                    .map(|k| k.as_str().to_lowercase().into()),
            )
            .merge(
                Env::prefixed("XKQZ_")
                    .map(|k| format!("xkqz.{}", k.as_str().to_lowercase()).into()),
            );
        let name = |e: figment::Error| {
            let var = if e.path.is_empty() {
                "configuration".to_owned()
            } else if e.path.first().is_some_and(|p| p == "xkqz") {
                format!("XKQZ_{}", e.path[1..].join("_").to_uppercase())
            } else {
                e.path.join("_").to_uppercase()
            };
            SettingsError(format!("{var}: {}", e.kind))
        };
        // The job settings alone first: through `flatten` an error loses its key, and the
        // message must name the variable.
        fig.extract::<worker::JobSettings>().map_err(name)?;
        let s: Self = fig.extract().map_err(name)?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), SettingsError> {
        if self.access_token_ttl_secs == 0 {
            return Err(SettingsError(
                "ACCESS_TOKEN_TTL_SECS: must be at least 1".into(),
            ));
        }
        if self.db_max_connections == Some(0) {
            return Err(SettingsError(
                "DB_MAX_CONNECTIONS: must be at least 1".into(),
            ));
        }
        if let Some(s) = &self.jwt_secret
            && s.expose_secret().len() < 32
        {
            return Err(SettingsError(
                "JWT_SECRET: must be at least 32 characters".into(),
            ));
        }
        if self.is_postgres() && self.jwt_secret.is_none() {
            return Err(SettingsError(
                "JWT_SECRET: required with PostgreSQL (replicas must share it)".into(),
            ));
        }
        if let Some(u) = &self.meili_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(SettingsError(
                "MEILI_URL: must start with http:// or https://".into(),
            ));
        }
        if self.meili_index.is_empty()
            || !self
                .meili_index
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(SettingsError(
                "MEILI_INDEX: letters, digits, - and _ only".into(),
            ));
        }
        if let Some(url) = &self.database_url {
            let u = url.expose_secret();
            if !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
            {
                return Err(SettingsError(
                    "DATABASE_URL: must start with sqlite:, postgres:// or postgresql://".into(),
                ));
            }
        }
        Ok(())
    }

    /// The database pool's size: `DB_MAX_CONNECTIONS`, else twice the CPUs (the usual rule
    /// for a pool: about two connections per core keep it busy; more only queue inside the
    /// database). Measured on 2 cores with 32 clients: SQLite, which runs each connection on
    /// a thread of its own, served 1,750 searches/s with 16 connections and 2,470 with 4;
    /// PostgreSQL placed orders with p99 48–50 ms with 16, 39 ms with 8 and 31 ms with 4.
    /// Set it when the database has more cores than this host.
    #[must_use]
    pub fn pool_size(&self) -> u32 {
        self.db_max_connections.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
                .saturating_mul(2)
        })
    }

    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_ref()
            .is_some_and(|u| u.expose_secret().starts_with("postgres"))
    }

    /// The database to use: `DATABASE_URL`, or a SQLite file under `DATA_DIR`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_twice_the_cpus_unless_set() {
        let sqlite = Settings::default();
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(sqlite.pool_size() as usize, cpus * 2);

        let postgres = Settings {
            database_url: Some(SecretString::from("postgres://postgres@127.0.0.1/x")),
            ..Settings::default()
        };
        assert_eq!(postgres.pool_size() as usize, cpus * 2);

        let set = Settings {
            db_max_connections: Some(3),
            ..postgres
        };
        assert_eq!(set.pool_size(), 3);
    }

    #[test]
    // figment's `Jail` fixes the closure's error type.
    #[allow(clippy::result_large_err)]
    fn the_file_is_read_and_its_unknown_keys_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "ok.toml",
                "db_max_connections = 3\nmatch_cache_secs = 5\n[xkqz]\nfast_max_deploy_days = 20\n",
            )?;
            jail.set_env("CONFIG_FILE", "ok.toml");
            let s = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(s.db_max_connections, Some(3));
            assert_eq!(s.match_cache_secs, 5);

            // The environment wins over the file.
            jail.set_env("MATCH_CACHE_SECS", "7");
            assert_eq!(
                Settings::load()
                    .map_err(|e| e.to_string())?
                    .match_cache_secs,
                7
            );

            // The worker's keys are known: one file may serve both binaries.
            jail.create_file("shared.toml", "worker_bind_addr = \"127.0.0.1:8090\"\n")?;
            jail.set_env("CONFIG_FILE", "shared.toml");
            Settings::load().map_err(|e| e.to_string())?;

            for (file, text, named) in [
                (
                    "typo.toml",
                    "db_max_conections = 3\n",
                    "`db_max_conections`",
                ),
                // figment reads keys as written: upper case would be ignored, not read.
                (
                    "upper.toml",
                    "DB_MAX_CONNECTIONS = 3\n",
                    "`DB_MAX_CONNECTIONS`",
                ),
                (
                    "policy.toml",
                    "[xkqz]\nfast_max_deploy_dayz = 3\n",
                    "`xkqz.fast_max_deploy_dayz`",
                ),
            ] {
                jail.create_file(file, text)?;
                jail.set_env("CONFIG_FILE", file);
                let e = Settings::load().expect_err("an unknown key is refused");
                assert!(e.to_string().contains(named), "{file}: {e}");
            }

            jail.set_env("CONFIG_FILE", "missing.toml");
            let e = Settings::load().expect_err("a missing file is refused");
            assert!(e.to_string().contains("CONFIG_FILE"), "{e}");
            Ok(())
        });
    }
}
