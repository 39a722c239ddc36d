//! Bundles (产品组合方案包): listed products sold together for one industry, with the same
//! submit/review/delist life as products.

use crate::both_databases;
use crate::helpers::*;
use crate::problems::*;
use reqwest::Response;
use serde_json::{Value, json};

both_databases!(
    bundle_lifecycle,
    bundle_needs_two_listed_products_of_its_industry,
    bundle_body_validation,
    product_errors_name_the_position_the_client_sent,
    delisting_a_product_hides_the_bundle,
    suspending_a_contributing_supplier_hides_the_bundle,
    bundle_reject_requires_comment_and_can_be_resubmitted,
    bundle_illegal_transitions_are_conflicts,
    bundle_authorization,
    bundle_review_queue,
    submit_and_approve_recheck_the_products,
    supplier_bundle_catalogue,
    text_search_ranks_bundles_by_relevance,
    a_delisted_bundle_is_revised_and_listed_again,
);

// ---------------------------------------------------------------------------------------------
// Local helpers

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Public bundle ids for `query`.
async fn public_bundles(app: &TestApp, query: &str) -> Vec<String> {
    let page = expect(app.get(&format!("/bundles?{query}"), None).await, 200).await;
    for b in page["items"].as_array().unwrap() {
        assert_eq!(b["status"], "listed", "{b}");
    }
    let list = ids(&page);
    assert_eq!(page["total"].as_u64().unwrap(), list.len() as u64, "{page}");
    list
}

fn product(name: &str, industries: Value, pilot: i64) -> Value {
    let mut p = product_body();
    p["name"] = json!(name);
    p["industries"] = industries;
    p["price_fen"] = json!(pilot * 2);
    p["pilot_price_fen"] = json!(pilot);
    p
}

/// Two vetted suppliers and their products.
struct World {
    a: Member,
    b: Member,
    /// A's listed PCB product, pilot 1 500 000.
    a_pcb: String,
    /// A's second listed PCB product, pilot 500 000.
    a_pcb2: String,
    /// B's listed cross-industry product, pilot 300 000.
    b_general: String,
    /// B's listed smart-grid product, pilot 700 000.
    b_grid: String,
    /// A's draft PCB product.
    a_draft: String,
}

async fn world(app: &TestApp) -> World {
    let a = app.vetted_supplier().await;
    let b = app.vetted_supplier().await;
    let a_pcb = app
        .listed_product(
            &a,
            &product("PCB批次追溯查询服务", json!(["pcb"]), 1_500_000),
        )
        .await;
    let a_pcb2 = app
        .listed_product(&a, &product("PCB工艺参数管理", json!(["pcb"]), 500_000))
        .await;
    let b_general = app
        .listed_product(&b, &product("通用财务云", json!(["general"]), 300_000))
        .await;
    let b_grid = app
        .listed_product(
            &b,
            &product("电网设备运维助手", json!(["smart_grid"]), 700_000),
        )
        .await;
    let a_draft = app
        .draft_product(&a, &product("PCB草稿产品", json!(["pcb"]), 100_000))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        a,
        b,
        a_pcb,
        a_pcb2,
        b_general,
        b_grid,
        a_draft,
    }
}

fn bundle_body(product_ids: &[&String]) -> Value {
    json!({
        "name": "PCB数字化组合包",
        "industry": "pcb",
        "description": "追溯、工艺与财务一体化",
        "product_ids": product_ids,
        "price_fen": 2_000_000,
    })
}

async fn create(app: &TestApp, s: &Member, body: &Value) -> Response {
    app.post("/bundles", Some(&s.token), body).await
}

/// A draft bundle of `s`; returns its JSON.
async fn draft_bundle(app: &TestApp, s: &Member, body: &Value) -> Value {
    expect(create(app, s, body).await, 201).await
}

async fn submit(app: &TestApp, id: &str, token: &str) -> Response {
    app.post(&format!("/bundles/{id}/submit"), Some(token), &json!({}))
        .await
}

