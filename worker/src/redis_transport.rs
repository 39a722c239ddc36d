//! The scale-out transport: a relay moves due outbox rows to a Redis Stream; workers read it
//! through one consumer group, acknowledge after the outcome is recorded, and reclaim entries
//! a dead worker left pending. Redis down: the outbox keeps everything and drains on return.

use crate::context::JobContext;
use crate::handlers::run_one;
use domain::entities::job;
use domain::values::JobStatus;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
};
use sea_orm::EntityTrait;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub const GROUP: &str = "workers";
/// Entries pending this long on a consumer are taken to be orphaned by a dead worker.
const RECLAIM_IDLE_MS: usize = 30_000;
/// Rows handed to Redis stay leased this long before the relay sends them again (an entry lost
/// with a Redis restart is then re-sent; duplicates are harmless thanks to delivery keys).
const RELAY_LEASE_SECS: i64 = 300;

/// # Errors
/// When the URL is malformed or Redis cannot be reached.
pub async fn connect(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    ConnectionManager::new(client).await
}

async fn ensure_group(con: &mut ConnectionManager, stream: &str) -> redis::RedisResult<()> {
    let r: redis::RedisResult<()> = con.xgroup_create_mkstream(stream, GROUP, "0").await;
    match r {
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        other => other,
    }
}

/// Moves due outbox rows to the stream, until stopped.
pub async fn relay(ctx: JobContext, mut con: ConnectionManager, mut stop: watch::Receiver<bool>) {
    let lease = chrono::Duration::seconds(RELAY_LEASE_SECS);
    let me = format!("relay:{}", ctx.worker_id);
    while !*stop.borrow() {
        let moved = relay_once(&ctx, &mut con, &me, lease).await;
        let idle = match moved {
            Ok(0) => Duration::from_millis(100),
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::warn!(error = %e, "relay: Redis or database unavailable; retrying");
                Duration::from_secs(1)
            }
        };
        if !idle.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
    }
}

async fn relay_once(
    ctx: &JobContext,
    con: &mut ConnectionManager,
    me: &str,
    lease: chrono::Duration,
) -> anyhow::Result<usize> {
    // Check Redis first so rows are not leased while it is down.
    let _: String = redis::cmd("PING").query_async(con).await?;
    // Search jobs stay in the outbox for the processes that hold the index.
    let kinds = domain::jobs::Kinds::Except(domain::jobs::SEARCH_KINDS);
    let rows = domain::jobs::claim_due(&ctx.db, me, 500, lease, kinds).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut pipe = redis::pipe();
    for r in &rows {
        pipe.cmd("XADD")
            .arg(&ctx.settings.redis_stream)
            .arg("*")
            .arg("job_id")
            .arg(&r.id)
            .ignore();
    }
    pipe.query_async::<()>(con).await?;
    Ok(rows.len())
}

fn job_id(entry: &StreamId) -> Option<String> {
    entry.get::<String>("job_id")
}

/// Reads the stream as one consumer of the group, until stopped; then finishes in-flight jobs.
pub async fn consume(ctx: JobContext, mut con: ConnectionManager, mut stop: watch::Receiver<bool>) {
    let consumer = ctx.worker_id.clone();
    let stream = ctx.settings.redis_stream.clone();
    let limit = ctx.settings.worker_concurrency.max(1);
    let mut running: JoinSet<()> = JoinSet::new();
    let mut last_reclaim = tokio::time::Instant::now() - Duration::from_secs(60);
    while !*stop.borrow() {
        if let Err(e) = ensure_group(&mut con, &stream).await {
            tracing::warn!(error = %e, "consumer: Redis unavailable; retrying");
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
            continue;
        }
        while running.try_join_next().is_some() {}
        let free = limit.saturating_sub(running.len());
        if free == 0 {
            running.join_next().await;
            continue;
        }
        let mut entries: Vec<StreamId> = Vec::new();
        if last_reclaim.elapsed() > Duration::from_secs(5) {
            last_reclaim = tokio::time::Instant::now();
            let claimed: redis::RedisResult<StreamAutoClaimReply> = con
                .xautoclaim_options(
                    &stream,
                    GROUP,
                    &consumer,
                    RECLAIM_IDLE_MS,
                    "0-0",
                    StreamAutoClaimOptions::default().count(free),
                )
                .await;
            match claimed {
                Ok(r) => {
                    if !r.claimed.is_empty() {
                        tracing::info!(n = r.claimed.len(), "reclaimed entries of a dead consumer");
                    }
                    entries.extend(r.claimed);
                }
                Err(e) => tracing::warn!(error = %e, "XAUTOCLAIM failed"),
            }
        }
        if entries.is_empty() {
            let opts = StreamReadOptions::default()
                .group(GROUP, &consumer)
                .count(free)
                .block(1000);
            let read: redis::RedisResult<StreamReadReply> =
                con.xread_options(&[&stream], &[">"], &opts).await;
            match read {
                Ok(reply) => entries.extend(reply.keys.into_iter().flat_map(|k| k.ids)),
                Err(e) => {
                    tracing::warn!(error = %e, "XREADGROUP failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        for entry in entries {
            let ctx = ctx.clone();
            let mut con = con.clone();
            let stream = stream.clone();
            running.spawn(async move {
                if let Some(id) = job_id(&entry) {
                    handle(&ctx, &id).await;
                }
                // Acknowledge only once the outcome is in the database.
                let acked: redis::RedisResult<i64> = con.xack(&stream, GROUP, &[&entry.id]).await;
                if let Err(e) = acked {
                    tracing::warn!(error = %e, entry = %entry.id, "XACK failed; the entry will be reclaimed");
                }
            });
        }
    }
    tracing::info!(
        in_flight = running.len(),
        "consumer stopping: finishing in-flight jobs"
    );
    while running.join_next().await.is_some() {}
}

async fn handle(ctx: &JobContext, id: &str) {
    match job::Entity::find_by_id(id.to_owned()).one(&ctx.db).await {
        Ok(Some(m)) if !matches!(m.status, JobStatus::Done | JobStatus::Dead) => {
            run_one(ctx, m).await
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, job = id, "cannot load job; the relay will send it again")
        }
    }
}
