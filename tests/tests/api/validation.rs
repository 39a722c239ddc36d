//! Bad input: a clear 4xx problem+json naming the field, never a 500, nothing stored.

use crate::both_databases;
use crate::helpers::*;
use serde_json::{Value, json};

both_databases!(
    bad_registrations_name_the_field,
    malformed_json_and_content_type,
    oversized_body_is_413,
    error_body_is_pinned,
);

fn registration(org: Value) -> Value {
    json!({"email": unique_email("v"), "password": PASSWORD, "display_name": "测试", "role": "enterprise", "organisation": org})
}

fn with(mut org: Value, key: &str, value: Value) -> Value {
    org[key] = value;
    org
}

async fn bad_registrations_name_the_field(app: TestApp) {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "bad checksum",
            registration(with(
                enterprise_org(),
                "credit_code",
                json!("91350100M000100Y44"),
            )),
            "organisation.credit_code",
        ),
        (
            "short code",
            registration(with(enterprise_org(), "credit_code", json!("9135"))),
            "organisation.credit_code",
        ),
        (
            "1000 employees",
            registration(with(enterprise_org(), "employees", json!(1000))),
            "organisation.employees",
        ),
        (
            "revenue 40 亿",
            registration(with(enterprise_org(), "annual_revenue_wan", json!(400_000))),
            "organisation.annual_revenue_wan",
        ),
        (
            "negative employees",
            registration(with(enterprise_org(), "employees", json!(-5))),
            "organisation.employees",
        ),
        (
            "unknown industry",
            registration(with(enterprise_org(), "industry", json!("textiles"))),
            "organisation.industry",
        ),
        (
            "unknown specialised",
            registration(with(enterprise_org(), "specialised", json!("giant"))),
            "organisation.specialised",
        ),
        (
            "level 5",
            registration(with(enterprise_org(), "digital_level_baseline", json!(5))),
            "organisation.digital_level_baseline",
        ),
        (
            "overlong name",
            registration(with(enterprise_org(), "name", json!("企".repeat(101)))),
            "organisation.name",
        ),
        (
            "bad phone",
            registration(with(enterprise_org(), "contact_phone", json!("call me"))),
            "organisation.contact_phone",
        ),
        (
            "bad contact e-mail",
            registration(with(enterprise_org(), "contact_email", json!("nope"))),
            "organisation.contact_email",
        ),
        (
            "wrong type",
            registration(with(enterprise_org(), "employees", json!("many"))),
            "organisation.employees",
        ),
        (
            "unknown field",
            registration(with(enterprise_org(), "status", json!("vetted"))),
            "organisation.status",
        ),
        (
            "missing field",
            registration(json!({"name": "x"})),
            "organisation.credit_code",
        ),
        (
            "short password",
            json!({"email": unique_email("v"), "password": "short", "display_name": "x", "role": "enterprise", "organisation": enterprise_org()}),
            "password",
        ),
        (
            "bad e-mail",
            json!({"email": "not-an-email", "password": PASSWORD, "display_name": "x", "role": "enterprise", "organisation": enterprise_org()}),
            "email",
        ),
        (
            "unknown role",
            json!({"email": unique_email("v"), "password": PASSWORD, "display_name": "x", "role": "admin", "organisation": enterprise_org()}),
            "role",
        ),
        (
            "empty display name",
            json!({"email": unique_email("v"), "password": PASSWORD, "display_name": "  ", "role": "enterprise", "organisation": enterprise_org()}),
            "display_name",
        ),
        (
            "supplier kind",
            json!({"email": unique_email("v"), "password": PASSWORD, "display_name": "x", "role": "supplier", "organisation": with(supplier_org(), "kind", json!("reseller"))}),
            "organisation.kind",
        ),
        (
            "supplier no industries",
            json!({"email": unique_email("v"), "password": PASSWORD, "display_name": "x", "role": "supplier", "organisation": with(supplier_org(), "industries", json!([]))}),
            "organisation.industries",
        ),
    ];
    for (name, body, field) in cases {
        let r = app.post("/auth/register", None, &body).await;
        let ct = r
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let (status, v) = parts(r).await;
        assert_eq!(status, 422, "{name}: {v}");
        assert_eq!(ct, "application/problem+json", "{name}");
        assert!(
            v["errors"][field].is_string(),
            "{name}: expected errors.{field} in {v}"
        );
    }
    // Several problems are reported at once.
    let mut org = enterprise_org();
    org["employees"] = json!(5000);
    org["credit_code"] = json!("bad");
    let (_, v) = parts(app.post("/auth/register", None, &registration(org)).await).await;
    assert!(v["errors"]["organisation.employees"].is_string());
    assert!(v["errors"]["organisation.credit_code"].is_string());
}

async fn malformed_json_and_content_type(app: TestApp) {
    let r = app
        .req(reqwest::Method::POST, "/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let (status, v) = parts(r).await;
    assert_eq!(status, 400);
    assert_eq!(v["code"], "bad_request");

    let r = app
        .req(reqwest::Method::POST, "/auth/login", None)
        .header("content-type", "text/plain")
        .body(r#"{"email":"a@b.cn","password":"x"}"#)
        .send()
        .await
        .unwrap();
    let (status, v) = parts(r).await;
    assert_eq!(status, 415);
    assert_eq!(v["code"], "unsupported_media_type");

    let r = app
        .req(reqwest::Method::POST, "/products", Some(&app.organiser))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415, "no content type");

    // A JSON array where an object is expected is a 422, not a 500.
    let (status, _) = parts(app.post("/auth/login", None, &json!([1, 2])).await).await;
    assert_eq!(status, 422);
}

async fn oversized_body_is_413(app: TestApp) {
    let s = app.vetted_supplier().await;
    let mut body = product_body();
    body["description"] = json!("长".repeat(200_000));
    let (status, v) = parts(app.post("/products", Some(&s.token), &body).await).await;
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["code"], "payload_too_large");
    // Just under the limit but over the field's own maximum: 422 naming the field.
    body["description"] = json!("长".repeat(5001));
    let (status, v) = parts(app.post("/products", Some(&s.token), &body).await).await;
    assert_eq!(status, 422);
    assert!(v["errors"]["description"].is_string());
}

async fn error_body_is_pinned(app: TestApp) {
    let (status, v) = parts(app.get("/products/does-not-exist", None).await).await;
    assert_eq!(status, 404);
    assert_eq!(
        v,
        json!({
            "type": "/problems/not_found",
            "title": "未找到",
            "status": 404,
            "detail": "product 不存在或无权查看",
            "code": "not_found"
        })
    );
    let (status, v) = parts(app.get("/products?per_page=101", None).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        v,
        json!({
            "type": "/problems/validation_failed",
            "title": "输入有误",
            "status": 422,
            "detail": "以下字段有误：per_page",
            "code": "validation_failed",
            "errors": {"per_page": "应为 1 到 100 之间的整数"}
        })
    );
    let (status, v) = parts(app.get("/no/such/route", None).await).await;
    assert_eq!(status, 404);
    assert_eq!(v["code"], "not_found");
}