async fn review(
    app: &TestApp,
    id: &str,
    token: &str,
    decision: &str,
    comment: Option<&str>,
) -> Response {
    let body = match comment {
        Some(c) => json!({"decision": decision, "comment": c}),
        None => json!({"decision": decision}),
    };
    app.post(&format!("/bundles/{id}/review"), Some(token), &body)
        .await
}

async fn delist(app: &TestApp, id: &str, token: &str) -> Response {
    app.post(&format!("/bundles/{id}/delist"), Some(token), &json!({}))
        .await
}

async fn vet(app: &TestApp, supplier_id: &str, decision: &str) -> Value {
    let body = json!({"decision": decision, "reason": "核查"});
    expect(
        app.post(
            &format!("/suppliers/{supplier_id}/vetting"),
            Some(&app.organiser),
            &body,
        )
        .await,
        200,
    )
    .await
}

async fn get_bundle(app: &TestApp, id: &str, token: Option<&str>) -> Value {
    expect(app.get(&format!("/bundles/{id}"), token).await, 200).await
}

/// The standard bundle of A (A's PCB product, B's general product, A's second PCB product),
/// submitted and approved; returns its id.
async fn listed_bundle(app: &TestApp, w: &World) -> String {
    let b = draft_bundle(
        app,
        &w.a,
        &bundle_body(&[&w.a_pcb, &w.b_general, &w.a_pcb2]),
    )
    .await;
    let id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(
        expect(submit(app, &id, &w.a.token).await, 200).await["status"],
        "submitted"
    );
    let b = expect(
        review(app, &id, &app.organiser, "approve", Some("组合合理")).await,
        200,
    )
    .await;
    assert_eq!(b["status"], "listed");
    id
}

// ---------------------------------------------------------------------------------------------

async fn bundle_lifecycle(app: TestApp) {
    let w = world(&app).await;

    // Create: a draft, products in the given order, summed pilot prices.
    let b = draft_bundle(
        &app,
        &w.a,
        &bundle_body(&[&w.a_pcb, &w.b_general, &w.a_pcb2]),
    )
    .await;
    let id = b["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());
    assert_eq!(b["status"], "draft");
    assert_eq!(b["supplier_id"], w.a.org_id.as_str());
    assert_eq!(b["name"], "PCB数字化组合包");
    assert_eq!(b["industry"], "pcb");
    assert_eq!(b["description"], "追溯、工艺与财务一体化");
    assert_eq!(b["product_ids"], json!([w.a_pcb, w.b_general, w.a_pcb2]));
    assert_eq!(b["price_fen"], 2_000_000);
    assert_eq!(b["products_pilot_price_fen"], 1_500_000 + 300_000 + 500_000);
    assert!(b["review_comment"].is_null(), "{b}");

    // A draft is not public.
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;
    not_found(app.get(&format!("/bundles/{id}"), Some(&w.b.token)).await).await;
    assert!(public_bundles(&app, "").await.is_empty());
    assert_eq!(
        get_bundle(&app, &id, Some(&w.a.token)).await["status"],
        "draft"
    );
    assert_eq!(
        get_bundle(&app, &id, Some(&app.organiser)).await["status"],
        "draft"
    );

    // Edit while draft: a new order and price.
    let r = app
        .patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"product_ids": [w.a_pcb2, w.a_pcb], "price_fen": 1_800_000}),
        )
        .await;
    let b = expect(r, 200).await;
    assert_eq!(b["product_ids"], json!([w.a_pcb2, w.a_pcb]));
    assert_eq!(b["products_pilot_price_fen"], 2_000_000);
    assert_eq!(b["price_fen"], 1_800_000);
    assert_eq!(b["name"], "PCB数字化组合包");
    let b = get_bundle(&app, &id, Some(&w.a.token)).await;
    assert_eq!(b["product_ids"], json!([w.a_pcb2, w.a_pcb]));

    // Submit; no edits while waiting.
    let b = expect(submit(&app, &id, &w.a.token).await, 200).await;
    assert_eq!(b["status"], "submitted");
    conflict(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"name": "改名"}),
        )
        .await,
    )
    .await;
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;

    // Approve: listed and public, filtered by industry.
    let b = expect(
        review(&app, &id, &app.organiser, "approve", None).await,
        200,
    )
    .await;
    assert_eq!(b["status"], "listed");
    let public = get_bundle(&app, &id, None).await;
    assert_eq!(public["status"], "listed");
    assert_eq!(public["product_ids"], json!([w.a_pcb2, w.a_pcb]));
    assert_eq!(public["products_pilot_price_fen"], 2_000_000);
    assert_eq!(public_bundles(&app, "").await, vec![id.clone()]);
    assert_eq!(public_bundles(&app, "industry=pcb").await, vec![id.clone()]);
    assert!(public_bundles(&app, "industry=printing").await.is_empty());
    assert!(public_bundles(&app, "industry=general").await.is_empty());
    assert_eq!(
        public_bundles(&app, &format!("supplier_id={}", w.a.org_id)).await,
        vec![id.clone()]
    );
    assert!(
        public_bundles(&app, &format!("supplier_id={}", w.b.org_id))
            .await
            .is_empty()
    );
    invalid(app.get("/bundles?industry=bogus", None).await, "industry").await;
    invalid(app.get("/bundles?per_page=101", None).await, "per_page").await;
    conflict(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"name": "上架后改名"}),
        )
        .await,
    )
    .await;

    // The owner delists.
    let b = expect(delist(&app, &id, &w.a.token).await, 200).await;
    assert_eq!(b["status"], "delisted");
    assert!(public_bundles(&app, "").await.is_empty());
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;
    assert_eq!(
        get_bundle(&app, &id, Some(&w.a.token)).await["status"],
        "delisted"
    );

    // The organiser may delist too.
    let other = listed_bundle(&app, &w).await;
    assert_eq!(
        expect(delist(&app, &other, &app.organiser).await, 200).await["status"],
        "delisted"
    );
    assert!(public_bundles(&app, "").await.is_empty());
}

