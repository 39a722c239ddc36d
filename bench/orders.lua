-- wrk script for bench/orders.sh: POST /api/v1/orders as one enterprise member, each request
-- with a fresh Idempotency-Key, so every request places a new order.
--
-- Environment: TOKEN (the member's access token), PRODUCT_IDS (comma-separated listed products
-- of one supplier), RUN_ID (makes keys unique across runs), OUT (file for the tallies).
-- Each thread counts the requests it built, the answers by status, and writes
--   sent <n> / ok <n> (201) / bad <n> (anything else) / status <code> <n> ...
-- to OUT when the run ends, so the caller can compare with the orders in the database.

local token = os.getenv("TOKEN") or error("TOKEN is not set")
local run_id = os.getenv("RUN_ID") or tostring(os.time())
local out = os.getenv("OUT") or "/dev/stderr"
local products = {}
for id in string.gmatch(os.getenv("PRODUCT_IDS") or "", "[^,]+") do
  products[#products + 1] = id
end
if #products == 0 then error("PRODUCT_IDS is not set") end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- Per-thread state (each thread has its own Lua interpreter). Globals, not locals, so that
-- done() can read them with thread:get().
seq, sent, ok, bad, codes = 0, 0, 0, 0, {}

function init(args)
  sent, ok, bad, codes = 0, 0, 0, {}
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  seq = seq + 1
  sent = sent + 1
  local p = products[(seq % #products) + 1]
  local body = string.format(
    '{"items":[{"product_id":"%s","quantity":%d}],"note":"压测订单 %d"}', p, (seq % 3) + 1, seq)
  wrk.headers["Idempotency-Key"] = string.format("bench-%s-t%d-%d", run_id, tid, seq)
  return wrk.format("POST", "/api/v1/orders", nil, body)
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  else
    bad = bad + 1
    codes[status] = (codes[status] or 0) + 1
    if bad <= 3 then io.stderr:write("non-201 ", status, ": ", string.sub(body or "", 1, 300), "\n") end
  end
end

function done(summary, latency, requests)
  local s, o, b, all = 0, 0, 0, {}
  for _, t in ipairs(threads) do
    s = s + (t:get("sent") or 0)
    o = o + (t:get("ok") or 0)
    b = b + (t:get("bad") or 0)
    local c = t:get("codes") or {}
    for code, n in pairs(c) do all[code] = (all[code] or 0) + n end
  end
  local f = assert(io.open(out, "w"))
  f:write(string.format("sent %d\nok %d\nbad %d\n", s, o, b))
  for code, n in pairs(all) do f:write(string.format("status %s %d\n", code, n)) end
  f:close()
end
