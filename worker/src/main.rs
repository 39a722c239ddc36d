//! `worker` — runs jobs: Redis Streams consumer + relay with `REDIS_URL`, the database runner
//! otherwise; `/healthz` and `/metrics` on `WORKER_BIND_ADDR`.

use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .try_init();
    let result = match worker::app::WorkerSettings::load() {
        Ok(s) => worker::app::run(s).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