async fn bundle_needs_two_listed_products_of_its_industry(app: TestApp) {
    let w = world(&app).await;

    // Fewer than two (distinct) products.
    invalid(create(&app, &w.a, &bundle_body(&[])).await, "product_ids").await;
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb])).await,
        "product_ids",
    )
    .await;
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb])).await,
        "product_ids",
    )
    .await;

    // An unlisted product, named by its position.
    let body = invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_draft])).await,
        "product_ids[1]",
    )
    .await;
    assert!(body["errors"].get("product_ids[0]").is_none(), "{body}");
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_draft, &w.a_pcb])).await,
        "product_ids[0]",
    )
    .await;
    let nobody = "no-such-product".to_owned();
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb2, &nobody])).await,
        "product_ids[2]",
    )
    .await;
    // A submitted product is not listed either.
    let submitted = app
        .draft_product(&w.a, &product("PCB待审产品", json!(["pcb"]), 100_000))
        .await;
    let submitted = submitted["id"].as_str().unwrap().to_owned();
    expect(
        app.post(
            &format!("/products/{submitted}/submit"),
            Some(&w.a.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &submitted])).await,
        "product_ids[1]",
    )
    .await;

    // A product of another industry.
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.b_grid])).await,
        "product_ids[1]",
    )
    .await;
    let mut grid = bundle_body(&[&w.b_grid, &w.a_pcb]);
    grid["industry"] = json!("smart_grid");
    invalid(create(&app, &w.a, &grid).await, "product_ids[1]").await;

    // A listed product of a pending supplier is not publicly listed, so not allowed.
    let pending = app.register("supplier", supplier_org()).await;
    let hidden = app
        .listed_product(
            &pending,
            &product("待认证服务商产品", json!(["pcb"]), 100_000),
        )
        .await;
    invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &hidden])).await,
        "product_ids[1]",
    )
    .await;

    // The same products work for a smart-grid bundle that uses a general product.
    let mut ok = bundle_body(&[&w.b_grid, &w.b_general]);
    ok["industry"] = json!("smart_grid");
    let b = draft_bundle(&app, &w.a, &ok).await;
    assert_eq!(b["industry"], "smart_grid");
    assert_eq!(b["product_ids"], json!([w.b_grid, w.b_general]));
    assert_eq!(b["products_pilot_price_fen"], 700_000 + 300_000);
    assert_eq!(b["supplier_id"], w.a.org_id.as_str());

    // A PATCH is checked the same way, and a failed one changes nothing.
    let id = b["id"].as_str().unwrap();
    invalid(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"product_ids": [w.b_grid, w.a_draft]}),
        )
        .await,
        "product_ids[1]",
    )
    .await;
    invalid(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"industry": "pcb"}),
        )
        .await,
        "product_ids[0]",
    )
    .await;
    let b = get_bundle(&app, id, Some(&w.a.token)).await;
    assert_eq!(b["product_ids"], json!([w.b_grid, w.b_general]));
    assert_eq!(b["industry"], "smart_grid");
}

