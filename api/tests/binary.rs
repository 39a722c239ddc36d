//! The real `api` binary: start-up errors name the variable; `serve --demo` serves the demo
//! marketplace; the operator subcommands work.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed test is meant to panic

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn api() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_api"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info");
    c
}

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir()
        .join(format!("sme-bin-{}", std::process::id()))
        .join(format!("{:?}", Instant::now()).replace(['.', ' '], "_"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fails_naming(envs: &[(&str, &str)], variable: &str) {
    let dir = temp_dir();
    let out = api()
        .env("DATA_DIR", &dir)
        .envs(envs.iter().copied())
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{envs:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(variable),
        "{envs:?}: stderr should name {variable}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_settings_name_the_variable() {
    fails_naming(&[("BIND_ADDR", "not-an-address")], "BIND_ADDR");
    fails_naming(&[("AUTH_RATE_LIMIT", "-3")], "AUTH_RATE_LIMIT");
    fails_naming(&[("DATABASE_URL", "mysql://x")], "DATABASE_URL");
    fails_naming(
        &[(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        )],
        "JWT_SECRET",
    );
    fails_naming(&[("JWT_SECRET", "short")], "JWT_SECRET");
    // The job system's variables are read by the API too.
    fails_naming(&[("WORKER_CONCURRENCY", "many")], "WORKER_CONCURRENCY");
    fails_naming(&[("SMTP_URL", "smtp://")], "SMTP_URL");
    fails_naming(
        &[("XKQZ_FAST_MAX_DEPLOY_DAYS", "soon")],
        "XKQZ_FAST_MAX_DEPLOY_DAYS",
    );
    fails_naming(
        &[("CONFIG_FILE", "/nonexistent/config.toml")],
        "CONFIG_FILE",
    );
}

#[test]
fn serve_demo_then_operator_commands() {
    let dir = temp_dir();
    let mut child = api()
        .env("DATA_DIR", &dir)
        .env("BIND_ADDR", "127.0.0.1:0")
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    let mut port = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while port.is_none() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                port = rest.trim_end_matches('/').parse::<u16>().ok();
            }
            banner.push(line);
        }
    }
    let port = port.unwrap_or_else(|| panic!("no port in {banner:?}"));
    let text = banner.join("\n");
    assert!(text.contains("organiser@demo.local"), "{text}");
    assert!(text.contains("enterprise"), "{text}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let base = format!("http://127.0.0.1:{port}");
        let r = reqwest::get(format!("{base}/healthz")).await.unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = reqwest::get(format!("{base}/api/v1/products?per_page=1"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["total"], 319);
    });
    child.kill().unwrap();
    child.wait().unwrap();

    let out = api()
        .env("DATA_DIR", &dir)
        .args([
            "create-organiser",
            "--email",
            "chief@zhuhai.test",
            "--password",
            "a-long-password",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created"));
    let out = api()
        .env("DATA_DIR", &dir)
        .args([
            "create-organiser",
            "--email",
            "chief@zhuhai.test",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    let out = api()
        .env("DATA_DIR", &dir)
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
