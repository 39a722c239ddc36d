//! Orders: placing them idempotently, prices fixed when ordered, the supplier's workflow, who
//! sees and does what, the list, and the programme figures.

use crate::both_databases;
use crate::helpers::*;
use crate::problems::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};

both_databases!(
    order_goes_placed_accepted_contracted_completed,
    supplier_rejects_with_a_reason,
    enterprise_cancels_placed_and_accepted_orders,
    every_illegal_transition_is_a_conflict,
    who_may_see_and_act,
    retry_with_same_key_and_body_returns_the_same_order,
    same_key_with_another_body_is_refused,
    idempotency_key_header_is_required_and_bounded,
    keys_are_scoped_to_the_user,
    keys_are_kept_for_24_hours,
    twenty_concurrent_requests_with_one_key_create_one_order,
    unit_price_is_fixed_when_ordered,
    cart_across_suppliers_is_refused_naming_the_item,
    unlisted_products_and_bundles_are_refused,
    bundle_orders_use_the_bundle_price,
    order_body_validation,
    contract_terms_validation,
    order_list_filters_sorts_and_pages,
    stats_count_orders,
    orders_moved_before_the_history_get_their_current_status,
);

// ---------------------------------------------------------------------------------------------
// Local helpers

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// POST /orders with an `Idempotency-Key` (or none).
async fn place(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> Response {
    let mut r = app.req(Method::POST, "/orders", Some(token)).json(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.send().await.unwrap()
}

/// Places an order with a fresh key; returns its JSON.
async fn placed(app: &TestApp, token: &str, body: &Value) -> Value {
    let o = expect(place(app, token, Some(&new_key()), body).await, 201).await;
    assert_eq!(o["status"], "placed", "{o}");
    o
}

fn items(lines: &[(&str, i64)]) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|(id, q)| json!({"product_id": id, "quantity": q}))
        .collect();
    json!({ "items": items })
}

fn product(name: &str, industries: Value, pilot: i64) -> Value {
    let mut p = product_body();
    p["name"] = json!(name);
    p["industries"] = industries;
    p["price_fen"] = json!(pilot * 2);
    p["pilot_price_fen"] = json!(pilot);
    p
}

async fn act(app: &TestApp, id: &str, action: &str, token: &str, body: &Value) -> Response {
    app.post(&format!("/orders/{id}/{action}"), Some(token), body)
        .await
}

fn contract_body() -> Value {
    json!({
        "responsibilities": "服务商负责系统部署、数据迁移与培训；企业提供场地、数据与对接人员。",
        "measures": "上线批次追溯SaaS，打通MES与仓储数据，建立质量追溯看板。",
        "start_date": "2026-01-05",
        "end_date": "2026-06-30",
        "targets": "批次追溯时间由2小时缩短到5分钟；数字化水平由2级提升到3级。",
        "price_details": [
            {"item": "批次追溯SaaS订阅（一年）", "amount_fen": 3_000_000},
            {"item": "实施与培训", "amount_fen": 500_000}
        ]
    })
}

async fn get_order(app: &TestApp, id: &str, token: &str) -> Value {
    expect(app.get(&format!("/orders/{id}"), Some(token)).await, 200).await
}

/// An enterprise, a vetted supplier with two listed products (pilot 1 500 000 and 800 000).
struct World {
    e: Member,
    s: Member,
    p1: String,
    p2: String,
}

async fn world(app: &TestApp) -> World {
    let e = app.register_enterprise().await;
    let s = app.vetted_supplier().await;
    let p1 = app
        .listed_product(
            &s,
            &product("PCB批次追溯查询服务", json!(["pcb"]), 1_500_000),
        )
        .await;
    let p2 = app
        .listed_product(&s, &product("PCB工艺参数管理", json!(["pcb"]), 800_000))
        .await;
    World { e, s, p1, p2 }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A new order of `w` moved to `state` along the legal path; returns its id.
async fn order_in(app: &TestApp, w: &World, state: &str) -> String {
    let id = id_of(&placed(app, &w.e.token, &items(&[(&w.p1, 1)])).await);
    let path: &[(&str, Value, &Member)] = match state {
        "placed" => &[],
        "accepted" => &[("accept", json!({}), &w.s)],
        "rejected" => &[("reject", json!({"reason": "档期已满"}), &w.s)],
        "cancelled" => &[("cancel", json!({}), &w.e)],
        "contracted" => &[
            ("accept", json!({}), &w.s),
            ("contract", contract_body(), &w.s),
        ],
        "completed" => &[
            ("accept", json!({}), &w.s),
            ("contract", contract_body(), &w.s),
            ("complete", json!({}), &w.s),
        ],
        other => panic!("no state {other}"),
    };
    for (action, body, who) in path {
        expect(act(app, &id, action, &who.token, body).await, 200).await;
    }
    assert_eq!(get_order(app, &id, &w.e.token).await["status"], state);
    id
}

async fn reviewer(app: &TestApp) -> String {
    let email = unique_email("reviewer");
    let r = app
        .post(
            "/users",
            Some(&app.organiser),
            &json!({"email": email, "password": PASSWORD, "display_name": "评审专家", "role": "reviewer"}),
        )
        .await;
    expect(r, 201).await;
    app.login(&email, PASSWORD).await
}

async fn vet(app: &TestApp, supplier_id: &str, decision: &str) {
    let r = app
        .post(
            &format!("/suppliers/{supplier_id}/vetting"),
            Some(&app.organiser),
            &json!({"decision": decision, "reason": "核查"}),
        )
        .await;
    expect(r, 200).await;
}

/// The statuses of an order's history, checking that its times never go back and that the
/// first is the order's placing and the last its latest change.
fn history(o: &Value) -> Vec<String> {
    let steps = o["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history: {o}"));
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{v}: {e}"))
    };
    assert_eq!(steps[0]["at"], o["created_at"], "{o}");
    assert_eq!(
        at(&steps[steps.len() - 1]["at"]),
        at(&o["updated_at"]),
        "{o}"
    );
    for pair in steps.windows(2) {
        assert!(at(&pair[0]["at"]) <= at(&pair[1]["at"]), "{o}");
    }
    steps
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    expect(app.get(&format!("/orders?{query}"), Some(token)).await, 200).await
}