/// `product_ids[i]` must point at the client's own array, even when it repeats a product.
async fn product_errors_name_the_position_the_client_sent(app: TestApp) {
    let w = world(&app).await;
    let body = invalid(
        create(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb, &w.a_draft])).await,
        "product_ids[2]",
    )
    .await;
    // product_ids[1] is a listed PCB product: nothing is wrong with it.
    assert!(body["errors"].get("product_ids[1]").is_none(), "{body}");
}

async fn bundle_body_validation(app: TestApp) {
    let w = world(&app).await;
    let good = bundle_body(&[&w.a_pcb, &w.a_pcb2]);
    let cases = [
        ("name", json!("A")),
        ("name", json!("测".repeat(61))),
        ("price_fen", json!(-1)),
        ("price_fen", json!("abc")),
        ("industry", json!("bogus")),
        ("status", json!("listed")),
        ("supplier_id", json!(w.b.org_id)),
        ("id", json!("my-id")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        invalid(create(&app, &w.a, &body).await, field).await;
    }
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("product_ids");
    invalid(create(&app, &w.a, &body).await, "product_ids").await;

    let b = draft_bundle(&app, &w.a, &good).await;
    let id = b["id"].as_str().unwrap();
    invalid(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"status": "listed"}),
        )
        .await,
        "status",
    )
    .await;
    invalid(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"price_fen": -5}),
        )
        .await,
        "price_fen",
    )
    .await;
    let b = get_bundle(&app, id, Some(&w.a.token)).await;
    assert_eq!(b["status"], "draft");
    assert_eq!(b["price_fen"], 2_000_000);
}

async fn delisting_a_product_hides_the_bundle(app: TestApp) {
    let w = world(&app).await;
    let id = listed_bundle(&app, &w).await;
    assert_eq!(public_bundles(&app, "industry=pcb").await, vec![id.clone()]);

    // B delists its general product, which the bundle uses.
    let r = app
        .post(
            &format!("/products/{}/delist", w.b_general),
            Some(&w.b.token),
            &json!({}),
        )
        .await;
    assert_eq!(expect(r, 200).await["status"], "delisted");

    assert!(public_bundles(&app, "").await.is_empty());
    assert!(public_bundles(&app, "industry=pcb").await.is_empty());
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;
    // The bundle itself is still listed, as its owner sees.
    let b = get_bundle(&app, &id, Some(&w.a.token)).await;
    assert_eq!(b["status"], "listed");
    assert_eq!(b["product_ids"], json!([w.a_pcb, w.b_general, w.a_pcb2]));
    // Other bundles are not affected.
    let mut other = bundle_body(&[&w.a_pcb, &w.a_pcb2]);
    other["name"] = json!("PCB双产品包");
    let b = draft_bundle(&app, &w.a, &other).await;
    let other_id = b["id"].as_str().unwrap().to_owned();
    expect(submit(&app, &other_id, &w.a.token).await, 200).await;
    expect(
        review(&app, &other_id, &app.organiser, "approve", None).await,
        200,
    )
    .await;
    assert_eq!(public_bundles(&app, "").await, vec![other_id]);
}

