#!/usr/bin/env python3
"""Register one enterprise per industry of search/fixtures/enterprises.json and post every
need of search/fixtures/needs_dev.json as its enterprise, through the public API.

Prints one line per need: `<need id> <access token of its enterprise>`, for bench/search.sh.
Standard library only.

    python3 bench/post_needs.py --base-url http://127.0.0.1:18080 > needs.txt
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_catalogue import make_credit_code  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "search", "fixtures")


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    req = urllib.request.Request(base + "/api/v1" + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(req, data, timeout=30) as r:
        return json.loads(r.read())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--password", default="bench-enterprise-pass-2026")
    args = ap.parse_args()
    rng = random.Random(7)
    enterprises = {e["key"]: e for e in json.load(open(os.path.join(FIXTURES, "enterprises.json")))}
    needs = json.load(open(os.path.join(FIXTURES, "needs_dev.json")))
    tokens: dict[str, str] = {}
    for n in needs:
        e = enterprises[n["enterprise"]]
        if e["key"] not in tokens:
            email = f"bench-{e['key']}-{rng.randrange(10**9)}@bench.example.com"
            org = {k: e[k] for k in ("name", "industry", "district", "employees", "annual_revenue_wan",
                                     "specialised", "digital_level_baseline", "contact_name",
                                     "contact_phone", "contact_email")}
            org["credit_code"] = make_credit_code(rng)
            call(args.base_url, "POST", "/auth/register", {
                "email": email, "password": args.password, "display_name": e["contact_name"],
                "role": "enterprise", "organisation": org})
            tokens[e["key"]] = call(args.base_url, "POST", "/auth/login",
                                    {"email": email, "password": args.password})["access_token"]
        body = {"title": n["title"], "description": n["description"], "stages": n["stages"],
                "budget_fen": n["budget_fen"]}
        if n.get("max_deploy_days"):
            body["max_deploy_days"] = n["max_deploy_days"]
        posted = call(args.base_url, "POST", "/needs", body, tokens[e["key"]])
        print(posted["id"], tokens[e["key"]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
