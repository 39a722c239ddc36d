#!/usr/bin/env python3
"""Prepares an orders benchmark through the public HTTP API (/api/v1) of a running server.

  1. logs in as the organiser (--organiser-email/--organiser-password);
  2. registers a supplier, vets it, and creates, submits and approves --products listed
     products for it;
  3. registers an enterprise (its member places the orders).

Prints one JSON object on stdout: {"token", "enterprise_id", "supplier_id", "product_ids"}.
The token is the enterprise member's access token; run the server with a long enough
ACCESS_TOKEN_TTL_SECS for the whole run. Standard library only; reuses load_catalogue.py.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_catalogue import API, ApiError, Client, Session, make_credit_code, is_loopback  # noqa: E402

PASSWORD = "bench-orders-pass-2026"


def product(i: int) -> dict:
    return {
        "name": f"压测产品{i + 1:02d}·PCB批次追溯查询服务",
        "summary": "按周期码或批号快速查询PCB的生产记录。",
        "description": "客户投诉或召回时输入周期码，即可查到该批板的投料记录、工序参数与检验结果。",
        "industries": ["pcb"],
        "stages": ["manufacturing", "service"],
        "delivery": "saas",
        "price_fen": 2_000_000 + i * 10_000,
        "pilot_price_fen": 1_500_000 + i * 10_000,
        "price_unit": "per_year",
        "deploy_days": 10,
        "ip_certificates": ["软著登字第8740413号"],
        "reference_cases": 12,
        "ai_powered": False,
        "tags": ["批次追溯", "MES"],
    }


def register(client: Client, body: dict) -> dict:
    rng = random.Random()
    for attempt in range(5):
        body["organisation"]["credit_code"] = make_credit_code(rng)
        status, _, js, raw = client.request("POST", f"{API}/auth/register", body)
        if status == 422 and attempt < 4 and b"credit_code" in raw:
            continue  # an unlikely clash with an earlier run's code
        if status != 201 or not js:
            raise ApiError("POST", f"{API}/auth/register", status, raw)
        return js
    raise SystemExit("could not register (credit code clashes)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--organiser-email", required=True)
    ap.add_argument("--organiser-password", required=True)
    ap.add_argument("--products", type=int, default=5)
    args = ap.parse_args()

    client = Client(args.base_url)
    if not is_loopback(client.host):
        ap.error(f"refusing non-loopback target {client.host!r}")
    run = f"{int(time.time())}{random.randrange(1000):03d}"
    organiser = Session(client, args.organiser_email, args.organiser_password)
    organiser.login()

    sup = register(client, {
        "email": f"bench-orders-{run}-s@bench.example.com", "password": PASSWORD,
        "display_name": "压测服务商", "role": "supplier",
        "organisation": {
            "name": f"珠海压测数字科技有限公司（{run}）", "kind": "vendor",
            "industries": ["pcb"], "description": "订单压测用服务商",
            "contact_email": f"bd-{run}@bench.example.com",
        },
    })
    supplier_id = sup["organisation"]["id"]
    organiser.call("POST", f"{API}/suppliers/{supplier_id}/vetting",
                   {"decision": "approve", "reason": "压测"}, expect=(200,))
    supplier = Session(client, sup["user"]["email"], PASSWORD, sup["access_token"])

    ids = []
    for i in range(args.products):
        _, p = supplier.call("POST", f"{API}/products", product(i), expect=(201,))
        supplier.call("POST", f"{API}/products/{p['id']}/submit", expect=(200,))
        organiser.call("POST", f"{API}/products/{p['id']}/review",
                       {"decision": "approve", "comment": "压测"}, expect=(200,))
        ids.append(p["id"])

    ent = register(client, {
        "email": f"bench-orders-{run}-e@bench.example.com", "password": PASSWORD,
        "display_name": "压测企业用户", "role": "enterprise",
        "organisation": {
            "name": f"珠海市压测电路板有限公司（{run}）", "industry": "pcb", "district": "香洲区",
            "employees": 210, "annual_revenue_wan": 26000, "specialised": "none",
            "contact_name": "陈志强", "contact_phone": "13800138000",
            "contact_email": f"contact-{run}@bench.example.com",
        },
    })
    json.dump({
        "token": ent["access_token"],
        "enterprise_id": ent["organisation"]["id"],
        "supplier_id": supplier_id,
        "product_ids": ids,
    }, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ApiError, ConnectionError) as exc:
        print(f"[setup] FAILED: {exc}", file=sys.stderr)
        sys.exit(2)