async fn suspending_a_contributing_supplier_hides_the_bundle(app: TestApp) {
    let w = world(&app).await;
    let id = listed_bundle(&app, &w).await;
    assert_eq!(public_bundles(&app, "").await, vec![id.clone()]);

    assert_eq!(
        vet(&app, &w.b.org_id, "suspend").await["status"],
        "suspended"
    );
    assert!(public_bundles(&app, "").await.is_empty());
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;

    assert_eq!(
        vet(&app, &w.b.org_id, "reinstate").await["status"],
        "vetted"
    );
    assert_eq!(public_bundles(&app, "").await, vec![id.clone()]);
    assert_eq!(get_bundle(&app, &id, None).await["status"], "listed");

    // Suspending the seller hides it as well.
    assert_eq!(
        vet(&app, &w.a.org_id, "suspend").await["status"],
        "suspended"
    );
    assert!(public_bundles(&app, "").await.is_empty());
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;
    assert_eq!(
        get_bundle(&app, &id, Some(&w.a.token)).await["status"],
        "listed"
    );
}

async fn bundle_reject_requires_comment_and_can_be_resubmitted(app: TestApp) {
    let w = world(&app).await;
    let b = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.b_general])).await;
    let id = b["id"].as_str().unwrap().to_owned();
    expect(submit(&app, &id, &w.a.token).await, 200).await;

    invalid(
        review(&app, &id, &app.organiser, "reject", None).await,
        "comment",
    )
    .await;
    invalid(
        review(&app, &id, &app.organiser, "reject", Some(" ")).await,
        "comment",
    )
    .await;
    assert_eq!(
        get_bundle(&app, &id, Some(&w.a.token)).await["status"],
        "submitted"
    );

    let comment = "组合价格高于单品试点价之和，请调整";
    let b = expect(
        review(&app, &id, &app.organiser, "reject", Some(comment)).await,
        200,
    )
    .await;
    assert_eq!(b["status"], "rejected");
    assert_eq!(b["review_comment"], comment);
    let b = get_bundle(&app, &id, Some(&w.a.token)).await;
    assert_eq!(b["status"], "rejected");
    assert_eq!(b["review_comment"], comment);
    not_found(app.get(&format!("/bundles/{id}"), None).await).await;

    // Edit the rejected bundle and resubmit.
    let b = expect(
        app.patch(
            &format!("/bundles/{id}"),
            Some(&w.a.token),
            &json!({"price_fen": 1_500_000}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(b["price_fen"], 1_500_000);
    assert_eq!(b["status"], "rejected");
    assert_eq!(
        expect(submit(&app, &id, &w.a.token).await, 200).await["status"],
        "submitted"
    );
    assert_eq!(
        expect(
            review(&app, &id, &app.organiser, "approve", None).await,
            200
        )
        .await["status"],
        "listed"
    );
    assert_eq!(get_bundle(&app, &id, None).await["price_fen"], 1_500_000);
    assert_eq!(public_bundles(&app, "industry=pcb").await, vec![id]);
}

async fn bundle_illegal_transitions_are_conflicts(app: TestApp) {
    let w = world(&app).await;
    let b = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb2])).await;
    let draft = b["id"].as_str().unwrap().to_owned();

    conflict(review(&app, &draft, &app.organiser, "approve", None).await).await;
    conflict(review(&app, &draft, &app.organiser, "reject", Some("不行")).await).await;
    conflict(delist(&app, &draft, &w.a.token).await).await;
    conflict(delist(&app, &draft, &app.organiser).await).await;
    assert_eq!(
        get_bundle(&app, &draft, Some(&w.a.token)).await["status"],
        "draft"
    );

    expect(submit(&app, &draft, &w.a.token).await, 200).await;
    conflict(submit(&app, &draft, &w.a.token).await).await;
    conflict(delist(&app, &draft, &w.a.token).await).await;

    let listed = listed_bundle(&app, &w).await;
    conflict(submit(&app, &listed, &w.a.token).await).await;
    conflict(review(&app, &listed, &app.organiser, "approve", None).await).await;
    conflict(review(&app, &listed, &app.organiser, "reject", Some("撤回")).await).await;
    assert_eq!(get_bundle(&app, &listed, None).await["status"], "listed");

    expect(delist(&app, &listed, &w.a.token).await, 200).await;
    conflict(delist(&app, &listed, &w.a.token).await).await;
    conflict(submit(&app, &listed, &w.a.token).await).await;
    conflict(
        app.patch(
            &format!("/bundles/{listed}"),
            Some(&w.a.token),
            &json!({"name": "重新命名"}),
        )
        .await,
    )
    .await;
}

