//! `api` — the marketplace server and its operator commands.

use api::{Application, Settings, startup, telemetry};
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "api",
    about = "中小企业数字化转型服务平台 — marketplace server"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve {
        /// Load the demo catalogue, enterprises and log-ins (once; idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Apply migrations (`up`, the default), undo the last (`down`) or show them (`status`).
    Migrate {
        #[arg(default_value = "up", value_parser = ["up", "down", "status"])]
        direction: String,
    },
    /// Rebuild the search index from the database. With the embedded engine, stop the server
    /// first (it holds the index) or call POST /api/v1/admin/reindex on it instead.
    Reindex,
    /// Create an organiser account.
    CreateOrganiser {
        #[arg(long)]
        email: String,
        #[arg(long, env = "ORGANISER_PASSWORD")]
        password: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init("info");
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            let ip = settings.bind_addr.ip();
            let app = Application::build(settings, demo).await?;
            println!("平台已启动 listening on http://{ip}:{}/", app.port());
            app.run_until_stopped().await?;
        }
        Command::Migrate { direction } => {
            let db = startup::connect(&settings).await?;
            match direction.as_str() {
                "down" => Migrator::down(&db, Some(1)).await?,
                "status" => Migrator::status(&db).await?,
                _ => Migrator::up(&db, None).await?,
            }
        }
        Command::Reindex => {
            let db = startup::connect(&settings).await?;
            Migrator::up(&db, None).await?;
            let engine = api::search_index::open(&settings).await?;
            let started = std::time::Instant::now();
            let n = search::sync::rebuild(&db, engine.as_ref(), &settings.xkqz).await?;
            println!(
                "search index ({}) rebuilt: {n} products in {} ms",
                engine.name(),
                started.elapsed().as_millis()
            );
        }
        Command::CreateOrganiser { email, password } => {
            let db = startup::connect(&settings).await?;
            Migrator::up(&db, None).await?;
            if startup::ensure_organiser(&db, &email, &password).await? {
                println!("organiser {email} created");
            } else {
                println!("{email} already has an account");
            }
        }
    }
    Ok(())
}
