//! Health, readiness, metrics, OpenAPI, the docs page, the web UI, demo data, migrations.

use crate::both_databases;
use crate::helpers::*;
use migration::{Migrator, MigratorTrait};

both_databases!(operations_endpoints_answer, migrations_go_down_and_up_again);

async fn operations_endpoints_answer(app: TestApp) {
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let (status, v) = parts(app.get("/readyz", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(v["checks"]["database"], "ok");

    app.get("/products?industry=pcb", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(
        text.contains(r#"route="/api/v1/products""#),
        "routes are labelled by pattern"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));

    let (status, doc) = parts(app.get("/api/v1/openapi.json", None).await).await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/products"]["get"].is_object());
    assert!(doc["paths"]["/auth/register"]["post"].is_object());
    assert!(doc["components"]["schemas"]["ProductView"].is_object());

    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("openapi"));
    let index = app.get("/", None).await.text().await.unwrap();
    assert!(index.contains("/ui/app.js"));
    assert_eq!(app.get("/ui/app.js", None).await.status(), 200);
    let r = app.get("/ui/app.css", None).await;
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
}

async fn migrations_go_down_and_up_again(app: TestApp) {
    let s = app.vetted_supplier().await;
    app.listed_product(&s, &product_body()).await;
    Migrator::down(&app.db, None).await.unwrap();
    let status = Migrator::get_pending_migrations(&app.db).await.unwrap();
    assert_eq!(
        status.len(),
        Migrator::migrations().len(),
        "every migration is undone"
    );
    Migrator::up(&app.db, None).await.unwrap();
    let (status, v) = parts(app.get("/products", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(v["total"], 0, "the schema is new and empty");
}

#[tokio::test]
async fn demo_data_loads_once() {
    let dir = temp_dir();
    let url = fresh_database(Db::Sqlite, &dir.0).await.unwrap();
    let db = sea_orm::Database::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let first = api::demo::load(&db).await.unwrap();
    assert_eq!(
        (first.suppliers, first.products, first.enterprises),
        (30, 319, 60)
    );
    let second = api::demo::load(&db).await.unwrap();
    assert_eq!(
        (second.suppliers, second.products, second.enterprises),
        (0, 0, 0)
    );
    let roles: Vec<_> = second.logins.iter().map(|(r, _)| r.code()).collect();
    for role in ["organiser", "reviewer", "supplier", "enterprise"] {
        assert!(roles.contains(&role), "{role} log-in printed");
    }
}

both_databases!(review_queues_answer_staff_only);

async fn review_queues_answer_staff_only(app: TestApp) {
    for path in ["/review/products", "/review/bundles"] {
        let (status, v) = parts(app.get(path, Some(&app.organiser)).await).await;
        assert_eq!(status, 200, "{path}: {v}");
        assert_eq!(v["total"], 0);
        let e = app.register_enterprise().await;
        assert_eq!(app.get(path, Some(&e.token)).await.status(), 403);
        assert_eq!(app.get(path, None).await.status(), 401);
    }
}