async fn bundle_authorization(app: TestApp) {
    let w = world(&app).await;
    let enterprise = app.register_enterprise().await;

    // Only supplier members create bundles.
    let body = bundle_body(&[&w.a_pcb, &w.a_pcb2]);
    forbidden(app.post("/bundles", Some(&enterprise.token), &body).await).await;
    forbidden(app.post("/bundles", Some(&app.organiser), &body).await).await;
    assert_eq!(
        problem(app.post("/bundles", None, &body).await, 401).await["code"],
        "unauthorized"
    );

    // B cannot see A's draft, so it is 404 for B.
    let b = draft_bundle(&app, &w.a, &body).await;
    let draft = b["id"].as_str().unwrap().to_owned();
    not_found(
        app.get(&format!("/bundles/{draft}"), Some(&w.b.token))
            .await,
    )
    .await;
    not_found(
        app.patch(
            &format!("/bundles/{draft}"),
            Some(&w.b.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;
    not_found(submit(&app, &draft, &w.b.token).await).await;
    not_found(delist(&app, &draft, &w.b.token).await).await;
    not_found(
        app.patch(
            &format!("/bundles/{draft}"),
            Some(&enterprise.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;
    not_found(
        app.patch(
            "/bundles/no-such-bundle",
            Some(&w.a.token),
            &json!({"name": "不存在"}),
        )
        .await,
    )
    .await;

    // Suppliers do not review, not even their own.
    expect(submit(&app, &draft, &w.a.token).await, 200).await;
    forbidden(review(&app, &draft, &w.a.token, "approve", None).await).await;
    forbidden(review(&app, &draft, &w.b.token, "approve", None).await).await;
    forbidden(review(&app, &draft, &enterprise.token, "approve", None).await).await;
    assert_eq!(
        get_bundle(&app, &draft, Some(&w.a.token)).await["status"],
        "submitted"
    );

    // A listed bundle is seen by all, but only its owner (or the organiser) changes it.
    let listed = listed_bundle(&app, &w).await;
    forbidden(
        app.patch(
            &format!("/bundles/{listed}"),
            Some(&w.b.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;
    forbidden(submit(&app, &listed, &w.b.token).await).await;
    forbidden(delist(&app, &listed, &w.b.token).await).await;
    forbidden(delist(&app, &listed, &enterprise.token).await).await;
    let b = get_bundle(&app, &listed, None).await;
    assert_eq!(b["status"], "listed");
    assert_eq!(b["name"], "PCB数字化组合包");
}

async fn bundle_review_queue(app: TestApp) {
    let w = world(&app).await;
    let enterprise = app.register_enterprise().await;
    let b = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb2])).await;
    let submitted = b["id"].as_str().unwrap().to_owned();
    expect(submit(&app, &submitted, &w.a.token).await, 200).await;
    let draft = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.b_general])).await;
    let draft = draft["id"].as_str().unwrap().to_owned();
    let listed = listed_bundle(&app, &w).await;

    let page = expect(app.get("/review/bundles", Some(&app.organiser)).await, 200).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(ids(&page), vec![submitted.clone()]);
    let item = &page["items"][0];
    assert_eq!(item["status"], "submitted");
    assert_eq!(item["product_ids"], json!([w.a_pcb, w.a_pcb2]));
    assert_eq!(item["supplier_id"], w.a.org_id.as_str());
    assert!(!ids(&page).contains(&draft) && !ids(&page).contains(&listed));

    forbidden(app.get("/review/bundles", Some(&w.a.token)).await).await;
    forbidden(app.get("/review/bundles", Some(&enterprise.token)).await).await;
    assert_eq!(
        problem(app.get("/review/bundles", None).await, 401).await["code"],
        "unauthorized"
    );

    // Reviewed bundles leave the queue.
    expect(
        review(
            &app,
            &submitted,
            &app.organiser,
            "reject",
            Some("请补充说明"),
        )
        .await,
        200,
    )
    .await;
    let page = expect(app.get("/review/bundles", Some(&app.organiser)).await, 200).await;
    assert_eq!(page["total"], 0, "{page}");
    assert_eq!(page["items"], json!([]));
}

/// A product can be delisted while a bundle is a draft or waits for review: submitting and
/// approving check the products again.
async fn submit_and_approve_recheck_the_products(app: TestApp) {
    let w = world(&app).await;
    let b = draft_bundle(
        &app,
        &w.a,
        &bundle_body(&[&w.a_pcb, &w.b_general, &w.a_pcb2]),
    )
    .await;
    let draft = b["id"].as_str().unwrap().to_owned();
    let b = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb2, &w.b_general])).await;
    let waiting = b["id"].as_str().unwrap().to_owned();
    expect(submit(&app, &waiting, &w.a.token).await, 200).await;

    let r = app
        .post(
            &format!("/products/{}/delist", w.b_general),
            Some(&w.b.token),
            &json!({}),
        )
        .await;
    expect(r, 200).await;

    invalid(submit(&app, &draft, &w.a.token).await, "product_ids[1]").await;
    assert_eq!(
        get_bundle(&app, &draft, Some(&w.a.token)).await["status"],
        "draft"
    );
    invalid(
        review(&app, &waiting, &app.organiser, "approve", None).await,
        "product_ids[1]",
    )
    .await;
    assert_eq!(
        get_bundle(&app, &waiting, Some(&w.a.token)).await["status"],
        "submitted"
    );
    // Rejecting needs no recheck.
    let b = expect(
        review(&app, &waiting, &app.organiser, "reject", Some("产品已下架")).await,
        200,
    )
    .await;
    assert_eq!(b["status"], "rejected");
    assert!(public_bundles(&app, "").await.is_empty());
}

