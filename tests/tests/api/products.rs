//! Products: the supplier's drafts, their review, who may do what, and the public listing.

use crate::both_databases;
use crate::helpers::*;
use crate::problems::*;
use reqwest::Response;
use serde_json::{Value, json};

both_databases!(
    product_lifecycle,
    reject_requires_comment_and_product_can_be_resubmitted,
    illegal_transitions_are_conflicts,
    only_supplier_members_create_products,
    other_supplier_cannot_see_or_touch_a_draft,
    other_supplier_is_forbidden_on_a_listed_product,
    supplier_cannot_review_its_own_product,
    reviewer_can_approve_but_not_delist,
    server_fields_cannot_be_set_by_clients,
    public_listing_filters,
    public_listing_sorts_and_pages,
    public_listing_rejects_bad_queries,
    search_q_matches_name_summary_and_tags,
    search_q_ignores_ascii_letter_case_on_every_database,
    search_q_does_not_match_the_json_syntax_of_tags,
    suspension_hides_products_until_reinstated,
    suspension_requires_a_reason,
    pending_supplier_products_are_public_only_once_vetted,
    supplier_catalogue_visibility,
    supplier_directory_visibility,
    review_queue_lists_submitted_products,
    product_body_validation,
    failed_patch_keeps_stored_data,
    xkqz_is_computed_from_the_product,
    a_delisted_product_is_revised_and_listed_again,
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

/// The public listing for `query` (without the leading `?`): (total, ids in order).
async fn listing(app: &TestApp, query: &str) -> (u64, Vec<String>) {
    let path = if query.is_empty() {
        "/products".to_owned()
    } else {
        format!("/products?{query}")
    };
    let page = expect(app.get(&path, None).await, 200).await;
    let ids = ids(&page);
    let total = page["total"].as_u64().unwrap();
    assert!(ids.len() as u64 <= total, "{page}");
    for p in page["items"].as_array().unwrap() {
        assert_eq!(p["status"], "listed", "{p}");
    }
    (total, ids)
}

async fn get_product(app: &TestApp, id: &str, token: Option<&str>) -> Value {
    expect(app.get(&format!("/products/{id}"), token).await, 200).await
}

async fn submit(app: &TestApp, id: &str, token: &str) -> Response {
    app.post(&format!("/products/{id}/submit"), Some(token), &json!({}))
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
    app.post(&format!("/products/{id}/review"), Some(token), &body)
        .await
}

async fn delist(app: &TestApp, id: &str, token: &str) -> Response {
    app.post(&format!("/products/{id}/delist"), Some(token), &json!({}))
        .await
}

/// A draft that has been submitted; returns its id.
async fn submitted_product(app: &TestApp, s: &Member, body: &Value) -> String {
    let id = app.draft_product(s, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = expect(submit(app, &id, &s.token).await, 200).await;
    assert_eq!(p["status"], "submitted");
    id
}

/// The organiser creates a reviewer account; returns the reviewer's access token.
async fn reviewer(app: &TestApp) -> String {
    let email = unique_email("reviewer");
    let r = app
        .post(
            "/users",
            Some(&app.organiser),
            &json!({"email": email, "password": PASSWORD, "display_name": "评审专家", "role": "reviewer"}),
        )
        .await;
    let body = expect(r, 201).await;
    assert_eq!(body["role"], "reviewer", "{body}");
    app.login(&email, PASSWORD).await
}

async fn vet(app: &TestApp, supplier_id: &str, decision: &str, reason: &str) -> Value {
    let r = app
        .post(
            &format!("/suppliers/{supplier_id}/vetting"),
            Some(&app.organiser),
            &json!({"decision": decision, "reason": reason}),
        )
        .await;
    expect(r, 200).await
}

/// `product_body()` with some fields replaced.
fn with(changes: &Value) -> Value {
    let mut body = product_body();
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

// ---------------------------------------------------------------------------------------------
// 1. The whole life

async fn product_lifecycle(app: TestApp) {
    let s = app.vetted_supplier().await;
    let enterprise = app.register_enterprise().await;

    // Create: a draft of the caller's supplier.
    let r = app.post("/products", Some(&s.token), &product_body()).await;
    let p = expect(r, 201).await;
    let id = p["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());
    assert_eq!(p["status"], "draft");
    assert_eq!(p["supplier_id"], s.org_id.as_str());
    assert_eq!(p["name"], "PCB批次追溯查询服务");
    assert_eq!(p["industries"], json!(["pcb"]));
    assert_eq!(p["stages"], json!(["manufacturing", "service"]));
    assert_eq!(p["delivery"], "saas");
    assert_eq!(p["price_fen"], 2_000_000);
    assert_eq!(p["pilot_price_fen"], 1_500_000);
    assert_eq!(p["price_unit"], "per_year");
    assert_eq!(p["deploy_days"], 10);
    assert_eq!(p["reference_cases"], 12);
    assert_eq!(p["ai_powered"], false);
    assert_eq!(p["tags"], json!(["批次追溯", "MES"]));
    assert!(p["review_comment"].is_null(), "{p}");
    assert!(
        p["created_at"].is_string() && p["updated_at"].is_string(),
        "{p}"
    );
    let xkqz = p["xkqz"].as_object().unwrap();
    assert_eq!(xkqz.len(), 4, "{p}");
    for k in ["small", "fast", "light", "precise"] {
        assert!(xkqz[k].is_boolean(), "xkqz.{k}: {p}");
    }

    // A draft is not public...
    not_found(app.get(&format!("/products/{id}"), None).await).await;
    not_found(
        app.get(&format!("/products/{id}"), Some(&enterprise.token))
            .await,
    )
    .await;
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 0);
    assert!(!items.contains(&id));
    // ...but its owner and the organiser see it.
    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["status"],
        "draft"
    );
    assert_eq!(
        get_product(&app, &id, Some(&app.organiser)).await["status"],
        "draft"
    );

    // Edit while draft.
    let r = app
        .patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"name": "PCB批次追溯云", "deploy_days": 5}),
        )
        .await;
    let p = expect(r, 200).await;
    assert_eq!(p["name"], "PCB批次追溯云");
    assert_eq!(p["deploy_days"], 5);
    assert_eq!(p["price_fen"], 2_000_000, "untouched fields stay");
    assert_eq!(p["status"], "draft");
    let p = get_product(&app, &id, Some(&s.token)).await;
    assert_eq!(p["name"], "PCB批次追溯云");
    assert_eq!(p["deploy_days"], 5);

    // Submit; no edits while waiting for review.
    let p = expect(submit(&app, &id, &s.token).await, 200).await;
    assert_eq!(p["status"], "submitted");
    conflict(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"name": "又改名"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["name"],
        "PCB批次追溯云"
    );
    not_found(app.get(&format!("/products/{id}"), None).await).await;

    // Approve: listed and public.
    let p = expect(
        review(&app, &id, &app.organiser, "approve", Some("符合要求")).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "listed");
    let public = get_product(&app, &id, None).await;
    assert_eq!(public["status"], "listed");
    assert_eq!(public["name"], "PCB批次追溯云");
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 1);
    assert_eq!(items, vec![id.clone()]);
    conflict(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"name": "上架后改名"}),
        )
        .await,
    )
    .await;

    // The owner delists: gone from the public.
    let p = expect(delist(&app, &id, &s.token).await, 200).await;
    assert_eq!(p["status"], "delisted");
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 0);
    assert!(items.is_empty());
    not_found(app.get(&format!("/products/{id}"), None).await).await;
    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["status"],
        "delisted"
    );
    assert_eq!(
        get_product(&app, &id, Some(&app.organiser)).await["status"],
        "delisted"
    );
    // Delisted is the end of the road.
    conflict(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"name": "下架后改名"}),
        )
        .await,
    )
    .await;
    conflict(submit(&app, &id, &s.token).await).await;
    conflict(delist(&app, &id, &s.token).await).await;

    // The organiser may delist too.
    let other = app.listed_product(&s, &product_body()).await;
    let p = expect(delist(&app, &other, &app.organiser).await, 200).await;
    assert_eq!(p["status"], "delisted");
    not_found(app.get(&format!("/products/{other}"), None).await).await;
}

