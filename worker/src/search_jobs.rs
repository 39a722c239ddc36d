//! The jobs that keep the search index equal to the database, and the notice to enterprises
//! when a newly listed product answers their open need. They run only where the index is
//! (`JobContext::search`); each reads the current state, so a late or repeated run is harmless.

use crate::context::{JobContext, SearchIndex};
use crate::error::JobError;
use crate::handlers;
use domain::entities::{job, need, product, supplier, user};
use domain::jobs::{self, Job, Mail};
use domain::services::products::ProductView;
use sea_orm::EntityTrait;

fn index(ctx: &JobContext) -> Result<&SearchIndex, JobError> {
    // Not reached: runners without an index never claim these kinds (`JobContext::kinds`).
    ctx.search
        .as_ref()
        .ok_or_else(|| JobError::Retry("this process keeps no search index".into()))
}

fn engine_failed(e: search::SearchError) -> JobError {
    JobError::Retry(format!("search index: {e}"))
}

/// # Errors
/// `Retry` when the database or the engine fails.
pub async fn sync_products(ctx: &JobContext, ids: &[String]) -> Result<(), JobError> {
    let ix = index(ctx)?;
    search::sync::sync_products(&ctx.db, ix.engine().as_ref(), &ix.policy, ids)
        .await
        .map_err(engine_failed)
}

/// # Errors
/// `Retry` when the database or the engine fails.
pub async fn sync_supplier(ctx: &JobContext, supplier_id: &str) -> Result<(), JobError> {
    let ix = index(ctx)?;
    search::sync::sync_supplier(&ctx.db, ix.engine().as_ref(), &ix.policy, supplier_id)
        .await
        .map_err(engine_failed)
}

/// Indexes the product, then writes one mail job per member of each enterprise whose open
/// need it answers. The mails are keyed by need, product and person, so a repeated run, or the
/// product listed again later, tells nobody twice.
///
/// # Errors
/// `Retry` when the database or the engine fails.
pub async fn announce_listing(ctx: &JobContext, product_id: &str) -> Result<(), JobError> {
    sync_products(ctx, &[product_id.to_owned()]).await?;
    tell_needs(ctx, product_id).await
}

/// The second half of `announce_listing`, once the product is indexed.
async fn tell_needs(ctx: &JobContext, product_id: &str) -> Result<(), JobError> {
    let ix = index(ctx)?;
    let needs: Vec<need::Model> =
        search::proposals::needs_answered_by(&ctx.db, &ix.matcher, &ix.policy, product_id)
            .await
            .map_err(engine_failed)?;
    for n in needs {
        let mail = Mail::NewMatch {
            need_id: n.id.clone(),
            product_id: product_id.to_owned(),
        };
        let subject = format!("{}:{product_id}", n.id);
        jobs::mail_members(&ctx.db, &n.enterprise_id, &subject, mail).await?;
    }
    Ok(())
}

/// What the `new_match` mail says: the need, the product and why it fits.
///
/// # Errors
/// Database errors.
pub async fn prepare_new_match(
    ctx: &JobContext,
    need_id: &str,
    product_id: &str,
    user: &user::Model,
) -> Result<Option<(serde_json::Value, String)>, JobError> {
    let Some(n) = need::Entity::find_by_id(need_id.to_owned())
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    let Some((p, Some(s))) = product::Entity::find_by_id(product_id.to_owned())
        .find_also_related(supplier::Entity)
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    let policy = ctx
        .search
        .as_ref()
        .map(|ix| ix.policy.clone())
        .unwrap_or_default();
    let view = ProductView::new(p, s.name, &policy);
    let base = ctx.settings.public_url.trim_end_matches('/');
    let link = format!("{base}/#/needs/{}", n.id);
    let context = serde_json::json!({
        "name": user.display_name,
        "need": {"title": n.title},
        "product": {
            "name": view.name,
            "summary": view.summary,
            "supplier": view.supplier_name,
            "pilot_price": crate::handlers::yuan(view.pilot_price_fen),
            "deploy_days": view.deploy_days,
            "link": format!("{base}/#/products/{}", view.id),
        },
        "link": link,
    });
    Ok(Some((context, link)))
}

/// Runs claimed search jobs together: the products of every `sync_products` and
/// `announce_listing` among them are synced with one index write (an engine commit costs far
/// more than a document, and a reviewer's afternoon of approvals arrives as a burst), then each
/// job finishes on its own and is recorded on its own.
pub async fn run_batch(ctx: &JobContext, claimed: Vec<job::Model>) {
    let started = std::time::Instant::now();
    let decoded: Vec<(job::Model, Result<Job, String>)> = claimed
        .into_iter()
        .map(|m| {
            let j = jobs::decode(&m);
            (m, j)
        })
        .collect();
    let ids: Vec<String> = decoded
        .iter()
        .flat_map(|(_, j)| match j {
            Ok(Job::SyncProducts { product_ids }) => product_ids.clone(),
            Ok(Job::AnnounceListing { product_id }) => vec![product_id.clone()],
            _ => Vec::new(),
        })
        .collect();
    let synced = sync_products(ctx, &ids).await.map_err(|e| e.to_string());
    for (m, j) in decoded {
        let result = match j {
            Err(e) => Err(JobError::Permanent(e)),
            Ok(Job::SyncProducts { .. }) => synced.clone().map_err(JobError::Retry),
            Ok(Job::AnnounceListing { product_id }) => match &synced {
                Ok(()) => tell_needs(ctx, &product_id).await,
                Err(e) => Err(JobError::Retry(e.clone())),
            },
            Ok(Job::SyncSupplier { supplier_id }) => sync_supplier(ctx, &supplier_id).await,
            Ok(_) => handlers::perform(ctx, &m).await,
        };
        handlers::record(ctx, &m, &result, started).await;
    }
}