async fn supplier_bundle_catalogue(app: TestApp) {
    let w = world(&app).await;
    let draft = draft_bundle(&app, &w.a, &bundle_body(&[&w.a_pcb, &w.a_pcb2])).await;
    let draft = draft["id"].as_str().unwrap().to_owned();
    let listed = listed_bundle(&app, &w).await;
    let path = format!("/suppliers/{}/bundles", w.a.org_id);

    // Anyone: public bundles only.
    for token in [None, Some(w.b.token.as_str())] {
        let page = expect(app.get(&path, token).await, 200).await;
        assert_eq!(ids(&page), vec![listed.clone()], "{page}");
        assert_eq!(page["total"], 1);
    }
    // The owner and the organiser: every status.
    for token in [&w.a.token, &app.organiser] {
        let page = expect(app.get(&path, Some(token)).await, 200).await;
        assert_eq!(page["total"], 2, "{page}");
        let mut got = ids(&page);
        got.sort();
        let mut want = vec![draft.clone(), listed.clone()];
        want.sort();
        assert_eq!(got, want);
    }
}

/// A listed product of `s` with its own words, so that the engine ranks it for a text.
async fn worded_product(app: &TestApp, s: &Member, name: &str, summary: &str, tag: &str) -> String {
    let mut p = product(name, json!(["pcb"]), 100_000);
    p["summary"] = json!(summary);
    p["description"] = json!(format!("{summary}。"));
    p["tags"] = json!([tag]);
    app.listed_product(s, &p).await
}