async fn reject_requires_comment_and_product_can_be_resubmitted(app: TestApp) {
    let s = app.vetted_supplier().await;
    let id = submitted_product(&app, &s, &product_body()).await;

    // No comment, or only blanks: 422 naming comment; nothing changes.
    invalid(
        review(&app, &id, &app.organiser, "reject", None).await,
        "comment",
    )
    .await;
    invalid(
        review(&app, &id, &app.organiser, "reject", Some("   ")).await,
        "comment",
    )
    .await;
    let p = get_product(&app, &id, Some(&s.token)).await;
    assert_eq!(p["status"], "submitted");
    assert!(p["review_comment"].is_null(), "{p}");
    // A bad decision is a 422 too.
    invalid(
        review(&app, &id, &app.organiser, "maybe", Some("?")).await,
        "decision",
    )
    .await;

    // Reject with a comment.
    let comment = "试点价格与案例数量不符，请补充案例证明";
    let p = expect(
        review(&app, &id, &app.organiser, "reject", Some(comment)).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "rejected");
    assert_eq!(p["review_comment"], comment);
    let p = get_product(&app, &id, Some(&s.token)).await;
    assert_eq!(p["status"], "rejected");
    assert_eq!(p["review_comment"], comment);
    not_found(app.get(&format!("/products/{id}"), None).await).await;

    // A rejected product can be edited and resubmitted.
    let r = app
        .patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"reference_cases": 20, "summary": "补充了案例"}),
        )
        .await;
    let p = expect(r, 200).await;
    assert_eq!(p["status"], "rejected");
    assert_eq!(p["reference_cases"], 20);
    assert_eq!(p["summary"], "补充了案例");
    let p = expect(submit(&app, &id, &s.token).await, 200).await;
    assert_eq!(p["status"], "submitted");
    let p = expect(
        review(&app, &id, &app.organiser, "approve", None).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "listed");
    let public = get_product(&app, &id, None).await;
    assert_eq!(public["reference_cases"], 20);
    let (_, items) = listing(&app, "").await;
    assert_eq!(items, vec![id]);
}

// ---------------------------------------------------------------------------------------------
// 2. Illegal transitions

