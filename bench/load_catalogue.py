#!/usr/bin/env python3
"""Load N synthetic *listed* products into a running marketplace server.

What it does (all through the public HTTP API, /api/v1):
  1. logs in as an organiser (credentials from --organiser-email/--organiser-password,
     or $ORGANISER_EMAIL/$ORGANISER_PASSWORD, or $BOOTSTRAP_ORGANISER_EMAIL/_PASSWORD);
  2. registers --suppliers supplier accounts (default 30) modelled on the suppliers of
     catalogue.json, each with a freshly generated valid unified social credit code,
     and vets (approves) each of them as the organiser;
  3. for each of --count products (default 10,000): creates it as a supplier (shapes
     copied round-robin from catalogue.json products, name suffixed with a number,
     prices and deploy_days varied a little), submits it, and approves it as the
     organiser -- 3 requests per product, so ~30,000 requests for the default.

Work is spread over a thread pool (--threads, default 16); each thread keeps its own
keep-alive http.client connection. Tokens are re-obtained on 401 (they last 15 minutes).
The server should run with AUTH_RATE_LIMIT=0 (429s are retried after Retry-After anyway).
Only loopback servers are accepted unless --allow-non-loopback is given.

Run (server already up, e.g. with BOOTSTRAP_ORGANISER_EMAIL/PASSWORD set):
    python3 bench/load_catalogue.py --base-url http://127.0.0.1:18080 \
        --organiser-email org@example.com --organiser-password 'organiser-pass-123' \
        --count 10000
Standard library only (Python >= 3.8).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import http.client
import ipaddress
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.parse

API = "/api/v1"
DEFAULT_CATALOGUE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api", "demo", "catalogue.json")

# GB 32100-2015 unified social credit code
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_credit_code(rng: random.Random) -> str:
    body = "914404" + "".join(rng.choice(USCC_CHARSET) for _ in range(11))
    return body + uscc_check_char(body)


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: bytes):
        self.status = status
        text = body.decode("utf-8", "replace")
        if len(text) > 800:
            text = text[:800] + "..."
        super().__init__(f"{method} {path} -> HTTP {status}: {text}")


class _NoDelayHTTPConnection(http.client.HTTPConnection):
    """Disables Nagle so small request writes never wait for a delayed ACK."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _NoDelayHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """Thread-safe facade: one keep-alive HTTPConnection per thread."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme not in ("http", "https"):
            raise SystemExit(f"unsupported base URL scheme: {base_url}")
        self.scheme = u.scheme
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()
        self.requests = 0
        self._count_lock = threading.Lock()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = _NoDelayHTTPSConnection if self.scheme == "https" else _NoDelayHTTPConnection
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _drop_conn(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass
        self._local.conn = None

    def request(self, method: str, path: str, body=None, token: str | None = None):
        """Returns (status, headers, parsed JSON or None). Retries connection
        failures and 429/503 a few times; never raises on HTTP status."""
        payload = None
        headers = {"Accept": "application/json"}
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = self.prefix + path
        last_exc = None
        for attempt in range(6):
            try:
                conn = self._conn()
                conn.request(method, url, body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self._drop_conn()
            except (http.client.HTTPException, ConnectionError, socket.timeout, OSError) as exc:
                # stale keep-alive connection or server hiccup: reconnect and retry
                self._drop_conn()
                last_exc = exc
                time.sleep(min(0.1 * 2 ** attempt, 2.0))
                continue
            with self._count_lock:
                self.requests += 1
            if resp.status in (429, 503) and attempt < 5:
                try:
                    wait = float(resp.getheader("Retry-After") or 1)
                except ValueError:
                    wait = 1.0
                time.sleep(min(max(wait, 0.05), 10.0))
                continue
            parsed = None
            if data:
                try:
                    parsed = json.loads(data)
                except ValueError:
                    parsed = None
            return resp.status, resp, parsed, data
        raise ConnectionError(f"{method} {url}: giving up after retries: {last_exc!r}")


class Session:
    """Credentials + current access token; re-login on 401 (tokens last 15 min)."""

    def __init__(self, client: Client, email: str, password: str, token: str | None = None):
        self.client = client
        self.email = email
        self.password = password
        self.token = token
        self._lock = threading.Lock()

    def login(self, stale: str | None = None) -> str:
        with self._lock:
            if self.token is not None and self.token != stale:
                return self.token  # someone else already refreshed it
            status, _, js, raw = self.client.request(
                "POST", f"{API}/auth/login", {"email": self.email, "password": self.password})
            if status != 200 or not js or "access_token" not in js:
                raise ApiError("POST", f"{API}/auth/login ({self.email})", status, raw)
            self.token = js["access_token"]
            return self.token

    def call(self, method: str, path: str, body=None, expect=(200, 201), ok_extra=()):
        token = self.token or self.login()
        status, _, js, raw = self.client.request(method, path, body, token)
        if status == 401:
            token = self.login(stale=token)
            status, _, js, raw = self.client.request(method, path, body, token)
        if status in expect or status in ok_extra:
            return status, js
        raise ApiError(method, path, status, raw)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def supplier_payload(i: int, tpl: dict, run_id: str, rng: random.Random, password: str) -> dict:
    return {
        "email": f"bench-{run_id}-s{i:03d}@bench.example.com",
        "password": password,
        "display_name": f"压测供应商{i:03d}",
        "role": "supplier",
        "organisation": {
            "name": f"{tpl['name']}（压测{run_id}-{i:03d}）",
            "credit_code": make_credit_code(rng),
            "kind": tpl.get("kind", "vendor"),
            "industries": list(tpl.get("industries") or ["general"]),
            "description": tpl.get("description") or "压测用供应商",
            "contact_email": f"bd-{run_id}-{i:03d}@bench.example.com",
        },
    }


def product_payload(i: int, tpl: dict, seed: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    factor = rng.uniform(0.8, 1.25)
    price = max(100, int(round(tpl["price_fen"] * factor / 100.0)) * 100)
    pilot = int(round(tpl["pilot_price_fen"] * factor * rng.uniform(0.9, 1.0) / 100.0)) * 100
    pilot = max(0, min(pilot, price))
    dd = int(tpl["deploy_days"])
    spread = max(1, dd // 5)
    deploy_days = max(1, dd + rng.randint(-spread, spread))
    return {
        "name": f"{tpl['name']} {i + 1:05d}",
        "summary": tpl["summary"],
        "description": tpl["description"],
        "industries": list(tpl.get("industries") or ["general"]),
        "stages": list(tpl.get("stages") or []),
        "delivery": tpl["delivery"],
        "price_fen": price,
        "pilot_price_fen": pilot,
        "price_unit": tpl["price_unit"],
        "deploy_days": deploy_days,
        "ip_certificates": list(tpl.get("ip_certificates") or []),
        "reference_cases": max(0, int(tpl.get("reference_cases", 0)) + rng.randint(-2, 2)),
        "ai_powered": bool(tpl.get("ai_powered", False)),
        "tags": list(tpl.get("tags") or []),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default=os.environ.get("BASE_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--organiser-email",
                    default=os.environ.get("ORGANISER_EMAIL") or os.environ.get("BOOTSTRAP_ORGANISER_EMAIL"))
    ap.add_argument("--organiser-password",
                    default=os.environ.get("ORGANISER_PASSWORD") or os.environ.get("BOOTSTRAP_ORGANISER_PASSWORD"))
    ap.add_argument("-n", "--count", type=int, default=int(os.environ.get("PRODUCTS", 10000)),
                    help="number of listed products to create (default 10000)")
    ap.add_argument("--suppliers", type=int, default=30, help="number of vetted suppliers (default 30)")
    ap.add_argument("--threads", type=int, default=16, help="worker threads (default 16)")
    ap.add_argument("--catalogue", default=os.environ.get("CATALOGUE", DEFAULT_CATALOGUE))
    ap.add_argument("--seed", type=int, default=42, help="seed for price/deploy_days variation")
    ap.add_argument("--max-errors", type=int, default=20, help="abort after this many failed products")
    ap.add_argument("--allow-non-loopback", action="store_true",
                    help="allow a base URL that is not a loopback address")
    args = ap.parse_args()

    if not args.organiser_email or not args.organiser_password:
        ap.error("organiser credentials required (--organiser-email/--organiser-password "
                 "or ORGANISER_EMAIL/ORGANISER_PASSWORD)")
    client = Client(args.base_url)
    if not args.allow_non_loopback and not is_loopback(client.host):
        ap.error(f"refusing non-loopback target {client.host!r} (use --allow-non-loopback)")

    with open(args.catalogue, encoding="utf-8") as f:
        cat = json.load(f)
    sup_tpls, prod_tpls = cat["suppliers"], cat["products"]
    if not sup_tpls or not prod_tpls:
        raise SystemExit("catalogue has no suppliers/products")

    t0 = time.monotonic()
    run_id = f"{int(time.time()) % 100000000:08d}{random.randrange(1000):03d}"
    rng = random.Random()  # credit codes must not collide with earlier runs
    organiser = Session(client, args.organiser_email, args.organiser_password)
    organiser.login()
    print(f"[load] target {args.base_url}, run id {run_id}, {args.count} products, "
          f"{args.suppliers} suppliers, {args.threads} threads", flush=True)

    # ---- suppliers: register + vet -------------------------------------------------
    sup_password = f"Bench-{run_id}-pw!"

    def make_supplier(i: int) -> Session:
        body = supplier_payload(i, sup_tpls[i % len(sup_tpls)], run_id, rng, sup_password)
        for attempt in range(5):
            status, _, js, raw = client.request("POST", f"{API}/auth/register", body)
            if status == 422 and attempt < 4 and "credit_code" in raw.decode("utf-8", "replace"):
                body["organisation"]["credit_code"] = make_credit_code(rng)  # unlikely clash
                continue
            break
        if status != 201 or not js:
            raise ApiError("POST", f"{API}/auth/register", status, raw)
        org_id = js["organisation"]["id"]
        organiser.call("POST", f"{API}/suppliers/{org_id}/vetting",
                       {"decision": "approve", "reason": "benchmark supplier"}, expect=(200,))
        return Session(client, body["email"], sup_password, js.get("access_token"))

    with cf.ThreadPoolExecutor(max_workers=args.threads) as pool:
        suppliers = list(pool.map(make_supplier, range(args.suppliers)))
    t_sup = time.monotonic()
    print(f"[load] {len(suppliers)} suppliers registered and vetted in {t_sup - t0:.1f}s", flush=True)

    # ---- products: create + submit + approve ----------------------------------------
    lock = threading.Lock()
    done = 0
    errors: list[str] = []
    stop = threading.Event()
    last_print = [time.monotonic()]

    def make_product(i: int) -> None:
        nonlocal done
        if stop.is_set():
            return
        try:
            sup = suppliers[i % len(suppliers)]
            body = product_payload(i, prod_tpls[i % len(prod_tpls)], args.seed)
            _, js = sup.call("POST", f"{API}/products", body, expect=(201,))
            pid = js["id"]
            # 409 tolerated: a retried request may already have gone through
            sup.call("POST", f"{API}/products/{pid}/submit", expect=(200,), ok_extra=(409,))
            organiser.call("POST", f"{API}/products/{pid}/review",
                           {"decision": "approve", "comment": "ok"}, expect=(200,), ok_extra=(409,))
        except Exception as exc:  # noqa: BLE001 - report and keep going up to --max-errors
            with lock:
                errors.append(f"product {i}: {exc}")
                if len(errors) <= 3:
                    print(f"[load] ERROR {errors[-1]}", file=sys.stderr, flush=True)
                if len(errors) >= args.max_errors:
                    stop.set()
            return
        with lock:
            done += 1
            now = time.monotonic()
            if now - last_print[0] >= 2.0 or done == args.count:
                last_print[0] = now
                el = now - t_sup
                print(f"[load] {done}/{args.count} products listed "
                      f"({done / el:.0f}/s, {client.requests / (now - t0):.0f} req/s)", flush=True)

    with cf.ThreadPoolExecutor(max_workers=args.threads) as pool:
        for f in [pool.submit(make_product, i) for i in range(args.count)]:
            f.result()
    t_end = time.monotonic()

    # ---- summary ------------------------------------------------------------------
    try:
        status, _, js, _ = client.request("GET", f"{API}/products?per_page=1")
        total = js.get("total") if status == 200 and isinstance(js, dict) else f"HTTP {status}"
    except ConnectionError as exc:
        total = f"unavailable ({exc})"
    print(f"[load] done: {done} products listed, {len(errors)} failed, {client.requests} requests "
          f"in {t_end - t0:.1f}s ({client.requests / (t_end - t0):.0f} req/s); "
          f"GET /products total = {total}", flush=True)
    if errors:
        print(f"[load] {len(errors)} errors; first: {errors[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ApiError, ConnectionError) as exc:
        print(f"[load] FAILED: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
