//! The outbox runner: claims due jobs from the database and runs them, several at once. The API
//! runs it in-process in the embedded mode; `worker` runs it when there is no Redis.

use crate::context::JobContext;
use crate::handlers::run_batch;
use crate::search_jobs;
use domain::entities::job;
use domain::jobs;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often an idle runner looks for due work (first mail well under a second).
const IDLE_POLL: Duration = Duration::from_millis(100);

/// Search jobs claimed at once: an index commit costs about the same for one product as for
/// hundreds, so a burst of approvals is indexed in a few commits.
const SEARCH_BATCH: u64 = 500;

/// The search and the other kinds among `kinds`.
fn split(kinds: jobs::Kinds) -> (bool, Option<jobs::Kinds>) {
    use jobs::Kinds;
    match kinds {
        Kinds::All => (true, Some(Kinds::Except(jobs::SEARCH_KINDS))),
        Kinds::Only(k) if k == jobs::SEARCH_KINDS => (true, None),
        Kinds::Except(k) if k == jobs::SEARCH_KINDS => (false, Some(kinds)),
        other => (false, Some(other)),
    }
}

async fn claim(
    ctx: &JobContext,
    limit: u64,
    lease: chrono::Duration,
    kinds: jobs::Kinds,
) -> Vec<job::Model> {
    match jobs::claim_due(&ctx.db, &ctx.worker_id, limit, lease, kinds).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "claiming jobs failed");
            Vec::new()
        }
    }
}

/// Jobs taken at once (claimed here, read from the stream by the Redis consumer) and run as
/// one batch: a batch of mails costs a handful of statements whatever its size, so bigger is
/// cheaper, but a process keeps two in flight (the next one's database work overlaps this
/// one's SMTP) and shares a burst with the other workers.
pub(crate) const BATCH: usize = 32;

/// How many jobs to take now, with `in_flight` of at most `limit` running: a whole batch, or
/// what fits when nothing runs; 0 while a whole batch does not fit. Taking whatever was free
/// kept small batches small (a batch of 2 finishing made room for another of 2): 13 mails a
/// batch on average in a fan-out instead of 32.
pub(crate) fn room(limit: usize, in_flight: usize) -> usize {
    let free = limit.saturating_sub(in_flight).min(BATCH);
    if free > 0 && (free >= BATCH.min(limit) || in_flight == 0) {
        free
    } else {
        0
    }
}

/// Runs the jobs of `kinds` until `stop` turns true, then lets in-flight jobs finish. Search
/// jobs run one batch at a time (one index writer); the others, in batches, up to
/// `WORKER_CONCURRENCY` at once.
pub async fn run(ctx: JobContext, mut stop: watch::Receiver<bool>, kinds: jobs::Kinds) {
    let limit = ctx.settings.worker_concurrency.max(1);
    let lease = chrono::Duration::from_std(ctx.settings.job_lease)
        .unwrap_or_else(|_| chrono::Duration::seconds(60));
    let (search, others) = split(kinds);
    // Each task runs one batch and returns its size: `in_flight` counts jobs, not tasks.
    let mut running: JoinSet<usize> = JoinSet::new();
    let mut in_flight = 0usize;
    let mut indexing: JoinSet<()> = JoinSet::new();
    loop {
        if *stop.borrow() {
            break;
        }
        while let Some(done) = running.try_join_next() {
            in_flight = in_flight.saturating_sub(done.unwrap_or(0));
        }
        while indexing.try_join_next().is_some() {}
        let mut claimed_any = false;
        if search && indexing.is_empty() {
            let batch = claim(
                &ctx,
                SEARCH_BATCH,
                lease,
                jobs::Kinds::Only(jobs::SEARCH_KINDS),
            )
            .await;
            if !batch.is_empty() {
                claimed_any = true;
                let ctx = ctx.clone();
                indexing.spawn(async move { search_jobs::run_batch(&ctx, batch).await });
            }
        }
        let free = room(limit, in_flight);
        if let Some(k) = others.filter(|_| free > 0) {
            let claimed = claim(&ctx, free as u64, lease, k).await;
            if !claimed.is_empty() {
                claimed_any = true;
                let n = claimed.len();
                in_flight += n;
                let ctx = ctx.clone();
                running.spawn(async move {
                    run_batch(&ctx, claimed).await;
                    n
                });
            }
        }
        if !claimed_any {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = ctx.outbox_written.notified() => {}
                done = running.join_next(), if !running.is_empty() => {
                    in_flight = in_flight.saturating_sub(done.and_then(Result::ok).unwrap_or(0));
                }
                _ = indexing.join_next(), if !indexing.is_empty() => {}
                // A dropped sender (the owning application is gone) also means stop.
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
    }
    tracing::info!(
        in_flight = in_flight + indexing.len(),
        "job runner stopping: finishing in-flight jobs"
    );
    while running.join_next().await.is_some() {}
    while indexing.join_next().await.is_some() {}
}

/// Runs due jobs until none are left or `timeout` passes (tests and commands).
///
/// # Errors
/// When jobs are still due after `timeout`.
pub async fn drain(ctx: &JobContext, timeout: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + timeout;
    let lease = chrono::Duration::seconds(60);
    loop {
        let claimed = jobs::claim_due(&ctx.db, &ctx.worker_id, 64, lease, ctx.kinds())
            .await
            .map_err(|e| e.to_string())?;
        if claimed.is_empty() {
            let left = jobs::outstanding_due(&ctx.db, ctx.kinds())
                .await
                .map_err(|e| e.to_string())?;
            if left == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut set = JoinSet::new();
        spawn_claimed(ctx, &mut set, claimed);
        while set.join_next().await.is_some() {}
        if tokio::time::Instant::now() > deadline {
            return Err("jobs still due after the timeout".into());
        }
    }
}

/// Starts claimed jobs: the search jobs among them as one batch (one index write), the others
/// as another.
fn spawn_claimed(ctx: &JobContext, set: &mut JoinSet<()>, claimed: Vec<job::Model>) {
    let (search, others): (Vec<job::Model>, Vec<job::Model>) = claimed
        .into_iter()
        .partition(|m| jobs::SEARCH_KINDS.contains(&m.kind.as_str()));
    if !search.is_empty() {
        let ctx = ctx.clone();
        set.spawn(async move { search_jobs::run_batch(&ctx, search).await });
    }
    if !others.is_empty() {
        let ctx = ctx.clone();
        set.spawn(async move { run_batch(&ctx, others).await });
    }
}

#[cfg(test)]
mod tests {
    use super::{BATCH, room};

    #[test]
    fn jobs_are_taken_a_whole_batch_at_a_time() {
        assert_eq!(room(64, 0), BATCH);
        assert_eq!(room(64, 32), BATCH);
        // 31 free of 64: wait for a whole batch rather than take a small one.
        assert_eq!(room(64, 33), 0);
        assert_eq!(room(64, 64), 0);
        // Below a batch's size, whatever fits when nothing runs.
        assert_eq!(room(8, 0), 8);
        assert_eq!(room(8, 3), 0);
    }
}
