//! Registration, log-in, refresh rotation, log-out, /me, staff accounts.

use crate::both_databases;
use crate::helpers::*;
use serde_json::json;

both_databases!(
    register_enterprise_and_supplier,
    login_answers_the_same_for_unknown_and_wrong,
    duplicate_email_and_credit_code_conflict,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    organiser_creates_reviewer,
    only_organisers_create_staff,
    staff_roles_cannot_self_register,
);

async fn register_enterprise_and_supplier(app: TestApp) {
    let e = app.register_enterprise().await;
    assert_eq!(e.body["user"]["role"], "enterprise");
    assert_eq!(e.body["organisation"]["industry"], "smart_appliances");
    assert_eq!(e.body["organisation"]["digital_level_baseline"], 2);
    assert_eq!(e.body["organisation"]["digital_level"], 2);
    assert_eq!(e.body["token_type"], "Bearer");
    assert_eq!(e.body["expires_in"], 900);
    assert!(e.body["user"].get("password_hash").is_none());

    let (status, me) = parts(app.get("/me", Some(&e.token)).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], e.email.as_str());
    assert_eq!(me["organisation"]["id"], e.org_id.as_str());

    let s = app.register("supplier", supplier_org()).await;
    assert_eq!(s.body["organisation"]["status"], "pending");
    assert_eq!(s.body["organisation"]["kind"], "vendor");
    let (_, me) = parts(app.get("/me", Some(&s.token)).await).await;
    assert_eq!(me["user"]["role"], "supplier");
    assert_eq!(me["organisation"]["status"], "pending");

    // The new account can log in with its password.
    let token = app.login(&s.email, PASSWORD).await;
    assert_eq!(app.get("/me", Some(&token)).await.status(), 200);
}

async fn login_answers_the_same_for_unknown_and_wrong(app: TestApp) {
    let e = app.register_enterprise().await;
    let (s1, wrong) = parts(
        app.post(
            "/auth/login",
            None,
            &json!({"email": e.email, "password": "not-the-password"}),
        )
        .await,
    )
    .await;
    let (s2, unknown) = parts(
        app.post(
            "/auth/login",
            None,
            &json!({"email": "nobody@example.com", "password": "not-the-password"}),
        )
        .await,
    )
    .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, unknown);
    // E-mail addresses are case-insensitive.
    let (s, _) = parts(
        app.post(
            "/auth/login",
            None,
            &json!({"email": e.email.to_uppercase(), "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
}

async fn duplicate_email_and_credit_code_conflict(app: TestApp) {
    let e = app.register_enterprise().await;
    let again = json!({"email": e.email, "password": PASSWORD, "display_name": "x", "role": "enterprise", "organisation": enterprise_org()});
    let (status, body) = parts(app.post("/auth/register", None, &again).await).await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "email_taken");

    let mut org = enterprise_org();
    org["credit_code"] = e.body["organisation"]["credit_code"].clone();
    let dup = json!({"email": unique_email("dup"), "password": PASSWORD, "display_name": "x", "role": "enterprise", "organisation": org});
    let (status, body) = parts(app.post("/auth/register", None, &dup).await).await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "credit_code_taken");
    // Nothing half-made: the failed registration's e-mail has no account.
    let (s, _) = parts(
        app.post(
            "/auth/login",
            None,
            &json!({"email": dup["email"], "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 401);
}

async fn refresh_rotates_and_reuse_revokes_the_family(app: TestApp) {
    let e = app.register_enterprise().await;
    let (status, first) = parts(
        app.post("/auth/refresh", None, &json!({"refresh_token": e.refresh}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let second = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, e.refresh);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.get("/me", Some(access)).await.status(), 200);

    // Reusing the spent token fails and revokes the token issued from it.
    let r = app
        .post("/auth/refresh", None, &json!({"refresh_token": e.refresh}))
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .post("/auth/refresh", None, &json!({"refresh_token": second}))
        .await;
    assert_eq!(r.status(), 401);

    // A fresh log-in starts a new family that works.
    let r = app
        .post(
            "/auth/login",
            None,
            &json!({"email": e.email, "password": PASSWORD}),
        )
        .await;
    let v: serde_json::Value = r.json().await.unwrap();
    let r = app
        .post(
            "/auth/refresh",
            None,
            &json!({"refresh_token": v["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post("/auth/refresh", None, &json!({"refresh_token": "garbage"}))
        .await;
    assert_eq!(r.status(), 401);
}

async fn logout_ends_the_session(app: TestApp) {
    let e = app.register_enterprise().await;
    let r = app
        .post("/auth/logout", None, &json!({"refresh_token": e.refresh}))
        .await;
    assert_eq!(r.status(), 401, "logout needs the access token");
    let r = app
        .post(
            "/auth/logout",
            Some(&e.token),
            &json!({"refresh_token": e.refresh}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .post("/auth/refresh", None, &json!({"refresh_token": e.refresh}))
        .await;
    assert_eq!(r.status(), 401);
}

async fn organiser_creates_reviewer(app: TestApp) {
    let email = unique_email("reviewer");
    let (status, body) = parts(
        app.post(
            "/users",
            Some(&app.organiser),
            &json!({"email": email, "password": PASSWORD, "display_name": "评审专家", "role": "reviewer"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["role"], "reviewer");
    let token = app.login(&email, PASSWORD).await;
    let (_, me) = parts(app.get("/me", Some(&token)).await).await;
    assert_eq!(me["user"]["role"], "reviewer");
    assert!(me["organisation"].is_null());
    // Reviewers review but do not run the programme.
    assert_eq!(app.get("/stats", Some(&token)).await.status(), 403);
    // Only staff roles can be made here.
    let (status, body) = parts(
        app.post(
            "/users",
            Some(&app.organiser),
            &json!({"email": unique_email("x"), "password": PASSWORD, "display_name": "x", "role": "supplier"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["role"].is_string());
}

async fn only_organisers_create_staff(app: TestApp) {
    let e = app.register_enterprise().await;
    let body = json!({"email": unique_email("x"), "password": PASSWORD, "display_name": "x", "role": "organiser"});
    assert_eq!(
        app.post("/users", Some(&e.token), &body).await.status(),
        403
    );
    assert_eq!(app.post("/users", None, &body).await.status(), 401);
}

async fn staff_roles_cannot_self_register(app: TestApp) {
    let body = json!({"email": unique_email("x"), "password": PASSWORD, "display_name": "x", "role": "organiser", "organisation": enterprise_org()});
    let (status, v) = parts(app.post("/auth/register", None, &body).await).await;
    assert_eq!(status, 422);
    assert!(v["errors"]["role"].is_string());
}
