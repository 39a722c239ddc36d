//! The scale-out transport: a relay moves due outbox rows to a Redis Stream; workers read it
//! through one consumer group, acknowledge after the outcome is recorded, and reclaim entries
//! a dead worker left pending. Redis down: the outbox keeps everything and drains on return.

use crate::context::JobContext;
use crate::handlers::run_batch;
use domain::entities::job;
use domain::values::JobStatus;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
        let (idle, wake) = match moved {
            Ok(0) => (Duration::from_millis(100), true),
            Ok(_) => (Duration::ZERO, true),
            Err(e) => {
                tracing::warn!(error = %e, "relay: Redis or database unavailable; retrying");
                (Duration::from_secs(1), false)
            }
        };
        if !idle.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = ctx.outbox_written.notified(), if wake => {}
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
///
/// `reader` carries only the blocking XREADGROUP: Redis answers a connection's commands in
/// order, so on a shared (multiplexed) connection every XADD, XACK and PING queued behind a
/// blocked read would wait for its timeout; it did, adding up to a second per relay batch.
pub async fn consume(
    ctx: JobContext,
    mut con: ConnectionManager,
    mut reader: ConnectionManager,
    mut stop: watch::Receiver<bool>,
) {
    let consumer = ctx.worker_id.clone();
    let stream = ctx.settings.redis_stream.clone();
    let limit = ctx.settings.worker_concurrency.max(1);
    // Each task runs one batch and returns its size: `in_flight` counts jobs, not tasks.
    let mut running: JoinSet<usize> = JoinSet::new();
    let mut in_flight = 0usize;
    let mut last_reclaim = tokio::time::Instant::now() - Duration::from_secs(60);
    // Checked again after a failed read: a restarted Redis has lost the stream and the group.
    let mut group_ready = false;
    while !*stop.borrow() {
        if !group_ready {
            if let Err(e) = ensure_group(&mut con, &stream).await {
                tracing::warn!(error = %e, "consumer: Redis unavailable; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    changed = stop.changed() => if changed.is_err() { break },
                }
                continue;
            }
            group_ready = true;
        }
        while let Some(done) = running.try_join_next() {
            in_flight = in_flight.saturating_sub(done.unwrap_or(0));
        }
        let free = crate::runner::room(limit, in_flight);
        if free == 0 {
            if let Some(done) = running.join_next().await {
                in_flight = in_flight.saturating_sub(done.unwrap_or(0));
            }
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
                reader.xread_options(&[&stream], &[">"], &opts).await;
            match read {
                Ok(reply) => entries.extend(reply.keys.into_iter().flat_map(|k| k.ids)),
                Err(e) => {
                    group_ready = false;
                    tracing::warn!(error = %e, "XREADGROUP failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        if entries.is_empty() {
            continue;
        }
        let n = entries.len();
        in_flight += n;
        let ctx = ctx.clone();
        let mut con = con.clone();
        let stream = stream.clone();
        running.spawn(async move {
            let ids: Vec<String> = entries.iter().filter_map(job_id).collect();
            handle(&ctx, ids).await;
            // Acknowledge only once the outcomes are in the database.
            let entry_ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            let acked: redis::RedisResult<i64> = con.xack(&stream, GROUP, &entry_ids).await;
            if let Err(e) = acked {
                tracing::warn!(error = %e, entries = n, "XACK failed; the entries will be reclaimed");
            }
            n
        });
    }
    tracing::info!(in_flight, "consumer stopping: finishing in-flight jobs");
    while running.join_next().await.is_some() {}
}

/// Loads the jobs behind a batch of entries (one query) and runs those still to do.
async fn handle(ctx: &JobContext, ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    let n = ids.len();
    match job::Entity::find()
        .filter(job::Column::Id.is_in(ids))
        .all(&ctx.db)
        .await
    {
        Ok(rows) => {
            let todo: Vec<job::Model> = rows
                .into_iter()
                .filter(|m| !matches!(m.status, JobStatus::Done | JobStatus::Dead))
                .collect();
            run_batch(ctx, todo).await;
        }
        Err(e) => {
            tracing::warn!(error = %e, jobs = n, "cannot load jobs; the relay will send them again")
        }
    }
}