fn list_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

// ---------------------------------------------------------------------------------------------

fn need_body() -> Value {
    json!({"title": "批次追溯", "description": "按批次追溯PCB生产过程", "stages": ["manufacturing"],
           "budget_fen": 5_000_000})
}

async fn order_goes_placed_accepted_contracted_completed(app: TestApp) {
    let w = world(&app).await;
    let need = app.need(&w.e, &need_body()).await;
    let body = json!({
        "items": [
            {"product_id": w.p1, "quantity": 3},
            {"product_id": w.p2, "quantity": 1}
        ],
        "need_id": need,
        "note": "  请尽快联系  "
    });
    let r = place(&app, &w.e.token, Some(&new_key()), &body).await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let o = expect(r, 201).await;
    let id = id_of(&o);
    assert_eq!(location, format!("/api/v1/orders/{id}"));
    assert_eq!(o["status"], "placed");
    assert_eq!(o["enterprise_id"], w.e.org_id.as_str());
    assert_eq!(o["enterprise_name"], "珠海市测试电器有限公司");
    assert_eq!(o["supplier_id"], w.s.org_id.as_str());
    assert_eq!(o["supplier_name"], "珠海测试数字科技有限公司");
    assert_eq!(
        o["items"],
        json!([
            {"product_id": w.p1, "name": "PCB批次追溯查询服务", "quantity": 3,
             "unit_price_fen": 1_500_000, "line_total_fen": 4_500_000},
            {"product_id": w.p2, "name": "PCB工艺参数管理", "quantity": 1,
             "unit_price_fen": 800_000, "line_total_fen": 800_000}
        ])
    );
    assert_eq!(o["total_fen"], 5_300_000);
    assert_eq!(o["need_id"], need.as_str());
    assert_eq!(o["note"], "请尽快联系");
    assert!(
        o["reject_reason"].is_null() && o["contract"].is_null(),
        "{o}"
    );
    assert!(o["created_at"].is_string() && o["updated_at"].is_string());
    assert_eq!(history(&o), ["placed"]);

    // Both parties and organisers see it the same way.
    for token in [&w.e.token, &w.s.token, &app.organiser] {
        assert_eq!(get_order(&app, &id, token).await, o);
    }

    let o = expect(act(&app, &id, "accept", &w.s.token, &json!({})).await, 200).await;
    assert_eq!(o["status"], "accepted");

    let o = expect(
        act(&app, &id, "contract", &w.s.token, &contract_body()).await,
        200,
    )
    .await;
    assert_eq!(o["status"], "contracted");
    let c = &o["contract"];
    assert_eq!(c["responsibilities"], contract_body()["responsibilities"]);
    assert_eq!(c["measures"], contract_body()["measures"]);
    assert_eq!(c["targets"], contract_body()["targets"]);
    assert_eq!(c["start_date"], "2026-01-05");
    assert_eq!(c["end_date"], "2026-06-30");
    assert_eq!(c["price_details"], contract_body()["price_details"]);
    assert_eq!(c["price_total_fen"], 3_500_000);
    assert!(c["recorded_at"].is_string(), "{o}");
    // The order's own lines and total are untouched by the contract.
    assert_eq!(o["total_fen"], 5_300_000);

    let o = expect(
        act(&app, &id, "complete", &w.s.token, &json!({})).await,
        200,
    )
    .await;
    assert_eq!(o["status"], "completed");
    assert_eq!(o["contract"]["price_total_fen"], 3_500_000);
    let steps = ["placed", "accepted", "contracted", "completed"];
    assert_eq!(history(&o), steps);
    // Each party, and the list, tell the same timeline.
    for token in [&w.e.token, &w.s.token, &app.organiser] {
        assert_eq!(get_order(&app, &id, token).await, o);
    }
    let listed = list(&app, &w.e.token, "").await;
    let mine = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(history(&mine), steps);
}

