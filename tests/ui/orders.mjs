// Browser smoke test of the web UI (run it with tests/ui/run.sh): in headless Chromium, an
// enterprise member of the demo data orders a product (a bad quantity and an over-long note are
// shown next to their fields; a lost answer is retried with the same Idempotency-Key and makes one
// order), cancels one, the supplier rejects one with a reason, accepts another, records its
// contract (a server-side error lands next to the price line it names) and completes it; the
// organiser lists all orders. An enterprise posts a need, sees its matches and orders from
// them; the supplier reads its leads; a keyword search shows facet counts. Against a server
// without the needs API (or with MOCK_NEEDS=1) those pages get mocked answers that follow the
// contract in shared/API.md. Screenshots go to $SHOTS (default ./ui-shots).
import { chromium } from 'playwright-core';
import fs from 'node:fs';

const BASE = process.env.BASE || 'http://127.0.0.1:8080';
const UI = process.env.UI_DIR; // serve app.js/app.css from here instead of the binary (UI work without a rebuild)
const SHOTS = process.env.SHOTS || 'ui-shots';
const PASS = 'demo-pass-2026';
fs.mkdirSync(SHOTS, { recursive: true });

const log = (...a) => console.log('[ui]', ...a);
function check(cond, msg) { if (!cond) throw new Error('check failed: ' + msg); log('ok:', msg); }

