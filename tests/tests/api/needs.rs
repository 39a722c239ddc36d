//! Needs, matches, leads, the index following the catalogue, and new-listing notices, through
//! HTTP on SQLite and PostgreSQL with the engine the settings choose.

use crate::both_databases;
use crate::helpers::*;
use crate::problems::*;
use serde_json::{Value, json};

both_databases!(
    need_lifecycle_and_visibility,
    need_body_validation,
    matches_honour_the_hard_conditions_and_explain_themselves,
    matches_include_bundles_of_matching_products,
    leads_show_open_needs_anonymised_to_the_suppliers_members,
    index_follows_listing_delisting_and_suspension,
    a_new_listing_tells_the_enterprises_whose_needs_it_answers_once,
);

fn product(name: &str, summary: &str, changes: &Value) -> Value {
    let mut body = product_body();
    body["name"] = json!(name);
    body["summary"] = json!(summary);
    body["description"] = json!(summary);
    body["tags"] = json!([]);
    body["price_fen"] = json!(50_000_000);
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// A smart-appliance need for shop-floor reporting.
fn need_body() -> Value {
    json!({
        "title": "总装线扫码报工",
        "description": "总装线现在靠纸质单据报工，希望工人扫码报工，自动统计计件工资，看到线体实时产量。",
        "stages": ["manufacturing"],
        "budget_fen": 10_000_000,
        "max_deploy_days": 30
    })
}

fn ids(v: &Value, kind: &str) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .map(|i| i[kind]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Lists a product of `s` named `name` whose summary and description are `summary`.
async fn offer(app: &TestApp, s: &Member, name: &str, summary: &str, changes: Value) -> String {
    app.listed_product(s, &product(name, summary, &changes))
        .await
}

async fn matches(app: &TestApp, token: &str, need: &str) -> Value {
    expect(
        app.get(&format!("/needs/{need}/matches"), Some(token))
            .await,
        200,
    )
    .await
}

async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let v = expect(app.get(&format!("/products?q={q}"), None).await, 200).await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn need_lifecycle_and_visibility(app: TestApp) {
    let e = app.register_enterprise().await;
    let other = app.register_enterprise().await;
    let s = app.vetted_supplier().await;

    let r = app.post("/needs", Some(&e.token), &need_body()).await;
    let n = expect(r, 201).await;
    let id = n["id"].as_str().unwrap().to_owned();
    assert_eq!(n["status"], "open");
    assert_eq!(n["enterprise_id"], e.org_id.as_str());
    assert_eq!(n["budget_fen"], 10_000_000);
    assert_eq!(n["max_deploy_days"], 30);
    assert_eq!(n["stages"], json!(["manufacturing"]));

    // Only enterprise members post needs.
    forbidden(app.post("/needs", Some(&s.token), &need_body()).await).await;
    forbidden(app.post("/needs", Some(&app.organiser), &need_body()).await).await;
    problem(app.post("/needs", None, &need_body()).await, 401).await;

    // Its enterprise and organisers see it; everyone else is told it does not exist.
    for token in [&e.token, &app.organiser] {
        let got = expect(app.get(&format!("/needs/{id}"), Some(token)).await, 200).await;
        assert_eq!(got["title"], "总装线扫码报工");
    }
    for token in [&other.token, &s.token] {
        not_found(app.get(&format!("/needs/{id}"), Some(token)).await).await;
        not_found(app.get(&format!("/needs/{id}/matches"), Some(token)).await).await;
        not_found(
            app.post(&format!("/needs/{id}/close"), Some(token), &json!({}))
                .await,
        )
        .await;
    }
    not_found(app.get("/needs/no-such-need", Some(&e.token)).await).await;

    // Lists: the enterprise its own, organisers all, others none of it.
    app.need(&other, &need_body()).await;
    let own = expect(app.get("/needs", Some(&e.token)).await, 200).await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["id"], id.as_str());
    let all = expect(app.get("/needs", Some(&app.organiser)).await, 200).await;
    assert_eq!(all["total"], 2);
    let supplier_view = expect(app.get("/needs", Some(&s.token)).await, 200).await;
    assert_eq!(supplier_view["total"], 0);

    // Closing: once, then 409; the status filter sees it.
    let closed = expect(
        app.post(&format!("/needs/{id}/close"), Some(&e.token), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let again = problem(
        app.post(&format!("/needs/{id}/close"), Some(&e.token), &json!({}))
            .await,
        409,
    )
    .await;
    assert_eq!(again["code"], "need_closed");
    let open = expect(app.get("/needs?status=open", Some(&e.token)).await, 200).await;
    assert_eq!(open["total"], 0);
    let closed = expect(app.get("/needs?status=closed", Some(&e.token)).await, 200).await;
    assert_eq!(closed["total"], 1);
    invalid(
        app.get("/needs?status=done", Some(&e.token)).await,
        "status",
    )
    .await;
}

async fn need_body_validation(app: TestApp) {
    let e = app.register_enterprise().await;
    for (changes, field) in [
        (json!({"title": "A"}), "title"),
        (json!({"title": "长".repeat(101)}), "title"),
        (json!({"description": "  "}), "description"),
        (json!({"stages": []}), "stages"),
        (json!({"stages": ["bogus"]}), "stages[0]"),
        (json!({"budget_fen": 0}), "budget_fen"),
        (json!({"budget_fen": -1}), "budget_fen"),
        (json!({"budget_fen": "many"}), "budget_fen"),
        (json!({"max_deploy_days": 0}), "max_deploy_days"),
        (json!({"max_deploy_days": 3651}), "max_deploy_days"),
        (json!({"status": "closed"}), "status"),
        (json!({"enterprise_id": e.org_id}), "enterprise_id"),
    ] {
        let mut body = need_body();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post("/needs", Some(&e.token), &body).await;
        let (status, v) = parts(r).await;
        assert!(status == 422 || status == 400, "{changes}: {status} {v}");
        let named = v["errors"].get(field).is_some()
            || v["detail"].as_str().is_some_and(|d| d.contains(field));
        assert!(named, "{changes} should name {field}: {v}");
    }
    // Missing fields are named too; nothing was stored.
    invalid(
        app.post("/needs", Some(&e.token), &json!({"title": "扫码报工"}))
            .await,
        "description",
    )
    .await;
    let none = expect(app.get("/needs", Some(&e.token)).await, 200).await;
    assert_eq!(none["total"], 0);
    invalid(
        app.get(
            &format!(
                "/needs/{}/matches?limit=0",
                app.need(&e, &need_body()).await
            ),
            Some(&e.token),
        )
        .await,
        "limit",
    )
    .await;
}

async fn matches_honour_the_hard_conditions_and_explain_themselves(app: TestApp) {
    let s = app.vetted_supplier().await;
    let e = app.register_enterprise().await; // smart_appliances
    let fits = offer(&app, &s, "扫码报工小程序", "工人扫码报工，自动统计计件工资和实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    let for_appliances = offer(&app, &s, "家电扫码报工小程序", "工人扫码报工，自动统计计件工资和实时产量", json!({"industries": ["smart_appliances"], "stages": ["manufacturing"], "pilot_price_fen": 5_000_000, "deploy_days": 20})).await;
    let over_budget = offer(&app, &s, "扫码报工旗舰版", "扫码报工，计件工资，实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 10_000_001, "deploy_days": 3})).await;
    let too_slow = offer(&app, &s, "扫码报工定制版", "扫码报工，计件工资，实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 31})).await;
    let other_industry = offer(&app, &s, "PCB扫码报工", "PCB车间扫码报工，计件工资，实时产量", json!({"industries": ["pcb"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    let other_stage = offer(&app, &s, "扫码报工营销版", "扫码报工，计件工资，实时产量", json!({"industries": ["general"], "stages": ["sales"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    let unrelated = offer(&app, &s, "财务记账云", "中小企业记账报税", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;

    let need = app.need(&e, &need_body()).await;
    let m = matches(&app, &e.token, &need).await;
    let found = ids(&m, "product");
    // Made for the segment ranks above a general product saying the same; both are in.
    assert_eq!(found.first(), Some(&for_appliances), "{m}");
    assert!(found.contains(&fits), "{m}");
    for excluded in [
        &over_budget,
        &too_slow,
        &other_industry,
        &other_stage,
        &unrelated,
    ] {
        assert!(
            !found.contains(excluded),
            "{excluded} should not match: {m}"
        );
    }
    // Scores relative to the best, best first; reasons say why in Chinese.
    let items = m["items"].as_array().unwrap();
    assert!((items[0]["score"].as_f64().unwrap() - 1.0).abs() < 1e-6);
    assert!(
        items
            .windows(2)
            .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64())
    );
    let reasons: Vec<String> = items[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("匹配词：") && r.contains("报工")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"覆盖环节：生产管控".to_owned()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"试点价 5 万元，在预算 10 万元 内".to_owned()),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("智能家电")),
        "{reasons:?}"
    );

    // Without a deployment limit the slow product qualifies; a higher budget lets the dear one.
    let relaxed = app
        .need(
            &e,
            &json!({"title": "总装线扫码报工", "description": "希望工人扫码报工，自动统计计件工资，看到实时产量。",
                    "stages": ["manufacturing"], "budget_fen": 20_000_000}),
        )
        .await;
    let found = ids(&matches(&app, &e.token, &relaxed).await, "product");
    assert!(
        found.contains(&too_slow) && found.contains(&over_budget),
        "{found:?}"
    );
    assert!(!found.contains(&other_industry) && !found.contains(&other_stage));

    // `limit` caps the list; organisers may look too.
    let one = expect(
        app.get(
            &format!("/needs/{need}/matches?limit=1"),
            Some(&app.organiser),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);

    // A delisted product is no longer proposed.
    app.post(
        &format!("/products/{for_appliances}/delist"),
        Some(&s.token),
        &json!({}),
    )
    .await;
    app.wait_for_jobs().await;
    let found = ids(&matches(&app, &e.token, &need).await, "product");
    assert!(!found.contains(&for_appliances), "{found:?}");
    assert_eq!(found.first(), Some(&fits));
}

async fn matches_include_bundles_of_matching_products(app: TestApp) {
    let s = app.vetted_supplier().await;
    let e = app.register_enterprise().await;
    let body = |name: &str, summary: &str| {
        product(
            name,
            summary,
            &json!({"industries": ["smart_appliances"], "stages": ["manufacturing"], "pilot_price_fen": 2_000_000, "deploy_days": 10}),
        )
    };
    let a = app
        .listed_product(&s, &body("扫码报工终端", "工人扫码报工，计件工资自动统计"))
        .await;
    let b = app
        .listed_product(&s, &body("产量看板", "线体实时产量看板"))
        .await;
    let bundle = |name: &str, price: i64| {
        json!({"name": name, "industry": "smart_appliances", "description": "报工与看板",
               "product_ids": [a, b], "price_fen": price})
    };
    let mut listed = Vec::new();
    for (name, price) in [
        ("报工看板组合", 3_000_000),
        ("报工看板豪华组合", 10_000_001),
    ] {
        let r = app
            .post("/bundles", Some(&s.token), &bundle(name, price))
            .await;
        let id = expect(r, 201).await["id"].as_str().unwrap().to_owned();
        expect(
            app.post(&format!("/bundles/{id}/submit"), Some(&s.token), &json!({}))
                .await,
            200,
        )
        .await;
        expect(
            app.post(
                &format!("/bundles/{id}/review"),
                Some(&app.organiser),
                &json!({"decision": "approve", "comment": "好"}),
            )
            .await,
            200,
        )
        .await;
        listed.push(id);
    }
    let need = app.need(&e, &need_body()).await;
    let m = matches(&app, &e.token, &need).await;
    let bundles = ids(&m, "bundle");
    // The bundle in budget is proposed, with reasons; the one over budget is not.
    assert_eq!(bundles, vec![listed[0].clone()], "{m}");
    let item = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "bundle")
        .unwrap();
    let reasons = item["reasons"].to_string();
    assert!(reasons.contains("组合包含匹配产品"), "{reasons}");
    assert!(
        reasons.contains("组合价 3 万元，在预算 10 万元 内"),
        "{reasons}"
    );
    assert!(reasons.contains("比单独购买节省 1 万元"), "{reasons}");
    assert!(ids(&m, "product").contains(&a));
}

async fn leads_show_open_needs_anonymised_to_the_suppliers_members(app: TestApp) {
    let s = app.vetted_supplier().await;
    let rival = app.vetted_supplier().await;
    let e = app.register_enterprise().await;
    let p = offer(&app, &s, "扫码报工小程序", "工人扫码报工，自动统计计件工资和实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    offer(&app, &rival, "财务记账云", "中小企业记账报税", json!({"industries": ["general"], "stages": ["management"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    let need = app.need(&e, &need_body()).await;
    // A need the product cannot meet (budget) is no lead.
    let mut poor = need_body();
    poor["budget_fen"] = json!(100_000);
    app.need(&e, &poor).await;

    let path = format!("/suppliers/{}/leads", s.org_id);
    let leads = expect(app.get(&path, Some(&s.token)).await, 200).await;
    let items = leads["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{leads}");
    let lead = &items[0];
    assert_eq!(lead["need"]["id"], need.as_str());
    assert_eq!(lead["need"]["title"], "总装线扫码报工");
    assert_eq!(lead["products"][0]["id"], p.as_str());
    assert!(lead["products"][0]["reasons"].as_array().unwrap().len() > 1);
    assert_eq!(
        lead["enterprise"],
        json!({"industry": "smart_appliances", "district": "香洲区", "size": "small"})
    );
    // Nothing that names the enterprise.
    let text = leads.to_string();
    let org = enterprise_org();
    for secret in [
        e.org_id.as_str(),
        org["name"].as_str().unwrap(),
        org["contact_name"].as_str().unwrap(),
        org["contact_phone"].as_str().unwrap(),
        e.email.as_str(),
    ] {
        assert!(!text.contains(secret), "leads leak {secret}: {text}");
    }

    // The rival's products answer nothing here; it may not read another supplier's leads.
    let rival_leads = expect(
        app.get(
            &format!("/suppliers/{}/leads", rival.org_id),
            Some(&rival.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rival_leads["items"], json!([]));
    forbidden(app.get(&path, Some(&rival.token)).await).await;
    forbidden(app.get(&path, Some(&e.token)).await).await;
    problem(app.get(&path, None).await, 401).await;
    expect(app.get(&path, Some(&app.organiser)).await, 200).await;
    not_found(
        app.get("/suppliers/no-such/leads", Some(&app.organiser))
            .await,
    )
    .await;
    invalid(
        app.get(&format!("{path}?limit=0"), Some(&s.token)).await,
        "limit",
    )
    .await;

    // A closed need is no longer a lead.
    app.post(&format!("/needs/{need}/close"), Some(&e.token), &json!({}))
        .await;
    let leads = expect(app.get(&path, Some(&s.token)).await, 200).await;
    assert_eq!(leads["items"], json!([]));
}

async fn index_follows_listing_delisting_and_suspension(app: TestApp) {
    let s = app.vetted_supplier().await;
    let body = product(
        "设备点检小程序",
        "设备点检巡检扫码记录",
        &json!({"tags": ["点检"]}),
    );
    let draft = app.draft_product(&s, &body).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    expect(
        app.post(
            &format!("/products/{id}/submit"),
            Some(&s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert!(search(&app, "点检").await.is_empty(), "not listed yet");
    expect(
        app.post(
            &format!("/products/{id}/review"),
            Some(&app.organiser),
            &json!({"decision": "approve", "comment": "好"}),
        )
        .await,
        200,
    )
    .await;
    // Within seconds, through the job the approval wrote (no test hook: the real runner).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while search(&app, "点检").await != vec![id.clone()] {
        assert!(std::time::Instant::now() < deadline, "not indexed in 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Facets count the results by industry, stage and delivery.
    let v = expect(app.get("/products?q=点检", None).await, 200).await;
    assert_eq!(v["facets"]["industry"], json!({"pcb": 1}));
    assert_eq!(
        v["facets"]["stage"],
        json!({"manufacturing": 1, "service": 1})
    );
    assert_eq!(v["facets"]["delivery"], json!({"saas": 1}));

    // Suspension removes the supplier's products; reinstatement brings them back.
    let vet = |decision: &'static str| json!({"decision": decision, "reason": "核查"});
    let path = format!("/suppliers/{}/vetting", s.org_id);
    expect(
        app.post(&path, Some(&app.organiser), &vet("suspend")).await,
        200,
    )
    .await;
    app.wait_for_jobs().await;
    assert!(search(&app, "点检").await.is_empty());
    expect(
        app.post(&path, Some(&app.organiser), &vet("reinstate"))
            .await,
        200,
    )
    .await;
    app.wait_for_jobs().await;
    assert_eq!(search(&app, "点检").await, vec![id.clone()]);

    // Delisting removes it.
    expect(
        app.post(
            &format!("/products/{id}/delist"),
            Some(&s.token),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    app.wait_for_jobs().await;
    assert!(search(&app, "点检").await.is_empty());

    // A reindex on demand (organisers only) rebuilds the same content.
    forbidden(app.post("/admin/reindex", Some(&s.token), &json!({})).await).await;
    let r = expect(
        app.post("/admin/reindex", Some(&app.organiser), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(r["documents"], 0);
}

async fn a_new_listing_tells_the_enterprises_whose_needs_it_answers_once(app: TestApp) {
    let s = app.vetted_supplier().await;
    let e = app.register_enterprise().await;
    let unrelated = app.register_enterprise().await;
    let need = app.need(&e, &need_body()).await;
    app.need(
        &unrelated,
        &json!({"title": "财务记账", "description": "需要记账报税软件", "stages": ["management"], "budget_fen": 1_000_000}),
    )
    .await;
    let p = offer(&app, &s, "扫码报工小程序", "工人扫码报工，自动统计计件工资和实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 300_000, "deploy_days": 3})).await;
    app.wait_for_jobs().await;
    let notices = |token: String| {
        let app = &app;
        async move {
            let v = expect(app.get("/me/notifications", Some(&token)).await, 200).await;
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "new_match")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let got = notices(e.token.clone()).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]["subject"]
            .as_str()
            .unwrap()
            .contains("扫码报工小程序")
    );
    assert!(got[0]["link"].as_str().unwrap().contains(&need));
    assert!(notices(unrelated.token.clone()).await.is_empty());
    assert!(notices(s.token.clone()).await.is_empty());

    // The job run again (a redelivery): nobody is told twice about the same product and need.
    domain::jobs::enqueue(
        &app.db,
        domain::jobs::Job::AnnounceListing { product_id: p },
        None,
    )
    .await
    .unwrap();
    app.wait_for_jobs().await;
    assert_eq!(notices(e.token.clone()).await.len(), 1);
}

/// Starts a server on `dir` (SQLite and the embedded index under it); returns its address.
async fn start_on(dir: &std::path::Path) -> String {
    let mut s = test_settings(dir);
    s.database_url = Some(secrecy::SecretString::from(format!(
        "sqlite://{}?mode=rwc",
        dir.join("test.db").display()
    )));
    let app = api::Application::build(s, false).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

async fn found(address: &str, q: &str) -> Vec<String> {
    let v: Value = reqwest::get(format!("{address}/api/v1/products?q={q}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The index under DATA_DIR outlives the process; one that is lost is rebuilt at start-up.
#[tokio::test]
async fn the_index_is_kept_across_restarts_and_rebuilt_when_lost() {
    use sea_orm::ConnectionTrait;
    let dir = temp_dir();
    let first = start_on(&dir.0).await;
    let app = TestApp::attach(&first, &dir.0).await;
    let s = app.vetted_supplier().await;
    offer(&app, &s, "设备点检小程序", "设备点检巡检", json!({})).await;
    assert_eq!(found(&first, "点检").await, vec!["设备点检小程序"]);

    // Renamed behind the index's back (no job): a restarted server keeps the index it has,
    // so the old words still find the product (shown as the database has it now).
    app.db
        .execute_unprepared("UPDATE products SET name = '设备保养助手', summary = '保养计划提醒', description = '保养计划提醒'")
        .await
        .unwrap();
    let second = start_on(&dir.0).await;
    assert_eq!(found(&second, "点检").await, vec!["设备保养助手"]);
    assert!(found(&second, "保养").await.is_empty());

    // The index lost: the next start rebuilds it from the database.
    std::fs::remove_dir_all(dir.0.join("index")).unwrap();
    let third = start_on(&dir.0).await;
    assert_eq!(found(&third, "保养").await, vec!["设备保养助手"]);
    assert!(found(&third, "点检").await.is_empty());
}

/// The new-listing notice as mail to every member of the enterprise, through a real SMTP
/// server, with the facts a manager needs.
async fn the_new_listing_notice_arrives_by_mail(db: Db) {
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
    let s = app.vetted_supplier().await;
    let e = app.register_enterprise().await;
    let need = app.need(&e, &need_body()).await;
    offer(&app, &s, "扫码报工小程序", "工人扫码报工，自动统计计件工资和实时产量", json!({"industries": ["general"], "stages": ["manufacturing"], "pilot_price_fen": 360_000, "deploy_days": 3})).await;
    app.wait_for_jobs().await;
    let mails = sink.wait_for(1, std::time::Duration::from_secs(30)).await;
    let to_e: Vec<_> = mails.iter().filter(|m| m.to == e.email).collect();
    assert_eq!(to_e.len(), 1, "{mails:?}");
    let m = to_e[0];
    assert!(m.subject.contains("扫码报工小程序") && m.subject.contains("总装线扫码报工"));
    assert!(m.text.contains("试点价：3600.00 元"), "{}", m.text);
    assert!(m.text.contains(&format!("/#/needs/{need}")), "{}", m.text);
    assert!(m.html.contains("珠海测试数字科技有限公司"), "{}", m.html);
    assert!(mails.iter().all(|m| m.to != s.email));
}

#[tokio::test]
async fn the_new_listing_notice_arrives_by_mail_sqlite() {
    the_new_listing_notice_arrives_by_mail(Db::Sqlite).await;
}

#[tokio::test]
async fn the_new_listing_notice_arrives_by_mail_postgres() {
    the_new_listing_notice_arrives_by_mail(Db::Postgres).await;
}

/// The same bodies with Meilisearch behind the API, when `MEILI_URL` is set (scripts/test.sh
/// starts one it finds on PATH): both engines must answer the HTTP contract alike.
mod on_meilisearch {
    use crate::helpers::{Db, TestApp, spawn_app_with};

    async fn app() -> Option<TestApp> {
        let Ok(url) = std::env::var("MEILI_URL") else {
            println!("skipped: MEILI_URL not set");
            return None;
        };
        let key = std::env::var("MEILI_MASTER_KEY").ok();
        spawn_app_with(Db::Sqlite, move |s| {
            s.meili_url = Some(url);
            s.meili_master_key = key.map(secrecy::SecretString::from);
            s.meili_index = format!("test_{}", uuid::Uuid::new_v4().simple());
        })
        .await
    }

    macro_rules! on_meilisearch {
        ($($name:ident),+ $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = app().await {
                        super::$name(app).await;
                    }
                }
            )+
        };
    }

    on_meilisearch!(
        matches_honour_the_hard_conditions_and_explain_themselves,
        matches_include_bundles_of_matching_products,
        leads_show_open_needs_anonymised_to_the_suppliers_members,
        index_follows_listing_delisting_and_suspension,
        a_new_listing_tells_the_enterprises_whose_needs_it_answers_once,
    );
}