async fn supplier_rejects_with_a_reason(app: TestApp) {
    let w = world(&app).await;
    let id = order_in(&app, &w, "placed").await;
    invalid(
        act(&app, &id, "reject", &w.s.token, &json!({})).await,
        "reason",
    )
    .await;
    invalid(
        act(&app, &id, "reject", &w.s.token, &json!({"reason": "   "})).await,
        "reason",
    )
    .await;
    invalid(
        act(
            &app,
            &id,
            "reject",
            &w.s.token,
            &json!({"reason": "满".repeat(1001)}),
        )
        .await,
        "reason",
    )
    .await;
    invalid(
        act(
            &app,
            &id,
            "reject",
            &w.s.token,
            &json!({"reason": "x", "status": "accepted"}),
        )
        .await,
        "status",
    )
    .await;
    assert_eq!(get_order(&app, &id, &w.e.token).await["status"], "placed");

    let o = expect(
        act(
            &app,
            &id,
            "reject",
            &w.s.token,
            &json!({"reason": " 本季度档期已满 "}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(o["status"], "rejected");
    assert_eq!(o["reject_reason"], "本季度档期已满");
    assert_eq!(history(&o), ["placed", "rejected"]);
    assert_eq!(
        get_order(&app, &id, &w.e.token).await["reject_reason"],
        "本季度档期已满"
    );
}

async fn enterprise_cancels_placed_and_accepted_orders(app: TestApp) {
    let w = world(&app).await;
    for from in ["placed", "accepted"] {
        let id = order_in(&app, &w, from).await;
        let o = expect(act(&app, &id, "cancel", &w.e.token, &json!({})).await, 200).await;
        assert_eq!(o["status"], "cancelled", "from {from}");
        assert_eq!(
            get_order(&app, &id, &w.s.token).await["status"],
            "cancelled"
        );
        let mut steps = vec!["placed"];
        if from == "accepted" {
            steps.push("accepted");
        }
        steps.push("cancelled");
        assert_eq!(history(&o), steps);
        // Cancelled is final, for either side, and a refused move leaves no trace.
        conflict(act(&app, &id, "accept", &w.s.token, &json!({})).await).await;
        assert_eq!(get_order(&app, &id, &w.s.token).await, o);
    }
}

async fn every_illegal_transition_is_a_conflict(app: TestApp) {
    let w = world(&app).await;
    let legal: &[(&str, &str)] = &[
        ("placed", "accept"),
        ("placed", "reject"),
        ("placed", "cancel"),
        ("accepted", "contract"),
        ("accepted", "cancel"),
        ("contracted", "complete"),
    ];
    for state in [
        "placed",
        "accepted",
        "rejected",
        "contracted",
        "completed",
        "cancelled",
    ] {
        let id = order_in(&app, &w, state).await;
        for action in ["accept", "reject", "contract", "complete", "cancel"] {
            if legal.contains(&(state, action)) {
                continue;
            }
            let (who, body) = match action {
                "cancel" => (&w.e, json!({})),
                "reject" => (&w.s, json!({"reason": "不接"})),
                "contract" => (&w.s, contract_body()),
                _ => (&w.s, json!({})),
            };
            let b = conflict(act(&app, &id, action, &who.token, &body).await).await;
            assert!(
                b["detail"].as_str().unwrap().contains("订单当前状态"),
                "{state} {action}: {b}"
            );
            assert_eq!(
                get_order(&app, &id, &w.e.token).await["status"],
                state,
                "{state} {action} leaves the order alone"
            );
        }
    }
}

async fn who_may_see_and_act(app: TestApp) {
    let w = world(&app).await;
    let id = order_in(&app, &w, "placed").await;
    let other_e = app.register_enterprise().await;
    let other_s = app.vetted_supplier().await;
    let reviewer = reviewer(&app).await;

    // Strangers are told it does not exist, for reading and for every action.
    for token in [&other_e.token, &other_s.token, &reviewer] {
        not_found(app.get(&format!("/orders/{id}"), Some(token)).await).await;
        for (action, body) in [
            ("accept", json!({})),
            ("reject", json!({"reason": "x"})),
            ("contract", contract_body()),
            ("complete", json!({})),
            ("cancel", json!({})),
        ] {
            not_found(act(&app, &id, action, token, &body).await).await;
        }
        assert_eq!(list(&app, token, "").await["total"], 0);
    }
    not_found(
        app.get(
            "/orders/00000000-0000-0000-0000-000000000000",
            Some(&app.organiser),
        )
        .await,
    )
    .await;
    assert_eq!(app.get(&format!("/orders/{id}"), None).await.status(), 401);
    assert_eq!(app.get("/orders", None).await.status(), 401);

    // Those who see it but may not take the action: 403.
    forbidden(act(&app, &id, "accept", &w.e.token, &json!({})).await).await;
    forbidden(act(&app, &id, "reject", &w.e.token, &json!({"reason": "x"})).await).await;
    forbidden(act(&app, &id, "accept", &app.organiser, &json!({})).await).await;
    forbidden(act(&app, &id, "cancel", &w.s.token, &json!({})).await).await;
    forbidden(act(&app, &id, "cancel", &app.organiser, &json!({})).await).await;
    let accepted = order_in(&app, &w, "accepted").await;
    forbidden(act(&app, &accepted, "contract", &w.e.token, &contract_body()).await).await;
    let contracted = order_in(&app, &w, "contracted").await;
    forbidden(act(&app, &contracted, "complete", &w.e.token, &json!({})).await).await;
    assert_eq!(get_order(&app, &id, &w.e.token).await["status"], "placed");

    // Only enterprise members place orders.
    for token in [&w.s.token, &app.organiser, &reviewer] {
        forbidden(place(&app, token, Some(&new_key()), &items(&[(&w.p1, 1)])).await).await;
    }
    assert_eq!(
        place(&app, "not-a-token", Some(&new_key()), &items(&[(&w.p1, 1)]))
            .await
            .status(),
        401
    );
}

async fn retry_with_same_key_and_body_returns_the_same_order(app: TestApp) {
    let w = world(&app).await;
    let key = new_key();
    let body = json!({"items": [{"product_id": w.p1, "quantity": 2}], "note": "试点订单"});
    let first = place(&app, &w.e.token, Some(&key), &body).await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = expect(first, 201).await;

    let again = place(&app, &w.e.token, Some(&key), &body).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again = expect(again, 201).await;
    assert_eq!(again, first);

    // The same request written differently (key order, whitespace) is the same request.
    let text = format!(
        r#"{{ "note":"试点订单",   "items":[ {{"quantity":2, "product_id":"{}"}} ] }}"#,
        w.p1
    );
    let r = app
        .req(Method::POST, "/orders", Some(&w.e.token))
        .header("Idempotency-Key", &key)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&expect(r, 201).await), id_of(&first));

    // A retry after the order moved on answers with the same order, as it is now.
    expect(
        act(&app, &id_of(&first), "accept", &w.s.token, &json!({})).await,
        200,
    )
    .await;
    let later = expect(place(&app, &w.e.token, Some(&key), &body).await, 201).await;
    assert_eq!(id_of(&later), id_of(&first));
    assert_eq!(later["status"], "accepted");

    // A retry is answered from the record even after the product left the catalogue.
    expect(
        app.post(
            &format!("/products/{}/delist", w.p1),
            Some(&w.s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    let later = expect(place(&app, &w.e.token, Some(&key), &body).await, 201).await;
    assert_eq!(id_of(&later), id_of(&first));

    assert_eq!(
        list(&app, &w.e.token, "").await["total"],
        1,
        "one order only"
    );
}

async fn same_key_with_another_body_is_refused(app: TestApp) {
    let w = world(&app).await;
    let key = new_key();
    let first = expect(
        place(&app, &w.e.token, Some(&key), &items(&[(&w.p1, 1)])).await,
        201,
    )
    .await;
    for other in [
        items(&[(&w.p1, 2)]),
        items(&[(&w.p2, 1)]),
        json!({"items": [{"product_id": w.p1, "quantity": 1}], "note": "改了备注"}),
        // Even a body that would be refused on its own: the key speaks first.
        items(&[(&w.p1, 0)]),
    ] {
        let b = problem(place(&app, &w.e.token, Some(&key), &other).await, 422).await;
        assert_eq!(b["code"], "idempotency_key_reused", "{b}");
        assert_eq!(b["type"], "/problems/idempotency_key_reused", "{b}");
        assert!(b["errors"]["Idempotency-Key"].is_string(), "{b}");
    }
    // The key still answers its own request.
    let again = expect(
        place(&app, &w.e.token, Some(&key), &items(&[(&w.p1, 1)])).await,
        201,
    )
    .await;
    assert_eq!(id_of(&again), id_of(&first));
    assert_eq!(list(&app, &w.e.token, "").await["total"], 1);
}

async fn idempotency_key_header_is_required_and_bounded(app: TestApp) {
    let w = world(&app).await;
    let body = items(&[(&w.p1, 1)]);
    let b = problem(place(&app, &w.e.token, None, &body).await, 400).await;
    assert!(
        b["detail"].as_str().unwrap().contains("Idempotency-Key"),
        "{b}"
    );
    problem(place(&app, &w.e.token, Some(""), &body).await, 400).await;
    problem(place(&app, &w.e.token, Some("   "), &body).await, 400).await;
    problem(
        place(&app, &w.e.token, Some(&"k".repeat(256)), &body).await,
        400,
    )
    .await;
    // The header is checked before the body, so a bad body without a key is still a 400.
    problem(
        place(&app, &w.e.token, None, &json!({"items": []})).await,
        400,
    )
    .await;
    assert_eq!(
        list(&app, &w.e.token, "").await["total"],
        0,
        "nothing placed"
    );

    // 255 characters is fine.
    expect(
        place(&app, &w.e.token, Some(&"k".repeat(255)), &body).await,
        201,
    )
    .await;
}

async fn keys_are_kept_for_24_hours(app: TestApp) {
    use domain::entities::idempotency_key;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let w = world(&app).await;
    let key = new_key();
    let body = items(&[(&w.p1, 1)]);
    let first = expect(place(&app, &w.e.token, Some(&key), &body).await, 201).await;

    // 23 hours later the key still answers with the first order.
    let age = |hours: i64| {
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::CreatedAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::hours(hours)),
            )
            .filter(idempotency_key::Column::Key.eq(key.clone()))
            .exec(&app.db)
    };
    age(23).await.unwrap();
    let again = expect(place(&app, &w.e.token, Some(&key), &body).await, 201).await;
    assert_eq!(id_of(&again), id_of(&first));

    // After 24 hours the key is forgotten: the same key places a new order, even with
    // another body, and is then remembered for the new one.
    age(25).await.unwrap();
    let other = items(&[(&w.p2, 2)]);
    let second = expect(place(&app, &w.e.token, Some(&key), &other).await, 201).await;
    assert_ne!(id_of(&second), id_of(&first));
    let again = expect(place(&app, &w.e.token, Some(&key), &other).await, 201).await;
    assert_eq!(id_of(&again), id_of(&second));
    let stored = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Key.eq(key.clone()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "the expired record was replaced");
    assert_eq!(list(&app, &w.e.token, "").await["total"], 2);
}

async fn keys_are_scoped_to_the_user(app: TestApp) {
    let w = world(&app).await;
    let other = app.register_enterprise().await;
    let key = new_key();
    let body = items(&[(&w.p1, 1)]);
    let a = expect(place(&app, &w.e.token, Some(&key), &body).await, 201).await;
    let b = expect(place(&app, &other.token, Some(&key), &body).await, 201).await;
    assert_ne!(id_of(&a), id_of(&b));
    assert_eq!(b["enterprise_id"], other.org_id.as_str());
    // And another user's key with another body is not "reused".
    expect(
        place(&app, &other.token, Some(&new_key()), &items(&[(&w.p2, 5)])).await,
        201,
    )
    .await;
}

async fn twenty_concurrent_requests_with_one_key_create_one_order(app: TestApp) {
    let w = world(&app).await;
    let key = new_key();
    let body = items(&[(&w.p1, 2), (&w.p2, 1)]);
    let answers = futures::future::join_all(
        (0..20).map(|_| async { parts(place(&app, &w.e.token, Some(&key), &body).await).await }),
    )
    .await;
    let first_id = id_of(&answers[0].1);
    for (status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(id_of(body), first_id, "{body}");
        assert_eq!(body["total_fen"], 3_800_000);
    }
    let page = list(&app, &app.organiser, "").await;
    assert_eq!(page["total"], 1, "exactly one order: {page}");
    assert_eq!(list_ids(&page), vec![first_id]);
}

async fn unit_price_is_fixed_when_ordered(app: TestApp) {
    let w = world(&app).await;
    let first = placed(&app, &w.e.token, &items(&[(&w.p1, 2)])).await;
    assert_eq!(first["items"][0]["unit_price_fen"], 1_500_000);

    // The supplier delists the product: the order keeps its line and price.
    expect(
        app.post(
            &format!("/products/{}/delist", w.p1),
            Some(&w.s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    let after = get_order(&app, &id_of(&first), &w.e.token).await;
    assert_eq!(after["items"], first["items"]);
    assert_eq!(after["total_fen"], 3_000_000);

    // A newer product at another price is ordered at its own price; the old order is unchanged.
    let p3 = app
        .listed_product(
            &w.s,
            &product("PCB批次追溯查询服务（新版）", json!(["pcb"]), 1_200_000),
        )
        .await;
    let second = placed(&app, &w.e.token, &items(&[(&p3, 2)])).await;
    assert_eq!(second["items"][0]["unit_price_fen"], 1_200_000);
    assert_eq!(second["total_fen"], 2_400_000);
    let after = get_order(&app, &id_of(&first), &w.e.token).await;
    assert_eq!(after["items"][0]["unit_price_fen"], 1_500_000);
    assert_eq!(after["items"][0]["name"], "PCB批次追溯查询服务");
}

async fn cart_across_suppliers_is_refused_naming_the_item(app: TestApp) {
    let w = world(&app).await;
    let other = app.vetted_supplier().await;
    let foreign = app
        .listed_product(&other, &product("通用财务云", json!(["general"]), 300_000))
        .await;
    invalid(
        place(
            &app,
            &w.e.token,
            Some(&new_key()),
            &items(&[(&w.p1, 1), (&foreign, 1)]),
        )
        .await,
        "items[1].product_id",
    )
    .await;
    let b = invalid(
        place(
            &app,
            &w.e.token,
            Some(&new_key()),
            &items(&[(&w.p1, 1), (&w.p2, 1), (&foreign, 1)]),
        )
        .await,
        "items[2].product_id",
    )
    .await;
    assert_eq!(b["errors"].as_object().unwrap().len(), 1, "{b}");
    assert_eq!(list(&app, &w.e.token, "").await["total"], 0);
}

async fn unlisted_products_and_bundles_are_refused(app: TestApp) {
    let w = world(&app).await;
    let draft = id_of(
        &app.draft_product(&w.s, &product("PCB草稿产品", json!(["pcb"]), 100_000))
            .await,
    );
    let key = new_key();
    let b = invalid(
        place(
            &app,
            &w.e.token,
            Some(&key),
            &items(&[(&w.p1, 1), (&draft, 1)]),
        )
        .await,
        "items[1].product_id",
    )
    .await;
    assert!(b["errors"].get("items[0].product_id").is_none(), "{b}");
    // A refused request stores nothing: the key is still free.
    expect(
        place(&app, &w.e.token, Some(&key), &items(&[(&w.p1, 1)])).await,
        201,
    )
    .await;

    invalid(
        place(
            &app,
            &w.e.token,
            Some(&new_key()),
            &items(&[("no-such-product", 1)]),
        )
        .await,
        "items[0].product_id",
    )
    .await;
    invalid(
        place(
            &app,
            &w.e.token,
            Some(&new_key()),
            &json!({"items": [{"bundle_id": "no-such-bundle", "quantity": 1}]}),
        )
        .await,
        "items[0].bundle_id",
    )
    .await;

    // Delisted.
    expect(
        app.post(
            &format!("/products/{}/delist", w.p2),
            Some(&w.s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    invalid(
        place(&app, &w.e.token, Some(&new_key()), &items(&[(&w.p2, 1)])).await,
        "items[0].product_id",
    )
    .await;

    // A suspended supplier's listed product cannot be ordered until reinstated.
    vet(&app, &w.s.org_id, "suspend").await;
    invalid(
        place(&app, &w.e.token, Some(&new_key()), &items(&[(&w.p1, 1)])).await,
        "items[0].product_id",
    )
    .await;
    vet(&app, &w.s.org_id, "reinstate").await;
    placed(&app, &w.e.token, &items(&[(&w.p1, 1)])).await;
}

async fn bundle_orders_use_the_bundle_price(app: TestApp) {
    let w = world(&app).await;
    let b = expect(
        app.post(
            "/bundles",
            Some(&w.s.token),
            &json!({"name": "PCB数字化组合包", "industry": "pcb", "description": "追溯与工艺",
                    "product_ids": [w.p1, w.p2], "price_fen": 2_000_000}),
        )
        .await,
        201,
    )
    .await;
    let bundle = id_of(&b);
    let body = json!({"items": [{"bundle_id": bundle, "quantity": 2}]});
    // Not orderable while a draft.
    invalid(
        place(&app, &w.e.token, Some(&new_key()), &body).await,
        "items[0].bundle_id",
    )
    .await;
    expect(
        app.post(
            &format!("/bundles/{bundle}/submit"),
            Some(&w.s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    expect(
        app.post(
            &format!("/bundles/{bundle}/review"),
            Some(&app.organiser),
            &json!({"decision": "approve", "comment": "组合合理"}),
        )
        .await,
        200,
    )
    .await;

    let o = placed(&app, &w.e.token, &body).await;
    assert_eq!(
        o["items"],
        json!([{"bundle_id": bundle, "name": "PCB数字化组合包", "quantity": 2,
                "unit_price_fen": 2_000_000, "line_total_fen": 4_000_000}])
    );
    assert_eq!(o["supplier_id"], w.s.org_id.as_str());
    assert_eq!(o["total_fen"], 4_000_000);

    // A bundle and a product of the same supplier in one order.
    let o = placed(
        &app,
        &w.e.token,
        &json!({"items": [{"bundle_id": bundle, "quantity": 1}, {"product_id": w.p1, "quantity": 1}]}),
    )
    .await;
    assert_eq!(o["total_fen"], 2_000_000 + 1_500_000);
    assert!(o["items"][0].get("product_id").is_none(), "{o}");
    assert_eq!(o["items"][1]["product_id"], w.p1.as_str());

    // A bundle whose product was delisted is no longer orderable.
    expect(
        app.post(
            &format!("/products/{}/delist", w.p2),
            Some(&w.s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    invalid(
        place(&app, &w.e.token, Some(&new_key()), &body).await,
        "items[0].bundle_id",
    )
    .await;
}

async fn order_body_validation(app: TestApp) {
    let w = world(&app).await;
    let p = w.p1.as_str();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"items": []}), "items"),
        (json!({}), "items"),
        (items(&[(p, 0)]), "items[0].quantity"),
        (items(&[(p, 1001)]), "items[0].quantity"),
        (items(&[(p, -1)]), "items[0].quantity"),
        (
            json!({"items": [{"product_id": p, "quantity": 1.5}]}),
            "items[0].quantity",
        ),
        (json!({"items": [{"product_id": p}]}), "items[0].quantity"),
        (json!({"items": [{"quantity": 1}]}), "items[0].product_id"),
        (
            json!({"items": [{"product_id": p, "bundle_id": "b", "quantity": 1}]}),
            "items[0].bundle_id",
        ),
        (items(&[(p, 1), (p, 2)]), "items[1].product_id"),
        (items(&[(p, 1), ("", 2)]), "items[1].product_id"),
        (
            json!({"items": [{"product_id": p, "quantity": 1, "unit_price_fen": 1}]}),
            "items[0].unit_price_fen",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "status": "completed"}),
            "status",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "supplier_id": "x"}),
            "supplier_id",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "total_fen": 1}),
            "total_fen",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "need_id": "n".repeat(65)}),
            "need_id",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "note": "备".repeat(1001)}),
            "note",
        ),
    ];
    for (body, field) in cases {
        invalid(
            place(&app, &w.e.token, Some(&new_key()), &body).await,
            field,
        )
        .await;
    }
    let many: Vec<(&str, i64)> = (0..51).map(|_| (p, 1)).collect();
    invalid(
        place(&app, &w.e.token, Some(&new_key()), &items(&many)).await,
        "items",
    )
    .await;
    // Malformed JSON and a wrong content type are 400/415, never 500.
    let r = app
        .req(Method::POST, "/orders", Some(&w.e.token))
        .header("Idempotency-Key", new_key())
        .header("content-type", "application/json")
        .body("{\"items\": [")
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    let r = app
        .req(Method::POST, "/orders", Some(&w.e.token))
        .header("Idempotency-Key", new_key())
        .body("items")
        .send()
        .await
        .unwrap();
    problem(r, 415).await;
    assert_eq!(list(&app, &w.e.token, "").await["total"], 0);

    // The need must be one of the enterprise's own: not an unknown id, not another's.
    let other = app.register_enterprise().await;
    let others_need = app.need(&other, &need_body()).await;
    for need in ["n".repeat(64), others_need] {
        invalid(
            place(
                &app,
                &w.e.token,
                Some(&new_key()),
                &json!({"items": [{"product_id": p, "quantity": 1}], "need_id": need}),
            )
            .await,
            "need_id",
        )
        .await;
    }
    assert_eq!(list(&app, &w.e.token, "").await["total"], 0);

    // Limits are inclusive; a blank note is simply absent.
    let own_need = app.need(&w.e, &need_body()).await;
    let o = placed(
        &app,
        &w.e.token,
        &json!({"items": [{"product_id": p, "quantity": 1000}], "note": "  ", "need_id": own_need}),
    )
    .await;
    assert_eq!(o["total_fen"], 1_500_000_000i64);
    assert!(o["note"].is_null(), "{o}");
    assert_eq!(o["need_id"], own_need.as_str());
}