async function apiLogin(email) {
  const r = await fetch(BASE + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASS }) });
  return (await r.json()).access_token;
}
async function apiGet(token, path) {
  const r = await fetch(BASE + '/api/v1' + path, { headers: { authorization: 'Bearer ' + token } });
  return r.json();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function newPage(name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  if (UI) {
    await page.route('**/ui/app.js', (r) => r.fulfill({ contentType: 'text/javascript; charset=utf-8', body: fs.readFileSync(`${UI}/app.js`, 'utf8') }));
    await page.route('**/ui/app.css', (r) => r.fulfill({ contentType: 'text/css; charset=utf-8', body: fs.readFileSync(`${UI}/app.css`, 'utf8') }));
  }
  page.on('pageerror', (e) => { console.error(`[${name}] pageerror`, e); process.exitCode = 1; });
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[${name}] console`, m.text()); });
  return page;
}

async function login(page, email) {
  await page.goto(BASE + '/#/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASS);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#user-box .user-name');
}
const shot = async (page, name, full = true) => { await page.waitForTimeout(250); await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: full }); log('shot', name); };
const h1 = (page) => page.textContent('#app h1');

const ENT = 'contact01@dingtai-elec.com';
const SUP = 'bd@gerui-digital.com';
const supToken = await apiLogin(SUP);
const supMe = await apiGet(supToken, '/me');
const prods = await apiGet(supToken, `/suppliers/${supMe.organisation.id}/products?per_page=5`);
const product = prods.items.find((p) => p.status === 'listed');
log('product', product.name, product.id, 'pilot', product.pilot_price_fen);

// ---- enterprise places an order --------------------------------------------------------
const ent = await newPage('enterprise');
await login(ent, ENT);
await ent.goto(`${BASE}/#/products/${product.id}`);
await ent.waitForSelector('text=立即下单');
await shot(ent, '01-product-detail', false);
await ent.click('text=立即下单');
await ent.waitForSelector('form input[name=quantity]');
check((await h1(ent)).includes('提交订单'), 'order form opens from the product page');

// local validation
await ent.fill('input[name=quantity]', '0');
await ent.click('button:has-text("提交订单")');
check(await ent.isVisible('[data-field="items[0].quantity"] .field-error'), 'quantity 0 is refused next to the field');

// server validation (problem+json 422 naming `note`): bypass maxlength from script
await ent.fill('input[name=quantity]', '2');
await ent.$eval('textarea[name=note]', (el) => { el.value = '很长'.repeat(600); });
await ent.click('button:has-text("提交订单")');
await ent.waitForSelector('[data-field="note"] .field-error');
log('note error:', await ent.textContent('[data-field="note"] .field-error'));
await shot(ent, '02-order-form-server-error', false);

// a lost answer, then a retry with the same key: one order
const keys = [];
let dropped = false;
await ent.route('**/api/v1/orders', async (route) => {
  const req = route.request();
  if (req.method() !== 'POST') return route.continue();
  keys.push(req.headers()['idempotency-key']);
  if (!dropped) {
    dropped = true;
    await route.fetch(); // the server places the order...
    return route.abort('connectionreset'); // ...but the browser never hears of it
  }
  return route.continue();
});
const NOTE = `希望 12 月上旬上门调研；联系人：生产部王工（${Date.now()}）`;
await ent.fill('textarea[name=note]', NOTE);
await ent.click('button:has-text("提交订单")');
await ent.waitForSelector('.form-alert .alert:has-text("订单可能尚未提交成功")');
log('after lost answer:', (await ent.textContent('.form-alert .alert')).slice(0, 120));
await shot(ent, '03-order-lost-answer', false);
await ent.click('button:has-text("提交订单")');
await ent.waitForURL(/#\/orders\/[^/]+$/);
await ent.waitForSelector('.steps');
await ent.unroute('**/api/v1/orders');
check(keys.length === 2 && keys[0] === keys[1] && keys[0].length >= 32, `retry reused the Idempotency-Key (${keys[0]})`);
const orderId = decodeURIComponent(ent.url().split('/orders/')[1]);
await shot(ent, '04-order-placed');
const entToken = await apiLogin(ENT);
const mine = await apiGet(entToken, '/orders?per_page=100');
check(mine.items.filter((o) => o.note === NOTE).length === 1, 'exactly one order was placed for the two attempts');
check((await ent.textContent('tfoot')).includes(`${(product.pilot_price_fen * 2 / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`), 'total in 元 is twice the pilot price');

// a second order, cancelled by the enterprise
await ent.goto(`${BASE}/#/orders/new?product_id=${product.id}`);
await ent.waitForSelector('form input[name=quantity]');
await ent.click('button:has-text("提交订单")');
await ent.waitForURL(/#\/orders\/[^/n][^/]+$/);
await ent.waitForSelector('button:has-text("取消订单")');
await ent.click('button:has-text("取消订单")');
await ent.click('dialog button:has-text("取消订单")');
await ent.waitForSelector('.alert:has-text("企业已取消该订单")');
await shot(ent, '05-order-cancelled', false);

// a third, to be rejected
await ent.goto(`${BASE}/#/orders/new?product_id=${product.id}`);
await ent.waitForSelector('form input[name=quantity]');
await ent.fill('input[name=quantity]', '1');
await ent.click('button:has-text("提交订单")');
await ent.waitForURL(/#\/orders\/[^/n][^/]+$/);
const rejectId = decodeURIComponent(ent.url().split('/orders/')[1]);

await ent.goto(`${BASE}/#/orders`);
await ent.waitForSelector('table tbody tr');
await shot(ent, '06-enterprise-orders');
await ent.goto(`${BASE}/#/orders?status=cancelled`);
await ent.waitForSelector('table tbody tr');
check((await ent.$$('table tbody tr')).length >= 1, 'status filter shows the cancelled order');

// ---- the supplier works the order -------------------------------------------------------
const sup = await newPage('supplier');
await login(sup, SUP);
await sup.goto(`${BASE}/#/orders`);
await sup.waitForSelector('table tbody tr');
await shot(sup, '07-supplier-orders');
await sup.goto(`${BASE}/#/orders/${rejectId}`);
await sup.click('button:has-text("拒绝")');
await sup.click('dialog button:has-text("拒绝订单")');
check(await sup.isVisible('dialog .field-error'), 'reject needs a reason');
await sup.fill('dialog textarea', '本月实施排期已满，建议下月再下单。');
await sup.click('dialog button:has-text("拒绝订单")');
await sup.waitForSelector('.alert:has-text("服务商已拒绝该订单")');

await sup.goto(`${BASE}/#/orders/${orderId}`);
await sup.waitForSelector('button:has-text("接单")');
await shot(sup, '08-supplier-placed', false);
await sup.click('button:has-text("接单")');
await sup.click('dialog button:has-text("接单")');
await sup.waitForSelector('#contract-form');
await sup.fill('textarea[name=responsibilities]', '服务商负责系统部署、数据迁移与培训；企业提供场地、数据与对接人员。');
await sup.fill('textarea[name=measures]', '上线批次追溯SaaS，打通MES与仓储数据，建立质量追溯看板。');
await sup.fill('textarea[name=targets]', '批次追溯时间由2小时缩短到5分钟；数字化水平由二级提升到三级。');
await sup.fill('input[name=start_date]', '2026-12-01');
await sup.fill('input[name=end_date]', '2026-11-01');
await sup.click('button:has-text("保存合同")');
check(await sup.isVisible('[data-field="end_date"] .field-error'), 'end before start is refused next to end_date');
await sup.fill('input[name=end_date]', '2027-05-31');
await sup.click('button:has-text("＋ 添加费用项")');
await sup.fill('.price-line:nth-child(2) input[name=item]', '实施与培训');
await sup.fill('.price-line:nth-child(2) input[name=amount]', '5000');
// server-side check: bypass the local check of the item of the new line with an over-long text
await sup.$eval('.price-line:nth-child(2) input[name=item]', (el) => { el.value = '实'.repeat(101); });
await sup.click('button:has-text("保存合同")');
await sup.waitForSelector('[data-field="price_details[1].item"] .field-error');
await shot(sup, '09-contract-server-error', false);
await sup.fill('.price-line:nth-child(2) input[name=item]', '实施与培训');
await sup.click('button:has-text("保存合同")');
await sup.waitForSelector('text=转型合同');
await sup.waitForSelector('button:has-text("标记完成")');
await shot(sup, '10-contracted');
await sup.click('button:has-text("标记完成")');
await sup.click('dialog button:has-text("标记完成")');
await sup.waitForSelector('.step.current:has-text("服务完成")');
await shot(sup, '11-completed');

// enterprise sees it completed, with the contract
await ent.goto(`${BASE}/#/orders/${orderId}`);
await ent.waitForSelector('text=合同金额合计');
check(!(await ent.isVisible('button:has-text("取消订单")')), 'no cancel on a completed order');
await shot(ent, '12-enterprise-completed');

// ---- organiser sees all -------------------------------------------------------------------
const org = await newPage('organiser');
await login(org, 'organiser@demo.local');
await org.goto(`${BASE}/#/orders`);
await org.waitForSelector('table tbody tr');
await shot(org, '13-organiser-orders');

// ---- needs, matches and leads (the real API when the server has it) -------------------------
const realNeeds = process.env.MOCK_NEEDS !== '1'
  && (await fetch(BASE + '/api/v1/needs', { headers: { authorization: 'Bearer ' + entToken } })).status === 200;
log(realNeeds ? 'needs: real API' : 'needs: mocked answers');
const need = {
  id: 'need-1', enterprise_id: (await apiGet(entToken, '/me')).organisation.id, title: '注塑车间设备联网与能耗监测',
  description: '32 台注塑机，希望实时采集开机率和电耗，按班组出日报。', stages: ['manufacturing', 'management'],
  budget_fen: 8000000, max_deploy_days: 30, status: 'open', created_at: new Date().toISOString(),
};
const needs = [need];
async function mockNeeds(page) {
  await page.route(/\/api\/v1\/needs(\/|\?|$)/, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const json = (status, body) => route.fulfill({ status, contentType: status >= 400 ? 'application/problem+json' : 'application/json', body: JSON.stringify(body) });
    if (req.method() === 'POST' && url.pathname === '/api/v1/needs') {
      const b = JSON.parse(req.postData());
      if (b.title.length < 2) return json(422, { type: '/problems/validation_failed', title: '填写内容有误', status: 422, detail: '请检查标出的字段', errors: { title: '至少 2 个字符' } });
      const n = { ...b, id: 'need-' + (needs.length + 1), enterprise_id: need.enterprise_id, status: 'open', created_at: new Date().toISOString(), max_deploy_days: b.max_deploy_days ?? null };
      needs.unshift(n);
      return json(201, n);
    }
    if (url.pathname === '/api/v1/needs') return json(200, { items: needs, total: needs.length, page: 1, per_page: 20 });
    const m = url.pathname.match(/^\/api\/v1\/needs\/([^/]+)(\/matches|\/close)?$/);
    const n = m && needs.find((x) => x.id === decodeURIComponent(m[1]));
    if (!n) return json(404, { title: '未找到', status: 404, detail: '需求不存在' });
    if (m[2] === '/close') { n.status = 'closed'; return json(200, n); }
    if (m[2] === '/matches') {
      return json(200, { items: [
        { kind: 'product', product, score: 0.91, reasons: ['覆盖“生产管控”环节', '试点价在预算内', '30 天内可部署', '同行业 12 个案例'] },
        { kind: 'bundle', bundle: { id: 'b-1', supplier_id: product.supplier_id, supplier_name: product.supplier_name, name: '注塑车间数字化组合方案', industry: 'smart_appliances', description: '设备联网 + 能耗看板 + 排产', product_ids: [product.id], price_fen: 6800000, status: 'listed' }, score: 0.78, reasons: ['组合覆盖全部所选环节', '预算内'] },
      ] });
    }
    return json(200, n);
  });
}
if (!realNeeds) await mockNeeds(ent);
await ent.goto(`${BASE}/#/needs/new`);
await ent.waitForSelector('input[name=title]');
await ent.fill('input[name=title]', '设');
await ent.fill('textarea[name=description]', need.description);
await ent.check('input[name=stages][value=manufacturing]');
await ent.fill('input[name=budget_wan]', '八万');
await ent.click('button:has-text("发布需求")');
check(await ent.isVisible('[data-field="budget_fen"] .field-error'), 'budget in 万元 must be a number');
await ent.fill('input[name=budget_wan]', '8.5');
await ent.click('button:has-text("发布需求")');
await ent.waitForSelector('[data-field="title"] .field-error');
await shot(ent, '14-need-form-error', false);
await ent.fill('input[name=title]', need.title);
let posted = null;
ent.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/needs')) posted = JSON.parse(r.postData()); });
await ent.click('button:has-text("发布需求")');
await ent.waitForURL(/#\/needs\/[^/n][^/]*$/);
await ent.waitForSelector('.match-list .chip-reason');
check(posted && posted.budget_fen === 8500000 && posted.stages[0] === 'manufacturing', `need body converts 8.5 万元 to ${posted?.budget_fen} fen`);
const needId = decodeURIComponent(ent.url().split('/needs/')[1]);
log('matches:', (await ent.$$eval('.match-list h3', (hs) => hs.map((x) => x.textContent))).slice(0, 5).join(' | '));
await shot(ent, '15-need-matches');
await ent.goto(`${BASE}/#/needs`);
await ent.waitForSelector('table tbody tr');
await shot(ent, '16-needs-list', false);
// order a matched product from the need: the need is preselected and sent
await ent.goto(`${BASE}/#/needs/${encodeURIComponent(needId)}`);
await ent.click('.match-list li a:has-text("立即下单")');
await ent.waitForSelector('select[name=need_id]');
check(await ent.$eval('select[name=need_id]', (s) => s.value) === needId, 'the need is preselected on the order form');
let orderBody = null;
ent.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/orders')) orderBody = JSON.parse(r.postData()); });
await ent.click('button:has-text("提交订单")');
await ent.waitForURL(/#\/orders\/[^/n][^/]+$/);
await ent.waitForSelector('text=关联需求');
check(orderBody?.need_id === needId, 'the order links the need');
await shot(ent, '17-order-from-need', false);

// supplier leads
if (!realNeeds) await sup.route(/\/api\/v1\/suppliers\/[^/]+\/leads/, (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ items: [
  { need: { ...need }, enterprise: { industry: 'smart_appliances', district: '斗门区', size: 'small' }, products: [{ id: product.id, name: product.name, score: 0.91, reasons: ['覆盖“生产管控”环节', '试点价在预算内'] }], score: 0.91 },
  { need: { id: 'n2', title: 'PCB 来料检验数字化', description: 'IQC 检验记录电子化', stages: ['supply'], budget_fen: 3000000, max_deploy_days: null, created_at: new Date().toISOString() }, enterprise: { industry: 'pcb', district: '金湾区', size: 'medium' }, products: [], score: 0.55 },
] }) }));
await sup.goto(`${BASE}/#/supplier/leads`);
await sup.waitForSelector('.lead-card, .empty');
log('leads:', (await sup.$$('.lead-card')).length);
await shot(sup, '18-supplier-leads');

// facets on a keyword search
await ent.route(/\/api\/v1\/products\?.*q=/, async (route) => {
  const res = await route.fetch();
  const body = await res.json();
  if (!realNeeds) body.facets = body.facets || { industry: { smart_appliances: 7, pcb: 3, general: 2 }, stage: { manufacturing: 9, management: 4 }, delivery: { saas: 10, on_premise: 2 } };
  return route.fulfill({ response: res, json: body });
});
await ent.goto(`${BASE}/#/products?q=${encodeURIComponent('能耗')}`);
await ent.waitForSelector('.facet-bar');
check((await ent.textContent('select[name=industry]')).includes('（'), 'facet counts shown in the filter options');
await shot(ent, '19-facets', false);

await browser.close();
log('done');
