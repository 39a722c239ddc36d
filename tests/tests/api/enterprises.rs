//! 一企一档: who sees and changes an enterprise's file; the organisers' list; /stats.

use crate::both_databases;
use crate::helpers::*;
use serde_json::json;

both_databases!(
    members_and_organisers_see_the_file,
    only_organisers_set_digital_levels,
    organisers_list_and_filter,
    stats_count_by_industry,
);

async fn members_and_organisers_see_the_file(app: TestApp) {
    let a = app.register_enterprise().await;
    let b = app.register_enterprise().await;
    let s = app.vetted_supplier().await;
    let path = format!("/enterprises/{}", a.org_id);
    let (status, v) = parts(app.get(&path, Some(&a.token)).await).await;
    assert_eq!(status, 200);
    assert_eq!(v["credit_code"], a.body["organisation"]["credit_code"]);
    assert_eq!(app.get(&path, Some(&app.organiser)).await.status(), 200);
    assert_eq!(app.get(&path, Some(&b.token)).await.status(), 404);
    assert_eq!(app.get(&path, Some(&s.token)).await.status(), 404);
    assert_eq!(app.get(&path, None).await.status(), 401);
    assert_eq!(
        app.patch(&path, Some(&b.token), &json!({"district": "金湾区"}))
            .await
            .status(),
        404
    );

    let (status, v) = parts(
        app.patch(
            &path,
            Some(&a.token),
            &json!({"district": "金湾区", "contact_phone": "0756-1234567"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["district"], "金湾区");
    assert_eq!(
        v["name"], a.body["organisation"]["name"],
        "untouched fields stay"
    );

    // A bad patch changes nothing.
    let (status, v) = parts(
        app.patch(
            &path,
            Some(&a.token),
            &json!({"district": "斗门区", "employees": 5000}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["errors"]["employees"].is_string());
    let (_, v) = parts(app.get(&path, Some(&a.token)).await).await;
    assert_eq!(v["district"], "金湾区");
    // The credit code is the enterprise's identity: not editable.
    let (status, v) = parts(
        app.patch(
            &path,
            Some(&a.token),
            &json!({"credit_code": credit_code()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["errors"]["credit_code"].is_string());
}

async fn only_organisers_set_digital_levels(app: TestApp) {
    let a = app.register_enterprise().await;
    let path = format!("/enterprises/{}", a.org_id);
    let (status, v) = parts(
        app.patch(&path, Some(&a.token), &json!({"digital_level": 4}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["errors"]["digital_level"].is_string());
    let (status, v) = parts(
        app.patch(&path, Some(&app.organiser), &json!({"digital_level": 3}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["digital_level"], 3);
    assert_eq!(v["digital_level_baseline"], 2);
    let (status, _) = parts(
        app.patch(&path, Some(&app.organiser), &json!({"digital_level": 0}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
}

async fn organisers_list_and_filter(app: TestApp) {
    let a = app.register_enterprise().await;
    let mut org = enterprise_org();
    org["industry"] = json!("pcb");
    org["district"] = json!("斗门区");
    let b = app.register("enterprise", org).await;
    assert_eq!(app.get("/enterprises", Some(&a.token)).await.status(), 403);
    let (status, v) = parts(app.get("/enterprises", Some(&app.organiser)).await).await;
    assert_eq!(status, 200);
    assert_eq!(v["total"], 2);
    let (_, v) = parts(
        app.get("/enterprises?industry=pcb", Some(&app.organiser))
            .await,
    )
    .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["id"], b.org_id.as_str());
    let (_, v) = parts(
        app.get(
            "/enterprises?district=%E6%96%97%E9%97%A8%E5%8C%BA",
            Some(&app.organiser),
        )
        .await,
    )
    .await;
    assert_eq!(v["total"], 1);
    let (_, v) = parts(
        app.get("/enterprises?digital_level=2", Some(&app.organiser))
            .await,
    )
    .await;
    assert_eq!(v["total"], 2);
    let (status, v) = parts(
        app.get("/enterprises?industry=textiles", Some(&app.organiser))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["errors"]["industry"].is_string());
}

async fn stats_count_by_industry(app: TestApp) {
    let e = app.register_enterprise().await;
    let s = app.vetted_supplier().await;
    app.listed_product(&s, &product_body()).await;
    let _pending = app.register("supplier", supplier_org()).await;
    assert_eq!(app.get("/stats", Some(&e.token)).await.status(), 403);
    let (status, v) = parts(app.get("/stats", Some(&app.organiser)).await).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["by_industry"]["smart_appliances"]["enterprises"], 1);
    assert_eq!(
        v["by_industry"]["smart_appliances"]["enterprises_digital_level_2_plus"],
        1
    );
    assert_eq!(v["by_industry"]["pcb"]["vetted_suppliers"], 1);
    assert_eq!(v["by_industry"]["pcb"]["listed_products"], 1);
    assert_eq!(
        v["totals"]["vetted_suppliers"], 1,
        "pending suppliers do not count"
    );
    assert_eq!(v["events_held"]["target"], 5);
    assert_eq!(
        v["enterprises_digital_level_2_plus"],
        json!({"actual": 1, "target": 500})
    );
}