async fn contract_terms_validation(app: TestApp) {
    let w = world(&app).await;
    let id = order_in(&app, &w, "accepted").await;
    let with = |field: &str, value: Value| {
        let mut b = contract_body();
        b[field] = value;
        b
    };
    let without = |field: &str| {
        let mut b = contract_body();
        b.as_object_mut().unwrap().remove(field);
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (with("responsibilities", json!("  ")), "responsibilities"),
        (with("measures", json!("")), "measures"),
        (with("targets", json!("目".repeat(5001))), "targets"),
        (without("targets"), "targets"),
        (with("start_date", json!("2026/01/05")), "start_date"),
        (with("start_date", json!("2026-1-5")), "start_date"),
        (with("start_date", json!("2026-02-30")), "start_date"),
        (with("end_date", json!("soon")), "end_date"),
        (with("end_date", json!("2026-01-05")), "end_date"),
        (with("end_date", json!("2025-12-31")), "end_date"),
        (with("price_details", json!([])), "price_details"),
        (with("price_details", json!("三百万")), "price_details"),
        (
            with("price_details", json!([{"item": "", "amount_fen": 1}])),
            "price_details[0].item",
        ),
        (
            with("price_details", json!([{"item": "实施", "amount_fen": -1}])),
            "price_details[0].amount_fen",
        ),
        (
            with(
                "price_details",
                json!([{"item": "实施", "amount_fen": 1, "tax": 0}]),
            ),
            "price_details[0].tax",
        ),
        (with("status", json!("completed")), "status"),
    ];
    for (body, field) in cases {
        invalid(act(&app, &id, "contract", &w.s.token, &body).await, field).await;
    }
    let o = get_order(&app, &id, &w.e.token).await;
    assert_eq!(o["status"], "accepted");
    assert!(o["contract"].is_null(), "{o}");

    // The OpenAPI document describes the shape.
    let doc = expect(app.get("/api/v1/openapi.json", None).await, 200).await;
    let terms = &doc["components"]["schemas"]["ContractTerms"];
    assert_eq!(
        terms["properties"]["start_date"]["format"], "date",
        "{terms}"
    );
    assert!(doc["components"]["schemas"]["PriceLine"]["properties"]["amount_fen"].is_object());
    assert!(doc["paths"]["/orders"]["post"].is_object());
    assert!(doc["paths"]["/orders/{id}/contract"]["post"].is_object());
}