async fn illegal_transitions_are_conflicts(app: TestApp) {
    let s = app.vetted_supplier().await;
    let draft = app.draft_product(&s, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Approve or reject a draft.
    conflict(review(&app, &draft, &app.organiser, "approve", None).await).await;
    conflict(review(&app, &draft, &app.organiser, "reject", Some("不行")).await).await;
    // Delist a draft, by its owner or the organiser.
    conflict(delist(&app, &draft, &s.token).await).await;
    conflict(delist(&app, &draft, &app.organiser).await).await;
    assert_eq!(
        get_product(&app, &draft, Some(&s.token)).await["status"],
        "draft"
    );

    // Submit twice.
    let submitted = submitted_product(&app, &s, &product_body()).await;
    conflict(submit(&app, &submitted, &s.token).await).await;
    conflict(delist(&app, &submitted, &s.token).await).await;

    // Submit or review a listed product.
    let listed = app.listed_product(&s, &product_body()).await;
    conflict(submit(&app, &listed, &s.token).await).await;
    conflict(review(&app, &listed, &app.organiser, "approve", Some("再次通过")).await).await;
    conflict(review(&app, &listed, &app.organiser, "reject", Some("撤回")).await).await;
    let p = get_product(&app, &listed, None).await;
    assert_eq!(p["status"], "listed");
    assert_eq!(
        p["review_comment"], "符合要求",
        "a refused review leaves the old comment"
    );

    // Review a rejected product.
    let rejected = submitted_product(&app, &s, &product_body()).await;
    expect(
        review(&app, &rejected, &app.organiser, "reject", Some("资料不全")).await,
        200,
    )
    .await;
    conflict(review(&app, &rejected, &app.organiser, "approve", None).await).await;
    conflict(delist(&app, &rejected, &s.token).await).await;
    assert_eq!(
        get_product(&app, &rejected, Some(&s.token)).await["status"],
        "rejected"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Authorization

async fn only_supplier_members_create_products(app: TestApp) {
    let enterprise = app.register_enterprise().await;
    let reviewer = reviewer(&app).await;

    let r = app.post("/products", None, &product_body()).await;
    let body = problem(r, 401).await;
    assert_eq!(body["code"], "unauthorized");
    forbidden(
        app.post("/products", Some(&enterprise.token), &product_body())
            .await,
    )
    .await;
    forbidden(
        app.post("/products", Some(&app.organiser), &product_body())
            .await,
    )
    .await;
    forbidden(
        app.post("/products", Some(&reviewer), &product_body())
            .await,
    )
    .await;

    // Nothing was created.
    let queue = expect(app.get("/review/products", Some(&app.organiser)).await, 200).await;
    assert_eq!(queue["total"], 0);
    // A pending supplier may create.
    let pending = app.register("supplier", supplier_org()).await;
    let p = app.draft_product(&pending, &product_body()).await;
    assert_eq!(p["supplier_id"], pending.org_id.as_str());
}

async fn other_supplier_cannot_see_or_touch_a_draft(app: TestApp) {
    let a = app.vetted_supplier().await;
    let b = app.vetted_supplier().await;
    let id = app.draft_product(&a, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    not_found(app.get(&format!("/products/{id}"), Some(&b.token)).await).await;
    not_found(
        app.patch(
            &format!("/products/{id}"),
            Some(&b.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;
    not_found(submit(&app, &id, &b.token).await).await;
    not_found(delist(&app, &id, &b.token).await).await;

    // A submitted product of A is just as invisible to B.
    let submitted = submitted_product(&app, &a, &product_body()).await;
    not_found(
        app.get(&format!("/products/{submitted}"), Some(&b.token))
            .await,
    )
    .await;
    not_found(
        app.patch(
            &format!("/products/{submitted}"),
            Some(&b.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;

    // Unknown ids are 404 too.
    not_found(
        app.patch(
            "/products/no-such-product",
            Some(&a.token),
            &json!({"name": "不存在"}),
        )
        .await,
    )
    .await;

    let p = get_product(&app, &id, Some(&a.token)).await;
    assert_eq!(p["name"], "PCB批次追溯查询服务");
    assert_eq!(p["status"], "draft");
    assert_eq!(p["supplier_id"], a.org_id.as_str());
}

async fn other_supplier_is_forbidden_on_a_listed_product(app: TestApp) {
    let a = app.vetted_supplier().await;
    let b = app.vetted_supplier().await;
    let enterprise = app.register_enterprise().await;
    let id = app.listed_product(&a, &product_body()).await;

    // B can see it (it is public) but it is not B's: 403.
    assert_eq!(
        get_product(&app, &id, Some(&b.token)).await["status"],
        "listed"
    );
    forbidden(
        app.patch(
            &format!("/products/{id}"),
            Some(&b.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;
    forbidden(submit(&app, &id, &b.token).await).await;
    forbidden(delist(&app, &id, &b.token).await).await;
    forbidden(delist(&app, &id, &enterprise.token).await).await;
    forbidden(
        app.patch(
            &format!("/products/{id}"),
            Some(&enterprise.token),
            &json!({"name": "抢过来"}),
        )
        .await,
    )
    .await;

    let p = get_product(&app, &id, None).await;
    assert_eq!(p["status"], "listed");
    assert_eq!(p["name"], "PCB批次追溯查询服务");
    let (_, items) = listing(&app, "").await;
    assert_eq!(items, vec![id]);
}

async fn supplier_cannot_review_its_own_product(app: TestApp) {
    let s = app.vetted_supplier().await;
    let other = app.vetted_supplier().await;
    let enterprise = app.register_enterprise().await;
    let id = submitted_product(&app, &s, &product_body()).await;

    forbidden(review(&app, &id, &s.token, "approve", Some("自己审自己")).await).await;
    forbidden(review(&app, &id, &other.token, "approve", None).await).await;
    forbidden(review(&app, &id, &enterprise.token, "reject", Some("不要")).await).await;
    let r = review(&app, &id, "not-a-token", "approve", None).await;
    assert_eq!(problem(r, 401).await["code"], "unauthorized");

    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["status"],
        "submitted"
    );
    not_found(app.get(&format!("/products/{id}"), None).await).await;
}

async fn reviewer_can_approve_but_not_delist(app: TestApp) {
    let s = app.vetted_supplier().await;
    let reviewer = reviewer(&app).await;
    let id = submitted_product(&app, &s, &product_body()).await;

    // The reviewer sees unlisted products and may approve.
    assert_eq!(
        get_product(&app, &id, Some(&reviewer)).await["status"],
        "submitted"
    );
    let p = expect(
        review(&app, &id, &reviewer, "approve", Some("同意上架")).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "listed");
    assert_eq!(p["review_comment"], "同意上架");

    // Delisting is for owners and organisers only.
    forbidden(delist(&app, &id, &reviewer).await).await;
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");
    // Nor may a reviewer create staff accounts.
    let r = app
        .post(
            "/users",
            Some(&reviewer),
            &json!({"email": unique_email("r2"), "password": PASSWORD, "display_name": "评审", "role": "reviewer"}),
        )
        .await;
    forbidden(r).await;

    // A reviewer may reject too.
    let other = submitted_product(&app, &s, &product_body()).await;
    let p = expect(
        review(&app, &other, &reviewer, "reject", Some("材料不足")).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "rejected");
}

// ---------------------------------------------------------------------------------------------
// 4. Server-owned fields

async fn server_fields_cannot_be_set_by_clients(app: TestApp) {
    let s = app.vetted_supplier().await;
    let other = app.vetted_supplier().await;

    for (field, value) in [
        ("status", json!("listed")),
        ("supplier_id", json!(other.org_id)),
        (
            "xkqz",
            json!({"small": true, "fast": true, "light": true, "precise": true}),
        ),
        ("id", json!("my-own-id")),
        ("review_comment", json!("自己批准")),
    ] {
        let mut body = product_body();
        body[field] = value;
        let r = app.post("/products", Some(&s.token), &body).await;
        invalid(r, field).await;
    }
    // Nothing was created.
    let mine = expect(
        app.get(&format!("/suppliers/{}/products", s.org_id), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_eq!(mine["total"], 0, "{mine}");
    let theirs = expect(
        app.get(
            &format!("/suppliers/{}/products", other.org_id),
            Some(&other.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(theirs["total"], 0, "{theirs}");

    // PATCH cannot set them either.
    let id = app.draft_product(&s, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    invalid(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"status": "listed"}),
        )
        .await,
        "status",
    )
    .await;
    invalid(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"supplier_id": other.org_id}),
        )
        .await,
        "supplier_id",
    )
    .await;
    let p = get_product(&app, &id, Some(&s.token)).await;
    assert_eq!(p["status"], "draft");
    assert_eq!(p["supplier_id"], s.org_id.as_str());
    not_found(app.get(&format!("/products/{id}"), None).await).await;
}

// ---------------------------------------------------------------------------------------------
// 5. The public listing

struct Catalogue {
    a: Member,
    b: Member,
    /// p[0] .. p[5] in creation order.
    p: Vec<String>,
}

/// Six listed products across two vetted suppliers, with distinct pilot prices and deploy days.
///
/// | # | supplier | name | industries | stages | delivery | price | pilot | days | ai |
/// |---|---|---|---|---|---|---|---|---|---|
/// | 0 | A | PCB批次追溯查询服务 | pcb | manufacturing, service | saas | 2.0M | 1.5M | 10 | no |
/// | 1 | A | 家电质检视觉检测系统 | smart_appliances | manufacturing | hardware | 8.0M | 5.0M | 30 | yes |
/// | 2 | A | 通用财务云 | general | management | saas | 0.6M | 0.3M | 3 | no |
/// | 3 | B | 打印耗材供应链协同平台 | printing | supply | on_premise | 3.0M | 2.5M | 20 | no |
/// | 4 | B | 智能电网设备预测性维护 | smart_grid | service | service | 5.0M | 0.8M | 45 | yes |
/// | 5 | B | 生物医药合规质检助手 | biomedicine | design, security | saas | 1.2M | 1.0M | 7 | yes |
async fn catalogue(app: &TestApp) -> Catalogue {
    let a = app.vetted_supplier().await;
    let b = app.vetted_supplier().await;
    let rows = [
        (
            &a,
            "PCB批次追溯查询服务",
            "按批号查询生产记录",
            json!(["pcb"]),
            json!(["manufacturing", "service"]),
            "saas",
            2_000_000,
            1_500_000,
            10,
            false,
        ),
        (
            &a,
            "家电质检视觉检测系统",
            "产线外观缺陷自动识别",
            json!(["smart_appliances"]),
            json!(["manufacturing"]),
            "hardware",
            8_000_000,
            5_000_000,
            30,
            true,
        ),
        (
            &a,
            "通用财务云",
            "中小企业记账与报税",
            json!(["general"]),
            json!(["management"]),
            "saas",
            600_000,
            300_000,
            3,
            false,
        ),
        (
            &b,
            "打印耗材供应链协同平台",
            "供应商协同与库存",
            json!(["printing"]),
            json!(["supply"]),
            "on_premise",
            3_000_000,
            2_500_000,
            20,
            false,
        ),
        (
            &b,
            "智能电网设备预测性维护",
            "设备振动监测与告警",
            json!(["smart_grid"]),
            json!(["service"]),
            "service",
            5_000_000,
            800_000,
            45,
            true,
        ),
        (
            &b,
            "生物医药合规质检助手",
            "批记录审核与合规",
            json!(["biomedicine"]),
            json!(["design", "security"]),
            "saas",
            1_200_000,
            1_000_000,
            7,
            true,
        ),
    ];
    let mut p = Vec::new();
    for (s, name, summary, industries, stages, delivery, price, pilot, days, ai) in rows {
        let body = with(&json!({
            "name": name, "summary": summary, "industries": industries, "stages": stages,
            "delivery": delivery, "price_fen": price, "pilot_price_fen": pilot, "deploy_days": days,
            "ai_powered": ai, "tags": ["试点"], "description": "",
        }));
        p.push(app.listed_product(s, &body).await);
    }
    Catalogue { a, b, p }
}

/// Sorted copy, for comparing sets.
fn set(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn pick(c: &Catalogue, idx: &[usize]) -> Vec<String> {
    set(idx.iter().map(|&i| c.p[i].clone()).collect())
}

async fn assert_filter(app: &TestApp, c: &Catalogue, query: &str, want: &[usize]) {
    let (total, items) = listing(app, query).await;
    assert_eq!(set(items), pick(c, want), "?{query}");
    assert_eq!(total, want.len() as u64, "?{query}");
}

async fn public_listing_filters(app: TestApp) {
    // A draft, a submitted and a delisted product never show.
    let c = catalogue(&app).await;
    let draft = app.draft_product(&c.a, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = submitted_product(&app, &c.b, &product_body()).await;
    let delisted = app.listed_product(&c.a, &product_body()).await;
    expect(delist(&app, &delisted, &c.a.token).await, 200).await;

    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 6);
    assert_eq!(set(items.clone()), pick(&c, &[0, 1, 2, 3, 4, 5]));
    for hidden in [&draft, &submitted, &delisted] {
        assert!(!items.contains(hidden));
    }

    // industry: products that name the segment. A "general" product is only asserted under
    // industry=general (whether it also shows under a segment is not in the contract).
    let (_, pcb) = listing(&app, "industry=pcb").await;
    assert!(pcb.contains(&c.p[0]));
    for i in [1, 3, 4, 5] {
        assert!(!pcb.contains(&c.p[i]), "industry=pcb shows p{i}");
    }
    let (_, grid) = listing(&app, "industry=smart_grid").await;
    assert!(grid.contains(&c.p[4]));
    for i in [0, 1, 3, 5] {
        assert!(!grid.contains(&c.p[i]), "industry=smart_grid shows p{i}");
    }
    assert_filter(&app, &c, "industry=general", &[2]).await;

    assert_filter(&app, &c, "stage=manufacturing", &[0, 1]).await;
    assert_filter(&app, &c, "stage=service", &[0, 4]).await;
    assert_filter(&app, &c, "stage=security", &[5]).await;
    assert_filter(&app, &c, "stage=sales", &[]).await;

    assert_filter(&app, &c, "delivery=saas", &[0, 2, 5]).await;
    assert_filter(&app, &c, "delivery=hardware", &[1]).await;
    assert_filter(&app, &c, "delivery=on_premise", &[3]).await;
    assert_filter(&app, &c, "delivery=service", &[4]).await;

    // On the pilot price: #4 costs 5.0M but pilots at 0.8M; #5 pilots at exactly 1.0M.
    assert_filter(&app, &c, "max_price_fen=1000000", &[2, 4, 5]).await;
    assert_filter(&app, &c, "max_price_fen=999999", &[2, 4]).await;
    assert_filter(&app, &c, "max_price_fen=0", &[]).await;

    assert_filter(&app, &c, "max_deploy_days=10", &[0, 2, 5]).await;
    assert_filter(&app, &c, "max_deploy_days=3", &[2]).await;

    assert_filter(&app, &c, "ai_powered=true", &[1, 4, 5]).await;
    assert_filter(&app, &c, "ai_powered=false", &[0, 2, 3]).await;

    assert_filter(&app, &c, &format!("supplier_id={}", c.a.org_id), &[0, 1, 2]).await;
    assert_filter(&app, &c, &format!("supplier_id={}", c.b.org_id), &[3, 4, 5]).await;
    assert_filter(&app, &c, "supplier_id=nobody", &[]).await;

    // q: a substring of the name.
    assert_filter(&app, &c, "q=质检", &[1, 5]).await;
    assert_filter(&app, &c, "q=电网设备", &[4]).await;
    assert_filter(&app, &c, "q=财务", &[2]).await;
    assert_filter(&app, &c, "q=区块链", &[]).await;
    // What was found is marked in the name and summary; the rest is the text, escaped.
    let found = expect(app.get("/products?q=质检&highlight=true", None).await, 200).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 2, "{found}");
    for item in found["items"].as_array().unwrap() {
        let h = &item["highlight"];
        let marked = format!("{}{}", h["name"], h["summary"]);
        assert!(marked.contains("<em>质检</em>"), "{item}");
        let plain = |v: &Value| {
            v.as_str()
                .unwrap()
                .replace("<em>", "")
                .replace("</em>", "")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        };
        assert_eq!(plain(&h["name"]), item["name"].as_str().unwrap(), "{item}");
        assert_eq!(
            plain(&h["summary"]),
            item["summary"].as_str().unwrap(),
            "{item}"
        );
    }
    // Only when asked for, as Meilisearch's `attributesToHighlight`.
    let unmarked = expect(app.get("/products?q=质检", None).await, 200).await;
    assert!(
        unmarked["items"][0].get("highlight").is_none(),
        "{unmarked}"
    );
    invalid(
        app.get("/products?q=质检&highlight=maybe", None).await,
        "highlight",
    )
    .await;
    // LIKE wildcards are literal.
    assert_filter(&app, &c, "q=%25", &[]).await;
    assert_filter(&app, &c, "q=_", &[]).await;

    // Filters combine.
    assert_filter(&app, &c, "ai_powered=true&max_deploy_days=10", &[5]).await;
    assert_filter(
        &app,
        &c,
        &format!("delivery=saas&supplier_id={}", c.a.org_id),
        &[0, 2],
    )
    .await;
    assert_filter(&app, &c, "q=质检&delivery=hardware", &[1]).await;
}

async fn public_listing_sorts_and_pages(app: TestApp) {
    let c = catalogue(&app).await;
    let order = |idx: &[usize]| idx.iter().map(|&i| c.p[i].clone()).collect::<Vec<_>>();

    // Pilot prices: 1.5M, 5.0M, 0.3M, 2.5M, 0.8M, 1.0M.
    let (_, items) = listing(&app, "sort=price_asc").await;
    assert_eq!(items, order(&[2, 4, 5, 0, 3, 1]));
    let (_, items) = listing(&app, "sort=price_desc").await;
    assert_eq!(items, order(&[1, 3, 0, 5, 4, 2]));
    // Created in order 0..5.
    let (_, items) = listing(&app, "sort=newest").await;
    assert_eq!(items, order(&[5, 4, 3, 2, 1, 0]));
    // Deploy days: 10, 30, 3, 20, 45, 7.
    let (_, items) = listing(&app, "sort=deploy_days").await;
    assert_eq!(items, order(&[2, 5, 0, 3, 1, 4]));
    // relevance without q (and no sort) is newest first.
    let (_, items) = listing(&app, "sort=relevance").await;
    assert_eq!(items, order(&[5, 4, 3, 2, 1, 0]));
    let (_, items) = listing(&app, "").await;
    assert_eq!(items, order(&[5, 4, 3, 2, 1, 0]));
    // Sorting applies after filtering.
    let (_, items) = listing(&app, "sort=price_desc&ai_powered=true").await;
    assert_eq!(items, order(&[1, 5, 4]));

    // Pagination.
    let page = expect(
        app.get("/products?sort=price_asc&per_page=2", None).await,
        200,
    )
    .await;
    assert_eq!(page["total"], 6);
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 2);
    assert_eq!(ids(&page), order(&[2, 4]));
    let page = expect(
        app.get("/products?sort=price_asc&per_page=2&page=2", None)
            .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 6);
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 2);
    assert_eq!(ids(&page), order(&[5, 0]));
    let page = expect(
        app.get("/products?sort=price_asc&per_page=2&page=3", None)
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&page), order(&[3, 1]));
    let page = expect(
        app.get("/products?sort=price_asc&per_page=2&page=4", None)
            .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 6);
    assert_eq!(page["page"], 4);
    assert_eq!(page["items"], json!([]));
    let page = expect(app.get("/products?per_page=100", None).await, 200).await;
    assert_eq!(page["per_page"], 100);
    assert_eq!(ids(&page).len(), 6);
    let page = expect(
        app.get("/products?per_page=4&page=2&sort=deploy_days", None)
            .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 6);
    assert_eq!(ids(&page), order(&[1, 4]));
    // Defaults.
    let page = expect(app.get("/products", None).await, 200).await;
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 20);

    // Items carry the public view of a product.
    let item = &page["items"][0];
    assert_eq!(item["supplier_id"], c.b.org_id.as_str());
    assert_eq!(item["name"], "生物医药合规质检助手");
    assert!(item["xkqz"].is_object(), "{item}");
}

async fn public_listing_rejects_bad_queries(app: TestApp) {
    for (query, field) in [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("industry=bogus", "industry"),
        ("stage=bogus", "stage"),
        ("delivery=cloud", "delivery"),
        ("sort=bogus", "sort"),
        ("max_price_fen=abc", "max_price_fen"),
        ("max_price_fen=-1", "max_price_fen"),
        ("max_deploy_days=abc", "max_deploy_days"),
        ("max_deploy_days=0", "max_deploy_days"),
        ("ai_powered=maybe", "ai_powered"),
    ] {
        let r = app.get(&format!("/products?{query}"), None).await;
        invalid(r, field).await;
    }
    // Every bad parameter is named at once.
    let body = invalid(
        app.get("/products?industry=bogus&sort=bogus&per_page=101", None)
            .await,
        "industry",
    )
    .await;
    for f in ["sort", "per_page"] {
        assert!(body["errors"].get(f).is_some(), "{body}");
    }
    // Good values are accepted.
    let page = expect(
        app.get(
            "/products?industry=pcb&stage=design&delivery=saas&sort=newest&per_page=100&ai_powered=false&max_price_fen=0&max_deploy_days=1",
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 0);
    assert_eq!(page["items"], json!([]));
}

/// Two listed products for the `q` tests: (the PCB one, the finance one).
async fn searchable(app: &TestApp) -> (String, String) {
    let s = app.vetted_supplier().await;
    let pcb = app
        .listed_product(
            &s,
            &with(&json!({"name": "PCB批次追溯查询服务", "tags": ["批次追溯", "MES"]})),
        )
        .await;
    let finance = app
        .listed_product(
            &s,
            &with(&json!({"name": "通用财务云", "summary": "中小企业记账", "industries": ["general"], "tags": ["电子发票"]})),
        )
        .await;
    (pcb, finance)
}

/// `q` is "a plain substring" of the name, summary or tags (search/src/lib.rs).
async fn search_q_matches_name_summary_and_tags(app: TestApp) {
    let (pcb, finance) = searchable(&app).await;
    let (_, items) = listing(&app, "q=PCB").await;
    assert_eq!(items, vec![pcb.clone()], "a name substring");
    let (_, items) = listing(&app, "q=MES").await;
    assert_eq!(items, vec![pcb.clone()], "a tag");
    let (_, items) = listing(&app, "q=记账").await;
    assert_eq!(items, vec![finance.clone()], "a summary substring");
    let (_, items) = listing(&app, "q=发票").await;
    assert_eq!(items, vec![finance.clone()], "a non-ASCII tag substring");
    let (_, items) = listing(&app, "q=%20%E8%B4%A2%E5%8A%A1%20").await;
    assert_eq!(items, vec![finance], "q is trimmed");
    let (total, items) = listing(&app, "q=ERP").await;
    assert_eq!(total, 0);
    assert!(items.is_empty());
    invalid(
        app.get(&format!("/products?q={}", "x".repeat(101)), None)
            .await,
        "q",
    )
    .await;
}

/// SQLite's LIKE ignores ASCII case, PostgreSQL's does not: the same query must give the same
/// answer whichever database is behind the API.
async fn search_q_ignores_ascii_letter_case_on_every_database(app: TestApp) {
    let (pcb, _) = searchable(&app).await;
    let (_, items) = listing(&app, "q=pcb").await;
    assert_eq!(items, vec![pcb.clone()], "q=pcb should find “PCB…”");
    let (_, items) = listing(&app, "q=mes").await;
    assert_eq!(items, vec![pcb], "q=mes should find the tag “MES”");
}

/// Tags are matched through their stored JSON text, so JSON punctuation is not searchable text.
async fn search_q_does_not_match_the_json_syntax_of_tags(app: TestApp) {
    searchable(&app).await;
    for q in ["%5B", "%22", "%2C", "%22%2C%22"] {
        let (total, items) = listing(&app, &format!("q={q}")).await;
        assert!(
            items.is_empty(),
            "q={q} matched {total} products through the tags' JSON text"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Supplier suspension and pending suppliers

async fn suspension_hides_products_until_reinstated(app: TestApp) {
    let s = app.vetted_supplier().await;
    let other = app.vetted_supplier().await;
    let id = app.listed_product(&s, &product_body()).await;
    let kept = app.listed_product(&other, &product_body()).await;

    let (_, items) = listing(&app, "").await;
    assert_eq!(set(items), set(vec![id.clone(), kept.clone()]));
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");

    let sup = vet(&app, &s.org_id, "suspend", "资质过期").await;
    assert_eq!(sup["status"], "suspended");
    assert_eq!(sup["id"], s.org_id.as_str());

    // Gone from the public at once (no waiting for the cache).
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 1);
    assert_eq!(items, vec![kept.clone()]);
    let (total, _) = listing(&app, &format!("supplier_id={}", s.org_id)).await;
    assert_eq!(total, 0);
    not_found(app.get(&format!("/products/{id}"), None).await).await;
    not_found(
        app.get(&format!("/products/{id}"), Some(&other.token))
            .await,
    )
    .await;
    not_found(app.get(&format!("/suppliers/{}", s.org_id), None).await).await;
    not_found(
        app.get(&format!("/suppliers/{}/products", s.org_id), None)
            .await,
    )
    .await;
    // The owner and the organiser still see it, still listed.
    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["status"],
        "listed"
    );
    assert_eq!(
        get_product(&app, &id, Some(&app.organiser)).await["status"],
        "listed"
    );
    let mine = expect(
        app.get(&format!("/suppliers/{}/products", s.org_id), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&mine), vec![id.clone()]);

    // Reinstated: back at once.
    let sup = vet(&app, &s.org_id, "reinstate", "已补充资质").await;
    assert_eq!(sup["status"], "vetted");
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 2);
    assert_eq!(set(items), set(vec![id.clone(), kept]));
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");
    let (total, items) = listing(&app, &format!("supplier_id={}", s.org_id)).await;
    assert_eq!(total, 1);
    assert_eq!(items, vec![id]);
}

async fn suspension_requires_a_reason(app: TestApp) {
    let s = app.vetted_supplier().await;
    let id = app.listed_product(&s, &product_body()).await;

    for body in [
        json!({"decision": "suspend"}),
        json!({"decision": "suspend", "reason": "  "}),
    ] {
        let r = app
            .post(
                &format!("/suppliers/{}/vetting", s.org_id),
                Some(&app.organiser),
                &body,
            )
            .await;
        invalid(r, "reason").await;
    }
    // Still vetted and public.
    let sup = expect(
        app.get(&format!("/suppliers/{}", s.org_id), None).await,
        200,
    )
    .await;
    assert_eq!(sup["status"], "vetted");
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");

    // Only organisers vet.
    let r = app
        .post(
            &format!("/suppliers/{}/vetting", s.org_id),
            Some(&s.token),
            &json!({"decision": "suspend", "reason": "自己暂停"}),
        )
        .await;
    forbidden(r).await;
    // A decision that does not apply is a conflict.
    let r = app
        .post(
            &format!("/suppliers/{}/vetting", s.org_id),
            Some(&app.organiser),
            &json!({"decision": "reinstate", "reason": "未暂停"}),
        )
        .await;
    conflict(r).await;
}

async fn pending_supplier_products_are_public_only_once_vetted(app: TestApp) {
    let pending = app.register("supplier", supplier_org()).await;
    assert_eq!(pending.body["organisation"]["status"], "pending");

    let p = app.draft_product(&pending, &product_body()).await;
    assert_eq!(p["status"], "draft");
    let id = p["id"].as_str().unwrap().to_owned();
    let p = expect(submit(&app, &id, &pending.token).await, 200).await;
    assert_eq!(p["status"], "submitted");
    let p = expect(
        review(&app, &id, &app.organiser, "approve", None).await,
        200,
    )
    .await;
    assert_eq!(p["status"], "listed");

    // Listed but not public: the supplier is not vetted.
    not_found(app.get(&format!("/products/{id}"), None).await).await;
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 0);
    assert!(items.is_empty());
    let (total, _) = listing(&app, &format!("supplier_id={}", pending.org_id)).await;
    assert_eq!(total, 0);
    assert_eq!(
        get_product(&app, &id, Some(&pending.token)).await["status"],
        "listed"
    );

    // Vetting makes it public at once.
    let sup = vet(&app, &pending.org_id, "approve", "").await;
    assert_eq!(sup["status"], "vetted");
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");
    let (total, items) = listing(&app, "").await;
    assert_eq!(total, 1);
    assert_eq!(items, vec![id]);
}

// ---------------------------------------------------------------------------------------------
// 7. Supplier catalogues and directory

async fn supplier_catalogue_visibility(app: TestApp) {
    let s = app.vetted_supplier().await;
    let other = app.vetted_supplier().await;
    let draft = app.draft_product(&s, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = submitted_product(&app, &s, &product_body()).await;
    let listed = app.listed_product(&s, &product_body()).await;
    let rejected = submitted_product(&app, &s, &product_body()).await;
    expect(
        review(&app, &rejected, &app.organiser, "reject", Some("不符合")).await,
        200,
    )
    .await;
    let delisted = app.listed_product(&s, &product_body()).await;
    expect(delist(&app, &delisted, &s.token).await, 200).await;
    app.listed_product(&other, &product_body()).await;

    let all = set(vec![
        draft.clone(),
        submitted.clone(),
        listed.clone(),
        rejected.clone(),
        delisted.clone(),
    ]);
    let path = format!("/suppliers/{}/products", s.org_id);
    for token in [&s.token, &app.organiser] {
        let page = expect(app.get(&path, Some(token)).await, 200).await;
        assert_eq!(page["total"], 5, "{page}");
        assert_eq!(set(ids(&page)), all);
        let mut statuses: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["status"].as_str().unwrap().to_owned())
            .collect();
        statuses.sort();
        assert_eq!(
            statuses,
            ["delisted", "draft", "listed", "rejected", "submitted"]
        );
        for p in page["items"].as_array().unwrap() {
            assert_eq!(p["supplier_id"], s.org_id.as_str());
        }
    }
    // Anyone else: listed only.
    for token in [None, Some(other.token.as_str())] {
        let page = expect(app.get(&path, token).await, 200).await;
        assert_eq!(page["total"], 1, "{page}");
        assert_eq!(ids(&page), vec![listed.clone()]);
    }
    // Paging works on the catalogue too.
    let page = expect(
        app.get(&format!("{path}?per_page=2&page=3"), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 5);
    assert_eq!(ids(&page).len(), 1);
    invalid(
        app.get(&format!("{path}?per_page=101"), Some(&s.token))
            .await,
        "per_page",
    )
    .await;
    not_found(app.get("/suppliers/nobody/products", None).await).await;
}

async fn supplier_directory_visibility(app: TestApp) {
    let vetted = app.vetted_supplier().await;
    let pending = app.register("supplier", supplier_org()).await;
    let enterprise = app.register_enterprise().await;

    let page = expect(app.get("/suppliers", None).await, 200).await;
    let list = ids(&page);
    assert!(list.contains(&vetted.org_id));
    assert!(!list.contains(&pending.org_id));
    assert_eq!(page["total"], 1);
    for s in page["items"].as_array().unwrap() {
        assert_eq!(s["status"], "vetted");
    }
    let page = expect(app.get("/suppliers?status=vetted", None).await, 200).await;
    assert_eq!(ids(&page), vec![vetted.org_id.clone()]);

    // Only staff may ask for other statuses.
    forbidden(app.get("/suppliers?status=pending", None).await).await;
    forbidden(
        app.get("/suppliers?status=pending", Some(&pending.token))
            .await,
    )
    .await;
    forbidden(
        app.get("/suppliers?status=suspended", Some(&enterprise.token))
            .await,
    )
    .await;
    invalid(
        app.get("/suppliers?status=bogus", Some(&app.organiser))
            .await,
        "status",
    )
    .await;

    let page = expect(
        app.get("/suppliers?status=pending", Some(&app.organiser))
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&page), vec![pending.org_id.clone()]);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["status"], "pending");
    let page = expect(app.get("/suppliers", Some(&app.organiser)).await, 200).await;
    assert_eq!(page["total"], 2, "organisers see every supplier: {page}");

    // One supplier.
    not_found(
        app.get(&format!("/suppliers/{}", pending.org_id), None)
            .await,
    )
    .await;
    not_found(
        app.get(
            &format!("/suppliers/{}", pending.org_id),
            Some(&vetted.token),
        )
        .await,
    )
    .await;
    let own = expect(
        app.get(
            &format!("/suppliers/{}", pending.org_id),
            Some(&pending.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(own["status"], "pending");
    let staff = expect(
        app.get(
            &format!("/suppliers/{}", pending.org_id),
            Some(&app.organiser),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(staff["id"], pending.org_id.as_str());
    let public = expect(
        app.get(&format!("/suppliers/{}", vetted.org_id), None)
            .await,
        200,
    )
    .await;
    assert_eq!(public["status"], "vetted");
    assert_eq!(public["id"], vetted.org_id.as_str());
}

// ---------------------------------------------------------------------------------------------
// 8. The review queue

async fn review_queue_lists_submitted_products(app: TestApp) {
    let s = app.vetted_supplier().await;
    let enterprise = app.register_enterprise().await;
    let reviewer = reviewer(&app).await;
    let first = submitted_product(&app, &s, &with(&json!({"name": "先提交的产品"}))).await;
    let second = submitted_product(&app, &s, &with(&json!({"name": "后提交的产品"}))).await;
    app.draft_product(&s, &product_body()).await;
    app.listed_product(&s, &product_body()).await;

    for token in [&app.organiser, &reviewer] {
        let page = expect(app.get("/review/products", Some(token)).await, 200).await;
        assert_eq!(page["total"], 2, "{page}");
        assert_eq!(
            ids(&page),
            vec![first.clone(), second.clone()],
            "oldest first"
        );
        for p in page["items"].as_array().unwrap() {
            assert_eq!(p["status"], "submitted");
        }
    }
    forbidden(app.get("/review/products", Some(&s.token)).await).await;
    forbidden(app.get("/review/products", Some(&enterprise.token)).await).await;
    assert_eq!(
        problem(app.get("/review/products", None).await, 401).await["code"],
        "unauthorized"
    );

    // Reviewed products leave the queue.
    expect(review(&app, &first, &reviewer, "approve", None).await, 200).await;
    let page = expect(app.get("/review/products", Some(&app.organiser)).await, 200).await;
    assert_eq!(page["total"], 1);
    assert_eq!(ids(&page), vec![second]);
}

// ---------------------------------------------------------------------------------------------
// 9. Validation

async fn product_body_validation(app: TestApp) {
    let s = app.vetted_supplier().await;
    let name61 = "测".repeat(61);
    for (changes, field) in [
        (json!({"pilot_price_fen": 2_000_001}), "pilot_price_fen"),
        (json!({"price_fen": -1, "pilot_price_fen": 0}), "price_fen"),
        (json!({"pilot_price_fen": -5}), "pilot_price_fen"),
        (json!({"deploy_days": 0}), "deploy_days"),
        (json!({"deploy_days": -3}), "deploy_days"),
        (json!({"name": name61}), "name"),
        (json!({"name": "A"}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"summary": ""}), "summary"),
        (json!({"industries": ["general", "pcb"]}), "industries"),
        (json!({"industries": []}), "industries"),
        (json!({"industries": ["bogus"]}), "industries[0]"),
        (json!({"stages": []}), "stages"),
        (json!({"delivery": "cloud"}), "delivery"),
        (json!({"price_unit": "per_century"}), "price_unit"),
        (json!({"price_fen": "abc"}), "price_fen"),
        (json!({"deploy_days": 1.5}), "deploy_days"),
        (json!({"ai_powered": "yes"}), "ai_powered"),
        (json!({"reference_cases": -1}), "reference_cases"),
        (json!({"name": null}), "name"),
    ] {
        let r = app.post("/products", Some(&s.token), &with(&changes)).await;
        invalid(r, field).await;
    }
    // A missing required field is named.
    let mut body = product_body();
    body.as_object_mut().unwrap().remove("price_fen");
    invalid(
        app.post("/products", Some(&s.token), &body).await,
        "price_fen",
    )
    .await;
    // Several problems are reported together.
    let body = invalid(
        app.post(
            "/products",
            Some(&s.token),
            &with(&json!({"name": "A", "deploy_days": 0, "stages": []})),
        )
        .await,
        "name",
    )
    .await;
    for f in ["deploy_days", "stages"] {
        assert!(body["errors"].get(f).is_some(), "{body}");
    }
    // Malformed JSON is 400; a wrong content type is 415.
    let r = app
        .req(reqwest::Method::POST, "/products", Some(&s.token))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(r, 400).await;
    let r = app
        .req(reqwest::Method::POST, "/products", Some(&s.token))
        .header("content-type", "text/plain")
        .body(product_body().to_string())
        .send()
        .await
        .unwrap();
    problem(r, 415).await;

    // Nothing was stored.
    let page = expect(
        app.get(&format!("/suppliers/{}/products", s.org_id), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_eq!(page["total"], 0, "{page}");

    // Boundaries that are fine: 60 characters, pilot = price, 1 day, free.
    let name60 = "测".repeat(60);
    let p = app
        .draft_product(
            &s,
            &with(&json!({"name": name60, "pilot_price_fen": 2_000_000, "deploy_days": 1})),
        )
        .await;
    assert_eq!(p["name"], name60.as_str());
    assert_eq!(p["pilot_price_fen"], 2_000_000);
    assert_eq!(p["deploy_days"], 1);
    let p = app
        .draft_product(
            &s,
            &with(&json!({"price_fen": 0, "pilot_price_fen": 0, "industries": ["general"]})),
        )
        .await;
    assert_eq!(p["price_fen"], 0);
    assert_eq!(p["industries"], json!(["general"]));
    // Optional fields may be left out.
    let mut minimal = product_body();
    for k in [
        "description",
        "ip_certificates",
        "reference_cases",
        "ai_powered",
        "tags",
    ] {
        minimal.as_object_mut().unwrap().remove(k);
    }
    let p = app.draft_product(&s, &minimal).await;
    assert_eq!(p["reference_cases"], 0);
    assert_eq!(p["ai_powered"], false);
    assert_eq!(p["tags"], json!([]));
}

async fn failed_patch_keeps_stored_data(app: TestApp) {
    let s = app.vetted_supplier().await;
    let id = app.draft_product(&s, &product_body()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/products/{id}");

    // The pilot price is checked against the stored price.
    invalid(
        app.patch(
            &path,
            Some(&s.token),
            &json!({"pilot_price_fen": 2_500_000}),
        )
        .await,
        "pilot_price_fen",
    )
    .await;
    // ...and the price against the stored pilot price.
    invalid(
        app.patch(&path, Some(&s.token), &json!({"price_fen": 1_000_000}))
            .await,
        "pilot_price_fen",
    )
    .await;
    // One bad field spoils the whole edit.
    invalid(
        app.patch(
            &path,
            Some(&s.token),
            &json!({"name": "新名字也不会保存", "deploy_days": 0}),
        )
        .await,
        "deploy_days",
    )
    .await;
    invalid(
        app.patch(
            &path,
            Some(&s.token),
            &json!({"name": "新名字", "price_fen": "abc"}),
        )
        .await,
        "price_fen",
    )
    .await;
    invalid(
        app.patch(
            &path,
            Some(&s.token),
            &json!({"industries": ["general", "pcb"]}),
        )
        .await,
        "industries",
    )
    .await;
    invalid(
        app.patch(&path, Some(&s.token), &json!({"stages": []}))
            .await,
        "stages",
    )
    .await;
    invalid(
        app.patch(&path, Some(&s.token), &json!({"delivery": "cloud"}))
            .await,
        "delivery",
    )
    .await;
    invalid(
        app.patch(&path, Some(&s.token), &json!({"name": "测".repeat(61)}))
            .await,
        "name",
    )
    .await;

    let p = get_product(&app, &id, Some(&s.token)).await;
    assert_eq!(p["name"], "PCB批次追溯查询服务");
    assert_eq!(p["price_fen"], 2_000_000);
    assert_eq!(p["pilot_price_fen"], 1_500_000);
    assert_eq!(p["deploy_days"], 10);
    assert_eq!(p["industries"], json!(["pcb"]));
    assert_eq!(p["stages"], json!(["manufacturing", "service"]));
    assert_eq!(p["delivery"], "saas");
    assert_eq!(p["status"], "draft");

    // A consistent edit of both prices works.
    let p = expect(
        app.patch(
            &path,
            Some(&s.token),
            &json!({"price_fen": 1_000_000, "pilot_price_fen": 800_000}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(p["price_fen"], 1_000_000);
    assert_eq!(p["pilot_price_fen"], 800_000);
    assert_eq!(p["name"], "PCB批次追溯查询服务");
}

/// The 小快轻准 flags follow the product (default policy: first year ≤ 20 万元, ≤ 30 days, SaaS or
/// quick on-site delivery, ≤ 2 stages and ≥ 3 reference cases).
async fn xkqz_is_computed_from_the_product(app: TestApp) {
    let s = app.vetted_supplier().await;
    let p = app.draft_product(&s, &product_body()).await;
    assert_eq!(
        p["xkqz"],
        json!({"small": true, "fast": true, "light": true, "precise": true})
    );

    let p = app
        .draft_product(
            &s,
            &with(&json!({
                "price_fen": 50_000_000, "pilot_price_fen": 30_000_000, "deploy_days": 60,
                "delivery": "on_premise", "stages": ["design", "manufacturing", "supply"],
            })),
        )
        .await;
    assert_eq!(
        p["xkqz"],
        json!({"small": false, "fast": false, "light": false, "precise": false})
    );

    // An edit recomputes the flags.
    let id = p["id"].as_str().unwrap();
    let p = expect(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"pilot_price_fen": 1_000_000, "deploy_days": 7, "stages": ["design"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        p["xkqz"],
        json!({"small": true, "fast": true, "light": true, "precise": true})
    );
}

async fn a_delisted_product_is_revised_and_listed_again(app: TestApp) {
    let s = app.vetted_supplier().await;
    let other = app.vetted_supplier().await;
    let reviewer = reviewer(&app).await;
    let id = app.listed_product(&s, &product_body()).await;
    let revise = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(&format!("/products/{id}/revise"), Some(&token), &json!({}))
                .await
        }
    };

    // Only what is delisted goes back to a draft.
    conflict(revise(s.token.clone()).await).await;
    expect(delist(&app, &id, &s.token).await, 200).await;
    app.wait_for_jobs().await;
    assert!(listing(&app, "q=追溯").await.1.is_empty());

    // Only by its supplier: not another one, a reviewer or an organiser (who may delist, but
    // whose words a product is not); anonymously not at all.
    not_found(revise(other.token.clone()).await).await;
    forbidden(revise(reviewer.clone()).await).await;
    forbidden(revise(app.organiser.clone()).await).await;
    let r = app
        .post(&format!("/products/{id}/revise"), None, &json!({}))
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        get_product(&app, &id, Some(&s.token)).await["status"],
        "delisted"
    );

    let p = expect(revise(s.token.clone()).await, 200).await;
    assert_eq!(p["status"], "draft");
    conflict(revise(s.token.clone()).await).await;
    // A draft again: edited, submitted and reviewed as any other, and found again once listed.
    let p = expect(
        app.patch(
            &format!("/products/{id}"),
            Some(&s.token),
            &json!({"name": "PCB批次追溯查询服务（新版）"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(p["name"], "PCB批次追溯查询服务（新版）");
    assert!(listing(&app, "").await.1.is_empty());
    expect(submit(&app, &id, &s.token).await, 200).await;
    expect(
        review(&app, &id, &reviewer, "approve", Some("同意")).await,
        200,
    )
    .await;
    app.wait_for_jobs().await;
    assert_eq!(listing(&app, "q=追溯").await.1, vec![id.clone()]);
    assert_eq!(get_product(&app, &id, None).await["status"], "listed");
}