/// A bundle of `s`, submitted and approved; returns its id.
async fn approved_bundle(app: &TestApp, s: &Member, name: &str, products: &[&String]) -> String {
    let mut body = bundle_body(products);
    body["name"] = json!(name);
    body["description"] = json!("一次交付，统一售后");
    let id = draft_bundle(app, s, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect(submit(app, &id, &s.token).await, 200).await;
    expect(review(app, &id, &app.organiser, "approve", None).await, 200).await;
    id
}

async fn text_search_ranks_bundles_by_relevance(app: TestApp) {
    let a = app.vetted_supplier().await;
    let energy = worded_product(
        &app,
        &a,
        "能耗监测云",
        "分车间分设备统计能耗，能耗超标告警",
        "能耗",
    )
    .await;
    let assets = worded_product(
        &app,
        &a,
        "设备台账管理",
        "设备台账、保养计划，另有能耗月报",
        "设备台账",
    )
    .await;
    let books = worded_product(&app, &a, "财务记账云", "凭证、报销与发票管理", "财务").await;
    let people = worded_product(&app, &a, "人事考勤通", "排班、打卡与工资核算", "考勤").await;

    // Approved oldest first: the newest-first order of a plain listing is the reverse of
    // the relevance order the text asks for.
    let by_name = approved_bundle(&app, &a, "能耗管理组合包", &[&books, &people]).await;
    let weak = approved_bundle(&app, &a, "设备数字化组合包", &[&books, &assets]).await;
    let strong = approved_bundle(&app, &a, "车间数字化组合包", &[&people, &energy]).await;
    let unrelated = approved_bundle(&app, &a, "办公数字化组合包", &[&books, &people]).await;
    assert_eq!(
        public_bundles(&app, "").await,
        vec![
            unrelated.clone(),
            strong.clone(),
            weak.clone(),
            by_name.clone()
        ]
    );

    // Its own name first, then by the best place of a product the engine found.
    assert_eq!(
        public_bundles(&app, "q=能耗").await,
        vec![by_name.clone(), strong.clone(), weak.clone()]
    );
    let page = expect(
        app.get("/bundles?q=能耗&per_page=1&page=2", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&page), vec![strong.clone()]);
    assert_eq!(page["total"], 3, "{page}");
    let page = expect(
        app.get("/bundles?q=能耗&per_page=2&page=3", None).await,
        200,
    )
    .await;
    assert!(ids(&page).is_empty(), "{page}");
    assert_eq!(page["total"], 3, "{page}");

    // The description counts as the bundle's own words, below its name.
    assert_eq!(
        public_bundles(&app, "q=统一售后").await,
        vec![unrelated, strong, weak, by_name]
    );
    assert!(public_bundles(&app, "q=区块链").await.is_empty());
}

async fn a_delisted_bundle_is_revised_and_listed_again(app: TestApp) {
    let w = world(&app).await;
    let id = listed_bundle(&app, &w).await;
    let revise = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(&format!("/bundles/{id}/revise"), Some(&token), &json!({}))
                .await
        }
    };
    conflict(revise(w.a.token.clone()).await).await;
    expect(delist(&app, &id, &w.a.token).await, 200).await;
    // B supplies one of its products but does not own it, and no longer sees it.
    not_found(revise(w.b.token.clone()).await).await;
    forbidden(revise(app.organiser.clone()).await).await;

    let b = expect(revise(w.a.token.clone()).await, 200).await;
    assert_eq!(b["status"], "draft");
    assert!(public_bundles(&app, "").await.is_empty());
    expect(submit(&app, &id, &w.a.token).await, 200).await;
    expect(
        review(&app, &id, &app.organiser, "approve", None).await,
        200,
    )
    .await;
    assert_eq!(public_bundles(&app, "").await, vec![id]);
}