async fn order_list_filters_sorts_and_pages(app: TestApp) {
    let w = world(&app).await;
    let a = order_in(&app, &w, "placed").await;
    let b = order_in(&app, &w, "accepted").await;
    let c = order_in(&app, &w, "placed").await;
    // Another enterprise ordering from another supplier.
    let other_e = app.register_enterprise().await;
    let other_s = app.vetted_supplier().await;
    let other_p = app
        .listed_product(
            &other_s,
            &product("电网设备运维助手", json!(["smart_grid"]), 700_000),
        )
        .await;
    let d = id_of(&placed(&app, &other_e.token, &items(&[(&other_p, 1)])).await);

    let page = list(&app, &w.e.token, "").await;
    assert_eq!(
        list_ids(&page),
        vec![c.clone(), b.clone(), a.clone()],
        "newest first"
    );
    assert_eq!(
        (
            page["total"].as_u64(),
            page["page"].as_u64(),
            page["per_page"].as_u64()
        ),
        (Some(3), Some(1), Some(20))
    );
    assert_eq!(page["items"][0]["items"][0]["product_id"], w.p1.as_str());
    assert_eq!(
        list_ids(&list(&app, &w.e.token, "sort=oldest").await),
        vec![a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        list_ids(&list(&app, &w.e.token, "sort=newest").await),
        vec![c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list_ids(&list(&app, &w.e.token, "status=placed").await),
        vec![c.clone(), a.clone()]
    );
    assert_eq!(
        list_ids(&list(&app, &w.e.token, "status=accepted").await),
        vec![b.clone()]
    );
    assert_eq!(list(&app, &w.e.token, "status=completed").await["total"], 0);
    let p2 = list(&app, &w.e.token, "sort=oldest&per_page=2&page=2").await;
    assert_eq!(list_ids(&p2), vec![c.clone()]);
    assert_eq!(p2["total"], 3);

    // The supplier sees the orders addressed to it; organisers see all.
    assert_eq!(list(&app, &w.s.token, "").await["total"], 3);
    assert_eq!(
        list_ids(&list(&app, &other_s.token, "").await),
        vec![d.clone()]
    );
    assert_eq!(
        list_ids(&list(&app, &other_e.token, "").await),
        vec![d.clone()]
    );
    let all = list(&app, &app.organiser, "").await;
    assert_eq!(all["total"], 4);
    assert_eq!(list_ids(&all)[0], d);
    assert_eq!(
        list(&app, &app.organiser, "status=placed").await["total"],
        3
    );

    for (query, field) in [
        ("status=shipped", "status"),
        ("sort=price", "sort"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
    ] {
        invalid(
            app.get(&format!("/orders?{query}"), Some(&w.e.token)).await,
            field,
        )
        .await;
    }
}

async fn stats_count_orders(app: TestApp) {
    let before = expect(app.get("/stats", Some(&app.organiser)).await, 200).await;
    assert_eq!(before["orders_by_status"]["placed"], 0, "{before}");
    assert_eq!(before["contracted_value_fen"], 0);

    let w = world(&app).await;
    order_in(&app, &w, "placed").await;
    order_in(&app, &w, "placed").await;
    order_in(&app, &w, "rejected").await;
    order_in(&app, &w, "cancelled").await;
    order_in(&app, &w, "contracted").await;
    let completed = order_in(&app, &w, "completed").await;
    // A bigger completed order: 2 × 800 000.
    let big = id_of(&placed(&app, &w.e.token, &items(&[(&w.p2, 2)])).await);
    for action in ["accept", "contract", "complete"] {
        let body = if action == "contract" {
            contract_body()
        } else {
            json!({})
        };
        expect(act(&app, &big, action, &w.s.token, &body).await, 200).await;
    }
    let _ = completed;

    let s = expect(app.get("/stats", Some(&app.organiser)).await, 200).await;
    assert_eq!(
        s["orders_by_status"],
        json!({"placed": 2, "accepted": 0, "rejected": 1, "contracted": 1, "completed": 2, "cancelled": 1}),
        "{s}"
    );
    // The enterprise is a smart-appliances maker.
    assert_eq!(s["by_industry"]["smart_appliances"]["orders"], 7, "{s}");
    assert_eq!(s["totals"]["orders"], 7, "{s}");
    assert_eq!(
        s["contracted_value_fen"],
        1_500_000 + 1_500_000 + 1_600_000,
        "contracted and completed orders"
    );

    // Figures are for organisers only.
    assert_eq!(app.get("/stats", Some(&w.e.token)).await.status(), 403);
}

mod order_mail {
    #[tokio::test]
    async fn sqlite() {
        super::each_side_hears_of_the_others_moves(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test]
    async fn postgres() {
        super::each_side_hears_of_the_others_moves(crate::helpers::Db::Postgres).await;
    }
}

/// Mail through a real SMTP server: the supplier hears of new and cancelled orders, the
/// enterprise of acceptance, rejection (with the reason), the contract and completion.
async fn each_side_hears_of_the_others_moves(db: Db) {
    use crate::smtp::SmtpSink;
    let sink = SmtpSink::start();
    let url = sink.url();
    let Some(app) = spawn_app_with(db, |s| {
        s.jobs.smtp_url = Some(secrecy::SecretString::from(url));
    })
    .await
    else {
        return;
    };
    let w = world(&app).await;
    let done = order_in(&app, &w, "completed").await;
    let rejected = order_in(&app, &w, "rejected").await;
    let cancelled = order_in(&app, &w, "cancelled").await;
    app.wait_for_jobs().await;
    // 3 new orders; accepted, contracted, completed; rejected; cancelled.
    let mails = sink.wait_for(8, std::time::Duration::from_secs(30)).await;
    let subjects = |email: &str| -> Vec<String> {
        mails
            .iter()
            .filter(|m| m.to == email)
            .map(|m| m.subject.clone())
            .collect()
    };
    let number = |id: &str| worker::handlers::order_number(id);
    let to_supplier = subjects(&w.s.email);
    assert_eq!(
        to_supplier
            .iter()
            .filter(|s| s.contains("【新订单】"))
            .count(),
        3,
        "{to_supplier:?}"
    );
    assert_eq!(
        to_supplier
            .iter()
            .filter(|s| s.contains("【订单取消】") && s.contains(&number(&cancelled)))
            .count(),
        1
    );
    let to_enterprise = subjects(&w.e.email);
    for (tag, id) in [
        ("【已接单】", &done),
        ("【合同已签订】", &done),
        ("【项目完成】", &done),
        ("【订单被拒】", &rejected),
    ] {
        assert_eq!(
            to_enterprise
                .iter()
                .filter(|s| s.contains(tag) && s.contains(&number(id)))
                .count(),
            1,
            "{tag}: {to_enterprise:?}"
        );
    }
    assert_eq!(mails.len(), 8, "each move told once");
    let contract = mails
        .iter()
        .find(|m| m.subject.contains("合同已签订"))
        .unwrap();
    assert!(
        contract.text.contains("批次追溯时间由2小时缩短到5分钟"),
        "{}",
        contract.text
    );
    assert!(
        contract.text.contains("15000.00 元"),
        "price snapshot in the mail: {}",
        contract.text
    );
    let refusal = mails
        .iter()
        .find(|m| m.subject.contains("订单被拒"))
        .unwrap();
    assert!(refusal.text.contains("档期已满"));
    let (_, n) = parts(app.get("/me/notifications", Some(&w.e.token)).await).await;
    assert_eq!(n["total"], 4);
}

async fn orders_moved_before_the_history_get_their_current_status(app: TestApp) {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let w = world(&app).await;
    let completed = order_in(&app, &w, "completed").await;
    let placed = order_in(&app, &w, "placed").await;
    let before = get_order(&app, &completed, &w.e.token).await;

    // As if the orders had moved before the history was kept: the table is made anew by its
    // migration, which fills it from the orders.
    app.db
        .execute_unprepared("DELETE FROM order_status_changes")
        .await
        .unwrap();
    migration::Migrator::down(&app.db, Some(1)).await.unwrap();
    migration::Migrator::up(&app.db, None).await.unwrap();

    let after = get_order(&app, &completed, &w.e.token).await;
    assert_eq!(history(&after), ["placed", "completed"]);
    assert_eq!(after["history"][1], before["history"][3], "{after}");
    assert_eq!(
        history(&get_order(&app, &placed, &w.e.token).await),
        ["placed"]
    );
}
