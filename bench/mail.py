#!/usr/bin/env python3
"""Mail fan-out benchmark (issue: jobs, worker and mail).

Publishes an event to 5,000 recipients and measures, with 1 and with 2 `worker` processes
against a local SMTP server (scripts/smtp_sink.py, aiosmtpd): mails/s until the last one is
accepted, and the delay from publish to the first mail. Scale-out mode: PostgreSQL + Redis.

    cargo build --release -p api -p worker
    python3 bench/mail.py [--recipients 5000] [--workers 1 2]

Needs a local PostgreSQL (trust auth as postgres@127.0.0.1) and Redis on 127.0.0.1:6379.
Everything it starts listens on loopback and is stopped at the end.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG = "postgres://postgres@127.0.0.1:5432"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def psql(db, sql):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"{url} did not come up")


def run(n_workers, recipients, procs):
    db = f"bench_mail_{uuid.uuid4().hex[:10]}"
    psql("postgres", f'CREATE DATABASE "{db}"')
    tmp = tempfile.mkdtemp(prefix="bench-mail-")
    mail_dir = os.path.join(tmp, "mail")
    sink = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/smtp_sink.py"), "--dir", mail_dir],
                            stdout=subprocess.PIPE, text=True)
    procs.append(sink)
    smtp_port = int(sink.stdout.readline().strip().split("=")[1])
    port = free_port()
    env = dict(os.environ,
               DATABASE_URL=f"{PG}/{db}", JWT_SECRET=secrets.token_hex(32), BIND_ADDR=f"127.0.0.1:{port}",
               DATA_DIR=tmp, REDIS_URL="redis://127.0.0.1:6379", REDIS_STREAM=f"bench:{db}",
               SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", AUTH_RATE_LIMIT="0", RUST_LOG="warn",
               BOOTSTRAP_ORGANISER_EMAIL="bench@zhuhai.test", BOOTSTRAP_ORGANISER_PASSWORD="bench-password-1")
    api = subprocess.Popen([os.path.join(ROOT, "target/release/api"), "serve"], env=env, stdout=subprocess.DEVNULL)
    procs.append(api)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz")
    # Recipients straight into the database: 5,000 argon2 hashes would measure hashing, not mail.
    psql(db, "INSERT INTO enterprises VALUES ('bench-ent','珠海市基准电器有限公司','91440400BENCH00001','smart_appliances',"
             "'香洲区',100,5000,'none',2,2,'陈','13800138000','c@example.com',now(),now())")
    psql(db, "INSERT INTO users (id,email,password_hash,display_name,role,organisation_id,created_at) "
             f"SELECT 'bench-u-'||g, 'u'||g||'@bench.test', 'x', '成员'||g, 'enterprise', 'bench-ent', now() "
             f"FROM generate_series(1,{recipients}) g")
    token = http("POST", f"{base}/api/v1/auth/login", {"email": "bench@zhuhai.test", "password": "bench-password-1"})["access_token"]
    starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
    ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400 + 7200))
    ev = http("POST", f"{base}/api/v1/events", {"title": "基准测试对接会", "industries": ["smart_appliances"],
                                                  "starts_at": starts, "ends_at": ends, "venue": "珠海", "capacity": 100}, token)
    workers = []
    wenv = dict(env, WORKER_BIND_ADDR="127.0.0.1:0")
    for _ in range(n_workers):
        w = subprocess.Popen([os.path.join(ROOT, "target/release/worker")], env=wenv, stdout=subprocess.DEVNULL)
        procs.append(w)
        workers.append(w)
    time.sleep(2)  # workers connected and idle
    t0 = time.time()
    http("POST", f"{base}/api/v1/events/{ev['id']}/publish", {}, token)
    first = None
    count = 0
    deadline = t0 + 300
    while time.time() < deadline:
        names = [f for f in os.listdir(mail_dir) if f.endswith(".eml")]
        count = len(names)
        if count and first is None:
            first = min(os.path.getmtime(os.path.join(mail_dir, f)) for f in names)
        if count >= recipients:
            break
        time.sleep(0.05)
    last = max(os.path.getmtime(os.path.join(mail_dir, f)) for f in os.listdir(mail_dir) if f.endswith(".eml"))
    for p in workers + [api, sink]:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    psql("postgres", f'DROP DATABASE "{db}" WITH (FORCE)')
    shutil.rmtree(tmp, ignore_errors=True)
    if count < recipients:
        sys.exit(f"only {count} of {recipients} mails arrived")
    return {"workers": n_workers, "mails": count, "mails_per_s": count / (last - t0),
            "first_mail_s": first - t0, "total_s": last - t0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipients", type=int, default=5000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    for b in ("api", "worker"):
        if not os.path.exists(os.path.join(ROOT, "target/release", b)):
            sys.exit("build first: cargo build --release -p api -p worker")
    procs = []
    results = []
    try:
        for n in args.workers:
            results.append(run(n, args.recipients, procs))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    print(f"{'workers':>8} {'mails':>7} {'mails/s':>9} {'first mail (s)':>15} {'total (s)':>10}")
    for r in results:
        print(f"{r['workers']:>8} {r['mails']:>7} {r['mails_per_s']:>9.0f} {r['first_mail_s']:>15.3f} {r['total_s']:>10.2f}")


if __name__ == "__main__":
    main()
