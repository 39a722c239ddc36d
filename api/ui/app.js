// Web UI of the SME digital-transformation marketplace.
// Plain ES2020, no dependencies: a hash router, a small DOM builder and a fetch wrapper
// that refreshes the access token once on 401. All user-facing text is Simplified Chinese.
'use strict';

(() => {
  const API = '/api/v1';
  const SITE = '中小企业数字化转型服务平台';
  const LS_ACCESS = 'smedt.access_token';
  const LS_REFRESH = 'smedt.refresh_token';

  // ---------------------------------------------------------------------------
  // Labels (glossary in shared/DESIGN.md)
  // ---------------------------------------------------------------------------

  const L = {
    industry: {
      smart_appliances: '智能家电', pcb: '印刷电路板', printing: '打印设备及耗材',
      biomedicine: '生物医药与健康', smart_grid: '智能电网', general: '通用', other: '其他',
    },
    stage: {
      design: '研发设计', manufacturing: '生产管控', supply: '采购供应', sales: '营销管理',
      service: '产品服务', management: '经营管理', security: '网络与数据安全',
    },
    delivery: { saas: '云服务(SaaS)', on_premise: '本地部署', hardware: '软硬件一体', service: '服务' },
    priceUnit: { one_time: '一次性', per_year: '每年', per_month: '每月', per_user_year: '每用户每年' },
    productStatus: { draft: '草稿', submitted: '待审核', listed: '已上架', rejected: '已驳回', delisted: '已下架' },
    supplierStatus: { pending: '待审核', vetted: '已认证', suspended: '已暂停', removed: '已移除' },
    supplierKind: { lead: '数字化牵引单位', integrator: '集成服务商', vendor: '软硬件企业' },
    role: { enterprise: '企业用户', supplier: '服务商', organiser: '主管部门', reviewer: '评审专家' },
    specialised: {
      none: '未认定', innovative: '创新型中小企业', specialised: '专精特新中小企业',
      little_giant: '专精特新“小巨人”企业',
    },
    digitalLevel: { 1: '一级', 2: '二级', 3: '三级', 4: '四级' },
    orderStatus: {
      placed: '已下单', accepted: '已接单', rejected: '已拒绝', contracted: '已签约',
      completed: '已完成', cancelled: '已取消',
    },
    needStatus: { open: '征集中', closed: '已关闭' },
    enterpriseSize: { micro: '微型企业', small: '小型企业', medium: '中型企业', large: '大型企业' },
    eventStatus: { draft: '草稿', published: '已发布', cancelled: '已取消', completed: '已结束' },
    registrationStatus: { registered: '已报名', waitlisted: '候补', cancelled: '已取消' },
    jobStatus: { dead: '已失败', pending: '待执行', running: '执行中', done: '已完成' },
    jobKind: { announce_event: '活动发布通知（群发）', remind_event: '活动提醒（群发）', send_mail: '发送邮件' },
    notificationKind: {
      event_announcement: '活动发布', registration_confirmed: '报名确认', waitlisted: '候补通知',
      promoted: '候补递补', event_changed: '活动变更', event_cancelled: '活动取消', event_reminder: '活动提醒',
      order_placed: '新订单', order_cancelled: '订单取消', order_accepted: '订单已接单', order_rejected: '订单被拒绝',
      order_contracted: '合同已录入', order_completed: '订单已完成',
    },
    vetting: { approve: '认证通过', suspend: '暂停', reinstate: '恢复', remove: '移除' },
  };

  const SEGMENTS = ['smart_appliances', 'pcb', 'printing', 'biomedicine', 'smart_grid'];
  const PRODUCT_INDUSTRIES = [...SEGMENTS, 'general'];
  const ENTERPRISE_INDUSTRIES = [...SEGMENTS, 'other'];
  const EVENT_INDUSTRIES = [...SEGMENTS, 'general'];
  const STAGES = Object.keys(L.stage);
  const DISTRICTS = [
    '香洲区', '斗门区', '金湾区', '横琴粤澳深度合作区', '高新区', '高栏港经济区', '鹤洲新区', '万山海洋开发试验区',
  ];
  const XKQZ = [
    ['small', '小', '投入小：试点价格可负担'],
    ['fast', '快', '见效快：部署周期短'],
    ['light', '轻', '轻量化：云化或轻部署'],
    ['precise', '准', '精准：聚焦细分行业场景'],
  ];

  const STATUS_TONE = {
    draft: 'grey', submitted: 'amber', listed: 'green', rejected: 'red', delisted: 'grey',
    pending: 'amber', vetted: 'green', suspended: 'red', removed: 'grey',
  };
  const EVENT_TONE = { draft: 'grey', published: 'green', cancelled: 'red', completed: 'grey' };
  const JOB_TONE = { dead: 'red', pending: 'amber', running: 'blue', done: 'green' };
  const REG_TONE = { registered: 'green', waitlisted: 'amber', cancelled: 'grey' };

  const ALL_ROLES = Object.keys(L.role);

  const label = (map, v) => (v === null || v === undefined || v === '' ? '—' : (map[v] ?? String(v)));
  const options = (map, keys = Object.keys(map)) => keys.map((k) => [k, map[k]]);

  // ---------------------------------------------------------------------------
  // Formatting: money is integer fen; times are shown in Asia/Shanghai
  // ---------------------------------------------------------------------------

  const numFmt = new Intl.NumberFormat('zh-CN');
  const pad2 = (n) => String(n).padStart(2, '0');

  // 30000000 → "30.00 万元"; 860000 → "8,600 元"; 12345 → "123.45 元".
  function fmtMoney(fen) {
    if (fen === null || fen === undefined || fen === '') return '—';
    const n = Number(fen);
    if (!Number.isFinite(n)) return '—';
    const sign = n < 0 ? '-' : '';
    const a = Math.abs(Math.round(n));
    if (a >= 1000000) {
      const hundredths = Math.round(a / 10000); // units of 0.01 万元
      return `${sign}${numFmt.format(Math.trunc(hundredths / 100))}.${pad2(hundredths % 100)} 万元`;
    }
    const cents = a % 100;
    return `${sign}${numFmt.format(Math.trunc(a / 100))}${cents ? '.' + pad2(cents) : ''} 元`;
  }

  const fmtNum = (v) => (v === null || v === undefined || v === '' ? '—' : numFmt.format(Number(v)));

  const dtFmt = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  function fmtTime(s) {
    if (!s) return '—';
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? String(s) : dtFmt.format(d);
  }
  const isTimeString = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s);

  // Asia/Shanghai is UTC+8 all year (no daylight saving since 1991), so a fixed offset is exact
  // and does not depend on the browser's own time zone.
  const SH_OFFSET_MS = 8 * 3600 * 1000;
  // RFC 3339 → "YYYY-MM-DDTHH:MM" in Beijing time, the value of an <input type="datetime-local">.
  function toShanghaiInput(s) {
    if (!s) return '';
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() + SH_OFFSET_MS).toISOString().slice(0, 16);
  }
  // "2026-12-01T14:30" (or "2026-12-01 14:30"), read as Beijing time → "2026-12-01T14:30:00+08:00";
  // null when malformed or not a real date.
  function fromShanghaiInput(v) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(String(v ?? '').trim());
    if (!m) return null;
    const [, y, mo, d, hh, mi, ss = '00'] = m;
    const out = `${y}-${mo}-${d}T${hh}:${mi}:${ss}+08:00`;
    return toShanghaiInput(out) === `${y}-${mo}-${d}T${hh}:${mi}` ? out : null;
  }
  const weekdayFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', weekday: 'short' });
  // "2026/12/01 14:30（周二）– 17:00", or both ends in full when they fall on different days.
  function fmtRange(start, end) {
    const a = toShanghaiInput(start);
    const b = toShanghaiInput(end);
    if (!a) return '—';
    const head = `${fmtTime(start)}（${weekdayFmt.format(new Date(start))}）`;
    if (!b) return head;
    return a.slice(0, 10) === b.slice(0, 10)
      ? `${head} – ${b.slice(11)}`
      : `${head} – ${fmtTime(end)}（${weekdayFmt.format(new Date(end))}）`;
  }

  // "12.5" (元) → 1250 fen; NaN when malformed.
  function parseYuan(str) {
    const s = String(str ?? '').trim().replace(/[,，\s]/g, '');
    if (!/^\d+(\.\d{0,2})?$/.test(s)) return NaN;
    const [i, d = ''] = s.split('.');
    return Number(i) * 100 + Number((d + '00').slice(0, 2));
  }
  // "30" (万元) → 30000000 fen; NaN when malformed.
  function parseWan(str) {
    const s = String(str ?? '').trim().replace(/[,，\s]/g, '');
    if (!/^\d+(\.\d{0,6})?$/.test(s)) return NaN;
    const [i, d = ''] = s.split('.');
    return Number(i) * 1000000 + Number((d + '000000').slice(0, 6));
  }
  function fenToYuanInput(fen) {
    if (fen === null || fen === undefined || fen === '') return '';
    const n = Math.round(Number(fen));
    const c = n % 100;
    return c ? `${Math.trunc(n / 100)}.${pad2(c)}` : String(Math.trunc(n / 100));
  }
  function fenToWanInput(fen) {
    if (fen === null || fen === undefined || fen === '') return '';
    const n = Math.round(Number(fen));
    if (!Number.isFinite(n)) return '';
    const frac = String(n % 1000000).padStart(6, '0').replace(/0+$/, '');
    return frac ? `${Math.trunc(n / 1000000)}.${frac}` : String(Math.trunc(n / 1000000));
  }

  // ---------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------

  function append(el, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false || c === true) continue;
      if (Array.isArray(c)) append(el, c);
      else if (c instanceof Node) el.appendChild(c);
      else el.appendChild(document.createTextNode(String(c)));
    }
    return el;
  }

  // h('a', {href: '#/x', class: 'btn', onClick: fn}, 'text', child, [more])
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    let value;
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'value') value = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
      }
    }
    append(el, children);
    if (value !== undefined) el.value = value; // after options exist, so <select> picks it up
    return el;
  }

  const frag = (...children) => append(document.createDocumentFragment(), children);
  const linkTo = (path, text, cls) => h('a', { href: '#' + path, class: cls }, text);
  let uidSeq = 0;
  const uid = (p = 'f') => `${p}${++uidSeq}`;

  function badge(text, tone, title) {
    return h('span', { class: `badge badge-${tone || 'grey'}`, title }, text);
  }
  function statusBadge(status, map, tones = STATUS_TONE) {
    return badge(label(map, status), tones[status] || 'grey');
  }
  function chips(values, map, cls = 'chip') {
    if (!values || !values.length) return null;
    return h('div', { class: 'chips' }, values.map((v) => h('span', { class: cls }, label(map, v))));
  }
  function xkqzBadges(x) {
    x = x || {};
    const met = XKQZ.filter(([k]) => x[k]).map(([, t]) => t).join('') || '无';
    return h('span', { class: 'xkqz', role: 'img', 'aria-label': `小快轻准：满足“${met}”` },
      XKQZ.map(([k, t, tip]) => h('span', {
        class: 'xkqz-badge' + (x[k] ? ' on' : ''),
        title: `${tip}${x[k] ? '（满足）' : '（未满足）'}`,
        'aria-hidden': 'true',
      }, t)));
  }
  function priceUnitText(unit) {
    return unit ? label(L.priceUnit, unit) : '';
  }

  function toast(message, kind = 'success') {
    const box = document.getElementById('toasts');
    const el = h('div', { class: `toast toast-${kind}` }, message);
    box.appendChild(el);
    setTimeout(() => el.remove(), kind === 'error' ? 7000 : 4000);
  }

  function alertBox(kind, title, detail) {
    return h('div', { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : null },
      title ? h('strong', null, title) : null, detail ? h('p', null, detail) : null);
  }

  function pageHead(title, { lead, actions, crumbs } = {}) {
    return frag(
      crumbs ? h('nav', { class: 'crumbs', 'aria-label': '位置' },
        h('ol', null, crumbs.map(([text, path]) => h('li', null, path ? linkTo(path, text) : h('span', { 'aria-current': 'page' }, text))))) : null,
      h('div', { class: 'page-head' },
        h('div', null, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null),
        actions ? h('div', { class: 'page-actions' }, actions) : null));
  }

  function tabs(items, current) {
    return h('nav', { class: 'tabs', 'aria-label': '分类' },
      items.map(([path, text]) => h('a', { href: '#' + path, 'aria-current': path === current ? 'page' : null }, text)));
  }

  function emptyState(text, extra) {
    return h('div', { class: 'empty' }, h('p', null, text), extra || null);
  }

  function kv(pairs, cls = 'kv') {
    return h('dl', { class: cls }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));
  }

  // ---------------------------------------------------------------------------
  // Session and API client
  // ---------------------------------------------------------------------------

  const tokens = {
    get access() { return localStorage.getItem(LS_ACCESS); },
    get refresh() { return localStorage.getItem(LS_REFRESH); },
    set(pair) {
      if (pair.access_token) localStorage.setItem(LS_ACCESS, pair.access_token);
      if (pair.refresh_token) localStorage.setItem(LS_REFRESH, pair.refresh_token);
    },
    clear() { localStorage.removeItem(LS_ACCESS); localStorage.removeItem(LS_REFRESH); },
  };

  const state = { me: null, createdUsers: [] };
  const role = () => state.me?.user?.role || null;
  const orgId = () => state.me?.organisation?.id || null;

  class ApiError extends Error {
    constructor(status, problem, retryAfter) {
      const p = problem && typeof problem === 'object' ? problem : {};
      super(p.detail || p.title || defaultMessage(status, retryAfter));
      this.status = status;
      this.problem = p;
    }
  }

  function defaultMessage(status, retryAfter) {
    switch (status) {
      case 0: return '无法连接服务器，请检查网络后重试。';
      case 400: return '请求格式有误。';
      case 401: return '请先登录，或登录已过期。';
      case 403: return '您没有执行此操作的权限。';
      case 404: return '未找到相应内容，可能已被删除或您无权查看。';
      case 409: return '当前状态不允许此操作，请刷新后重试。';
      case 422: return '填写内容有误，请检查标出的字段。';
      case 429: return retryAfter ? `操作过于频繁，请 ${retryAfter} 秒后再试。` : '操作过于频繁，请稍后再试。';
      default: return status >= 500 ? '服务器暂时不可用，请稍后再试。' : `请求失败（${status}）。`;
    }
  }

  function toQuery(q) {
    if (!q) return '';
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) {
      if (v === null || v === undefined || v === '') continue;
      if (Array.isArray(v)) v.forEach((x) => sp.append(k, x));
      else sp.set(k, String(v));
    }
    return sp.toString();
  }

  // One refresh at a time (the old refresh token stops working once used). Across tabs the
  // Web Locks API serialises it; if another tab already rotated the pair we just reuse it.
  let refreshing = null;
  function refreshTokens(staleAccess) {
    if (refreshing) return refreshing;
    const run = async () => {
      if (tokens.access && tokens.access !== staleAccess) return true; // rotated elsewhere
      const rt = tokens.refresh;
      if (!rt) return false;
      try {
        const res = await fetch(API + '/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ refresh_token: rt }),
        });
        if (!res.ok) return false;
        tokens.set(await res.json());
        return true;
      } catch {
        return false;
      }
    };
    const locked = navigator.locks?.request ? navigator.locks.request('smedt-refresh', run) : run();
    refreshing = Promise.resolve(locked).finally(() => { refreshing = null; });
    return refreshing;
  }

  async function api(method, path, { query, body, auth = true, retried = false, headers: extra } = {}) {
    const qs = toQuery(query);
    const url = API + path + (qs ? '?' + qs : '');
    const headers = { Accept: 'application/json, application/problem+json', ...(extra || {}) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? tokens.access : null;
    if (token) headers.Authorization = 'Bearer ' + token;

    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, null);
    }

    if (res.status === 401 && token && !retried) {
      if (await refreshTokens(token)) return api(method, path, { query, body, auth, retried: true, headers: extra });
      sessionExpired();
      // Public endpoints still answer without a token.
      return api(method, path, { query, body, auth: false, retried: true, headers: extra });
    }

    if (res.status === 204) return null;
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = res.ok ? text : { detail: text.slice(0, 300) }; }
    }
    if (!res.ok) throw new ApiError(res.status, data, res.headers.get('Retry-After'));
    return data;
  }

  const get = (path, query) => api('GET', path, { query });
  const post = (path, body) => api('POST', path, { body: body === undefined ? {} : body });
  const patch = (path, body) => api('PATCH', path, { body });

  // Fetch every page of a list endpoint (bounded, for pickers).
  async function getAll(path, query = {}, maxPages = 10) {
    const items = [];
    for (let page = 1; page <= maxPages; page++) {
      const data = await get(path, { ...query, page, per_page: 100 });
      items.push(...(data?.items || []));
      if (!data || items.length >= (data.total ?? 0) || !(data.items || []).length) break;
    }
    return items;
  }

  const productCache = new Map();
  function getProductCached(id) {
    if (!productCache.has(id)) productCache.set(id, get(`/products/${encodeURIComponent(id)}`).catch(() => null));
    return productCache.get(id);
  }

  async function loadMe() {
    if (!tokens.access && !tokens.refresh) { state.me = null; return; }
    if (!tokens.access && !(await refreshTokens(null))) { tokens.clear(); state.me = null; return; }
    try {
      state.me = await get('/me');
    } catch (e) {
      if (e.status === 401) { tokens.clear(); state.me = null; }
      else state.me = null;
    }
  }

  function sessionExpired() {
    const had = !!state.me;
    tokens.clear();
    state.me = null;
    renderChrome();
    if (had) {
      toast('登录已过期，请重新登录。', 'error');
      setTimeout(() => render({ focus: false }), 0);
    }
  }

  async function logout() {
    const rt = tokens.refresh;
    if (rt) {
      try { await api('POST', '/auth/logout', { body: { refresh_token: rt }, retried: true }); } catch { /* ignore */ }
    }
    tokens.clear();
    state.me = null;
    productCache.clear();
    renderChrome();
    toast('您已安全退出。', 'info');
    go('/products');
  }

  function homeFor(r) {
    switch (r) {
      case 'supplier': return '/supplier/products';
      case 'enterprise': return '/enterprise/profile';
      case 'reviewer': return '/review/products';
      case 'organiser': return '/admin/stats';
      default: return '/products';
    }
  }

  // ---------------------------------------------------------------------------
  // Forms: building fields and showing problem+json errors next to them
  // ---------------------------------------------------------------------------

  // field({label, name, type, value, required, hint, options: [[v, text]], attrs, wide, key})
  function field(o) {
    const id = uid();
    const type = o.type || 'text';
    const attrs = { id, name: o.name, required: !!o.required, ...(o.attrs || {}) };
    let control;
    if (type === 'select') {
      control = h('select', { ...attrs, value: o.value ?? '' },
        o.placeholder !== undefined ? h('option', { value: '' }, o.placeholder) : null,
        (o.options || []).map(([v, t]) => h('option', { value: v }, t)));
    } else if (type === 'textarea') {
      control = h('textarea', { rows: 4, ...attrs, value: o.value ?? '' });
    } else {
      control = h('input', { type, ...attrs, value: o.value ?? '' });
    }
    let hint = null;
    if (o.hint) {
      hint = h('p', { class: 'hint', id: id + '-hint' }, o.hint);
      control.setAttribute('aria-describedby', hint.id);
    }
    return h('div', { class: 'field' + (o.wide ? ' field-wide' : ''), 'data-field': o.key || o.name },
      h('label', { for: id }, o.label, o.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      control, hint);
  }

  function checkGroup(o) {
    const values = new Set(o.values || []);
    const hintId = o.hint ? uid('h') : null;
    return h('fieldset', { class: 'field' + (o.wide !== false ? ' field-wide' : ''), 'data-field': o.key || o.name, 'aria-describedby': hintId },
      h('legend', null, o.legend, o.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      h('div', { class: 'check-grid' },
        o.options.map(([v, t]) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: o.name, value: v, checked: values.has(v) }), h('span', null, t)))),
      o.hint ? h('p', { class: 'hint', id: hintId }, o.hint) : null);
  }

  function checkbox(o) {
    return h('div', { class: 'field', 'data-field': o.key || o.name },
      h('label', { class: 'check check-plain' },
        h('input', { type: 'checkbox', name: o.name, value: 'true', checked: !!o.checked }), h('span', null, o.label)),
      o.hint ? h('p', { class: 'hint' }, o.hint) : null);
  }

  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach((el) => el.remove());
    form.querySelectorAll('[aria-invalid="true"]').forEach((el) => {
      el.removeAttribute('aria-invalid');
      const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.startsWith('err-'));
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
    });
    const box = form.querySelector('.form-alert');
    if (box) box.replaceChildren();
  }

  function findFieldWrap(form, key) {
    const base = String(key).replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '').replace(/^\//, '').replace(/\//g, '.');
    const cands = [key, base, base.replace(/^organisation\./, ''), 'organisation.' + base, base.split('.').pop()];
    for (const c of cands) {
      const el = form.querySelector(`[data-field="${CSS.escape(c)}"]`);
      if (el) return el;
    }
    return null;
  }

  function setFieldError(form, key, message) {
    const wrap = findFieldWrap(form, key);
    if (!wrap) return false;
    const errId = uid('err-');
    wrap.appendChild(h('p', { class: 'field-error', id: errId }, message));
    wrap.querySelectorAll('input, select, textarea').forEach((c) => {
      c.setAttribute('aria-invalid', 'true');
      c.setAttribute('aria-describedby', [c.getAttribute('aria-describedby'), errId].filter(Boolean).join(' '));
    });
    return true;
  }

  // Show an ApiError (or local {field: message} errors) inside a form.
  function showFormErrors(form, err, localErrors) {
    clearErrors(form);
    const errors = localErrors || err?.problem?.errors || {};
    const unplaced = [];
    for (const [key, msg] of Object.entries(errors)) {
      const text = Array.isArray(msg) ? msg.join('；') : (typeof msg === 'object' && msg ? JSON.stringify(msg) : String(msg));
      if (!setFieldError(form, key, text)) unplaced.push(`${key}：${text}`);
    }
    let box = form.querySelector('.form-alert');
    if (!box) { box = h('div', { class: 'form-alert' }); form.prepend(box); }
    const title = localErrors ? '请检查标出的字段。' : (err?.message || '操作失败。');
    box.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert' },
      h('strong', null, title),
      unplaced.length ? h('ul', null, unplaced.map((t) => h('li', null, t))) : null));
    const firstInvalid = form.querySelector('[aria-invalid="true"]');
    (firstInvalid || box).scrollIntoView({ block: 'center', behavior: 'smooth' });
    if (firstInvalid) firstInvalid.focus({ preventScroll: true });
  }

  // Disable a form's buttons while a request runs.
  async function busy(form, fn) {
    const buttons = [...form.querySelectorAll('button')];
    buttons.forEach((b) => { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    try { return await fn(); } finally {
      buttons.forEach((b) => { b.disabled = false; });
      form.removeAttribute('aria-busy');
    }
  }

  const fd = (form) => new FormData(form);
  const str = (data, name) => String(data.get(name) ?? '').trim();
  const intOrNull = (s) => (s === '' || s === null || s === undefined ? null : Number(s));
  const splitList = (s) => String(s || '').split(/[\n,，、;；]+/).map((x) => x.trim()).filter(Boolean);

  // ---------------------------------------------------------------------------
  // Dialogs
  // ---------------------------------------------------------------------------

  // Ask for optional/required text; resolves to the trimmed text, or null on cancel.
  function promptDialog({ title, message, inputLabel, required, placeholder, confirmText = '确定', danger, maxlength = 2000 }) {
    if (typeof HTMLDialogElement !== 'function') {
      const v = window.prompt(`${title}\n${message || ''}\n${inputLabel || ''}`, '');
      if (v === null) return Promise.resolve(null);
      if (required && !v.trim()) { window.alert(`请填写${inputLabel}。`); return Promise.resolve(null); }
      return Promise.resolve(v.trim());
    }
    return new Promise((resolve) => {
      const titleId = uid('dlg');
      let result = null;
      const area = inputLabel ? field({
        label: inputLabel, name: 'text', type: 'textarea', required, attrs: { rows: 4, placeholder, maxlength },
      }) : null;
      const dlg = h('dialog', { class: 'modal', 'aria-labelledby': titleId });
      const form = h('form', { method: 'dialog', novalidate: true },
        h('div', { class: 'modal-head' }, h('h2', { id: titleId }, title)),
        h('div', { class: 'modal-body' }, h('div', { class: 'form-alert' }), message ? h('p', null, message) : null, area),
        h('div', { class: 'modal-foot' },
          h('button', { type: 'button', class: 'btn', onClick: () => dlg.close() }, '取消'),
          h('button', { type: 'submit', class: danger ? 'btn btn-danger-solid' : 'btn btn-primary' }, confirmText)));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const text = area ? str(fd(form), 'text') : '';
        if (area && required && !text) {
          showFormErrors(form, null, { text: `请填写${inputLabel}。` });
          return;
        }
        result = text;
        dlg.close();
      });
      dlg.appendChild(form);
      dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
      document.body.appendChild(dlg);
      dlg.showModal();
      const ta = dlg.querySelector('textarea');
      if (ta) ta.focus();
    });
  }

  const confirmDialog = (title, message, confirmText, danger) =>
    promptDialog({ title, message, confirmText, danger }).then((r) => r !== null);

  // Run an action from a button, show the result, then redraw the current page.
  async function act(button, fn, successMessage) {
    if (button) button.disabled = true;
    try {
      await fn();
      productCache.clear();
      toast(successMessage, 'success');
      render({ focus: false });
    } catch (e) {
      // A button has no field to mark, so the fields a 422 names are listed in the message.
      const fields = Object.values(e.problem?.errors || {}).map((m) => (Array.isArray(m) ? m.join('；') : String(m)));
      toast([e.message || '操作失败。', ...fields].join(' '), 'error');
      if (button && button.isConnected) button.disabled = false;
    }
  }

  // ---------------------------------------------------------------------------
  // Pagination
  // ---------------------------------------------------------------------------

  function buildHash(path, params) {
    const qs = toQuery(params);
    return '#' + path + (qs ? '?' + qs : '');
  }

  function pager(data, path, params, unit = '条') {
    const total = data?.total ?? 0;
    const per = data?.per_page || 20;
    const page = data?.page || 1;
    const pages = Math.max(1, Math.ceil(total / per));
    const base = Object.fromEntries(params.entries());
    const href = (p) => buildHash(path, { ...base, page: p === 1 ? null : p });
    const summary = h('div', null, `共 ${fmtNum(total)} ${unit}，第 ${page} / ${pages} 页`);
    if (pages <= 1) return h('div', { class: 'pager' }, summary);

    const nums = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((n) => n >= 1 && n <= pages));
    const sorted = [...nums].sort((a, b) => a - b);
    const items = [];
    items.push(page > 1
      ? h('li', null, h('a', { href: href(page - 1), rel: 'prev' }, '‹ 上一页'))
      : h('li', null, h('span', { class: 'pg', 'aria-disabled': 'true' }, '‹ 上一页')));
    let prev = 0;
    for (const n of sorted) {
      if (n - prev > 1) items.push(h('li', { 'aria-hidden': 'true' }, h('span', { class: 'pg gap' }, '…')));
      items.push(h('li', null, h('a', {
        href: href(n), 'aria-current': n === page ? 'page' : null, 'aria-label': `第 ${n} 页`,
      }, String(n))));
      prev = n;
    }
    items.push(page < pages
      ? h('li', null, h('a', { href: href(page + 1), rel: 'next' }, '下一页 ›'))
      : h('li', null, h('span', { class: 'pg', 'aria-disabled': 'true' }, '下一页 ›')));
    return h('div', { class: 'pager' }, summary, h('nav', { 'aria-label': '分页' }, h('ul', null, items)));
  }

  const pageParam = (params) => Math.max(1, parseInt(params.get('page') || '1', 10) || 1);

  // ---------------------------------------------------------------------------
  // Shared product / bundle pieces
  // ---------------------------------------------------------------------------

  const isOwner = (obj) => role() === 'supplier' && !!orgId() && obj?.supplier_id === orgId();

  function priceBlock(p) {
    const discounted = p.price_fen != null && p.pilot_price_fen != null && p.pilot_price_fen < p.price_fen;
    return h('div', { class: 'price' },
      h('span', { class: 'pilot' }, '试点价', h('strong', null, fmtMoney(p.pilot_price_fen ?? p.price_fen))),
      discounted ? h('span', { class: 'orig' }, '原价', h('s', null, fmtMoney(p.price_fen))) : null,
      p.price_unit ? h('span', { class: 'unit' }, '计价：' + priceUnitText(p.price_unit)) : null);
  }

  // A search highlight ("…<em>质检</em>…", the rest HTML-escaped) as nodes: text stays text,
  // only the API's own <em> marks become <mark>, so no product text is ever parsed as HTML.
  const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  function marked(s) {
    const unescape = (t) => t.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);
    return s.split(/(<em>[\s\S]*?<\/em>)/).filter(Boolean).map((part) => part.startsWith('<em>')
      ? h('mark', null, unescape(part.slice(4, -5)))
      : unescape(part));
  }

  function productCard(p, { showStatus } = {}) {
    return h('article', { class: 'card product-card' },
      h('div', { class: 'card-top' },
        h('div', { class: 'chips' },
          h('span', { class: 'badge badge-blue' }, label(L.delivery, p.delivery)),
          p.ai_powered ? h('span', { class: 'badge badge-ai', title: '应用人工智能技术' }, 'AI 赋能') : null,
          showStatus && p.status && p.status !== 'listed' ? statusBadge(p.status, L.productStatus) : null),
        xkqzBadges(p.xkqz)),
      h('h3', null, linkTo(`/products/${encodeURIComponent(p.id)}`, p.highlight ? marked(p.highlight.name) : p.name)),
      h('p', { class: 'card-sub' }, p.supplier_id
        ? linkTo(`/suppliers/${encodeURIComponent(p.supplier_id)}`, p.supplier_name || '查看服务商')
        : (p.supplier_name || '')),
      h('p', { class: 'clamp' }, p.highlight ? marked(p.highlight.summary) : (p.summary || '')),
      chips(p.industries, L.industry, 'chip chip-industry'),
      chips(p.stages, L.stage),
      h('div', { class: 'card-foot' },
        priceBlock(p),
        h('div', { class: 'deploy' }, '部署周期', h('br'), h('strong', null, fmtNum(p.deploy_days)), ' 天')));
  }

  // Buttons a user may press on a product, by role, ownership and status.
  // A button that asks first, then POSTs to `path` and reports `done`.
  function confirmedPost(text, { cls, title, message, confirm, danger = false }, path, done) {
    return h('button', {
      type: 'button', class: cls,
      onClick: async (ev) => {
        const btn = ev.currentTarget;
        if (await confirmDialog(title, message, confirm, danger)) act(btn, () => post(path), done);
      },
    }, text);
  }

  function productActions(p, { inList } = {}) {
    const r = role();
    const out = [];
    const id = encodeURIComponent(p.id);
    if (isOwner(p) && (p.status === 'draft' || p.status === 'rejected')) {
      out.push(h('a', { class: 'btn btn-sm', href: `#/supplier/products/${id}/edit` }, '编辑'));
      out.push(confirmedPost('提交审核', { cls: 'btn btn-sm btn-primary', title: '提交审核', message: `确认将“${p.name}”提交主管部门审核？审核期间不能修改。`, confirm: '提交审核' }, `/products/${id}/submit`, '已提交审核。'));
    }
    if ((isOwner(p) || r === 'organiser') && p.status === 'listed') {
      out.push(confirmedPost('下架', { cls: 'btn btn-sm btn-danger', title: '下架产品', message: `确认下架“${p.name}”？下架后将不再出现在产品目录中。`, confirm: '下架', danger: true }, `/products/${id}/delist`, '产品已下架。'));
    }
    if (isOwner(p) && p.status === 'delisted') {
      out.push(confirmedPost('重新编辑', { cls: 'btn btn-sm', title: '重新编辑', message: `将“${p.name}”恢复为草稿？修改后可再次提交审核，审核通过后重新上架。`, confirm: '恢复为草稿' }, `/products/${id}/revise`, '已恢复为草稿。'));
    }
    if ((r === 'reviewer' || r === 'organiser') && p.status === 'submitted') {
      out.push(...reviewButtons(`/products/${id}/review`, p.name));
    }
    if (inList && !out.length) return null;
    return out;
  }

  function reviewButtons(path, name) {
    return [
      h('button', {
        type: 'button', class: 'btn btn-sm btn-primary',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const comment = await promptDialog({
            title: '审核通过', message: `“${name}”审核通过后将上架（服务商须已认证）。`,
            inputLabel: '审核意见（可选）', confirmText: '通过',
          });
          if (comment !== null) act(btn, () => post(path, { decision: 'approve', comment }), '已审核通过。');
        },
      }, '通过'),
      h('button', {
        type: 'button', class: 'btn btn-sm btn-danger',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const comment = await promptDialog({
            title: '驳回', message: `请说明驳回“${name}”的原因，服务商将据此修改后重新提交。`,
            inputLabel: '驳回意见', required: true, confirmText: '驳回', danger: true,
          });
          if (comment !== null) act(btn, () => post(path, { decision: 'reject', comment }), '已驳回。');
        },
      }, '驳回'),
    ];
  }

  function bundleActions(b) {
    const r = role();
    const id = encodeURIComponent(b.id);
    const out = [];
    if (isOwner(b) && (b.status === 'draft' || b.status === 'rejected')) {
      out.push(confirmedPost('提交审核', { cls: 'btn btn-sm btn-primary', title: '提交审核', message: `确认将组合方案包“${b.name}”提交审核？`, confirm: '提交审核' }, `/bundles/${id}/submit`, '已提交审核。'));
    }
    if ((isOwner(b) || r === 'organiser') && b.status === 'listed') {
      out.push(confirmedPost('下架', { cls: 'btn btn-sm btn-danger', title: '下架方案包', message: `确认下架组合方案包“${b.name}”？`, confirm: '下架', danger: true }, `/bundles/${id}/delist`, '方案包已下架。'));
    }
    if (isOwner(b) && b.status === 'delisted') {
      out.push(confirmedPost('重新编辑', { cls: 'btn btn-sm', title: '重新编辑', message: `将组合方案包“${b.name}”恢复为草稿？修改后可再次提交审核。`, confirm: '恢复为草稿' }, `/bundles/${id}/revise`, '已恢复为草稿。'));
    }
    if ((r === 'reviewer' || r === 'organiser') && b.status === 'submitted') {
      out.push(...reviewButtons(`/bundles/${id}/review`, b.name));
    }
    if (b.status === 'listed' || !b.status) {
      const order = orderButton('bundle', b, { small: true });
      if (order) out.push(order);
    }
    return out;
  }

  // The products inside a bundle, loaded on demand.
  function bundleProductList(b, { eager } = {}) {
    const ids = b.product_ids || [];
    const list = h('div', null, h('p', { class: 'muted small' }, '正在加载产品…'));
    let loaded = false;
    const load = async () => {
      if (loaded) return;
      loaded = true;
      const products = await Promise.all(ids.map(getProductCached));
      let sum = 0;
      let known = true;
      const lis = ids.map((id, i) => {
        const p = products[i];
        if (!p) { known = false; return h('li', null, h('span', { class: 'muted' }, `产品 ${id}（不可查看）`)); }
        sum += Number(p.pilot_price_fen ?? p.price_fen ?? 0);
        return h('li', null, linkTo(`/products/${encodeURIComponent(p.id)}`, p.name),
          h('span', { class: 'muted' }, ` · 试点价 ${fmtMoney(p.pilot_price_fen)} / ${priceUnitText(p.price_unit)}`),
          p.status && p.status !== 'listed' ? [' ', statusBadge(p.status, L.productStatus)] : null);
      });
      list.replaceChildren(
        h('ul', { class: 'bundle-products' }, lis),
        known && ids.length ? h('p', { class: 'small muted', style: 'margin-top:6px' },
          `单品试点价合计 ${fmtMoney(sum)}`,
          b.price_fen != null && sum > b.price_fen ? `，组合优惠 ${fmtMoney(sum - b.price_fen)}` : '') : null);
    };
    if (eager) { load(); return h('div', null, h('p', { class: 'small muted' }, `包含 ${ids.length} 款产品`), list); }
    const det = h('details', null, h('summary', null, `包含 ${ids.length} 款产品`), list);
    det.addEventListener('toggle', () => { if (det.open) load(); });
    return det;
  }

  function bundleCard(b, { showStatus, eager } = {}) {
    const actions = bundleActions(b);
    return h('article', { class: 'card bundle-card' },
      h('div', { class: 'card-top' },
        h('div', { class: 'chips' },
          h('span', { class: 'chip chip-industry' }, label(L.industry, b.industry)),
          h('span', { class: 'badge badge-blue' }, '组合方案包')),
        showStatus && b.status ? statusBadge(b.status, L.productStatus) : null),
      h('h3', null, b.name),
      h('p', { class: 'card-sub' }, b.supplier_id
        ? linkTo(`/suppliers/${encodeURIComponent(b.supplier_id)}`, b.supplier_name || '查看服务商') : null),
      h('p', { class: 'clamp pre-wrap' }, b.description || ''),
      b.review_comment && (b.status === 'rejected' || showStatus)
        ? h('div', { class: 'alert alert-warn small' }, h('strong', null, '审核意见'), b.review_comment) : null,
      bundleProductList(b, { eager }),
      h('div', { class: 'card-foot' },
        h('div', { class: 'price' }, h('span', { class: 'pilot' }, '方案包价', h('strong', null, fmtMoney(b.price_fen)))),
        actions.length ? h('div', { class: 'btn-row' }, actions) : null));
  }

  // ---------------------------------------------------------------------------
  // Pages: public catalogue
  // ---------------------------------------------------------------------------

  const CATALOG_TABS = [['/products', '数字化产品'], ['/bundles', '组合方案包']];

  async function pageProducts(ctx) {
    const p = ctx.params;
    const page = pageParam(p);
    const query = {
      q: p.get('q'), industry: p.get('industry'), stage: p.get('stage'), delivery: p.get('delivery'),
      max_price_fen: p.get('max_price_fen'), max_deploy_days: p.get('max_deploy_days'),
      ai_powered: p.get('ai_powered'), sort: p.get('sort'), page, per_page: 12,
      highlight: p.get('q') ? 'true' : null,
    };
    const data = await get('/products', query);
    // With a keyword the listing also counts the matches per filter value (`facets`).
    const facets = data?.facets && typeof data.facets === 'object' ? data.facets : null;
    const faceted = (dim, map, keys) => options(map, keys).map(([v, t]) => {
      const n = facets?.[dim] ? (facets[dim][v] ?? 0) : null;
      return [v, n === null ? t : `${t}（${fmtNum(n)}）`];
    });

    const form = h('form', { class: 'panel filter-panel', role: 'search', 'aria-label': '产品筛选' },
      h('div', { class: 'search-row' },
        h('label', { class: 'sr-only', for: 'q-input' }, '关键词'),
        h('input', { id: 'q-input', type: 'search', name: 'q', value: p.get('q') || '', placeholder: '搜索产品、功能或关键词，如 MES、质量追溯、仓储管理' }),
        h('button', { type: 'submit', class: 'btn btn-primary' }, '搜索')),
      h('div', { class: 'filter-grid' },
        field({ label: '细分行业', name: 'industry', type: 'select', placeholder: '全部行业', options: faceted('industry', L.industry, PRODUCT_INDUSTRIES), value: p.get('industry') || '' }),
        field({ label: '业务环节', name: 'stage', type: 'select', placeholder: '全部环节', options: faceted('stage', L.stage), value: p.get('stage') || '' }),
        field({ label: '交付方式', name: 'delivery', type: 'select', placeholder: '全部方式', options: faceted('delivery', L.delivery), value: p.get('delivery') || '' }),
        field({ label: '试点价上限（万元）', name: 'max_price_wan', type: 'text', value: fenToWanInput(p.get('max_price_fen')), attrs: { inputmode: 'decimal', placeholder: '不限', autocomplete: 'off' } }),
        field({ label: '部署周期上限（天）', name: 'max_deploy_days', type: 'number', value: p.get('max_deploy_days') || '', attrs: { min: 1, step: 1, placeholder: '不限' } }),
        field({
          label: '排序', name: 'sort', type: 'select', value: p.get('sort') || '',
          options: [['', '综合排序'], ['price_asc', '试点价从低到高'], ['price_desc', '试点价从高到低'], ['newest', '最新上架'], ['deploy_days', '部署周期最短']],
        })),
      h('div', { class: 'filter-actions' },
        h('label', { class: 'check check-plain' },
          h('input', { type: 'checkbox', name: 'ai_powered', value: 'true', checked: p.get('ai_powered') === 'true' }),
          h('span', null, '仅看 AI 赋能产品')),
        h('div', { class: 'btn-row' },
          h('a', { class: 'btn btn-link', href: '#/products' }, '清除筛选'),
          h('button', { type: 'submit', class: 'btn' }, '应用筛选'))));

    form.addEventListener('change', (ev) => {
      if (ev.target.matches('select, input[type=checkbox]')) form.requestSubmit();
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const wan = str(d, 'max_price_wan');
      let maxFen = null;
      if (wan) {
        maxFen = parseWan(wan);
        if (Number.isNaN(maxFen)) { showFormErrors(form, null, { max_price_wan: '请输入数字，例如 5 或 12.5' }); return; }
      }
      go('/products', {
        q: str(d, 'q'), industry: str(d, 'industry'), stage: str(d, 'stage'), delivery: str(d, 'delivery'),
        max_price_fen: maxFen, max_deploy_days: str(d, 'max_deploy_days'),
        ai_powered: d.get('ai_powered') ? 'true' : '', sort: str(d, 'sort'),
      });
    });

    const items = data?.items || [];
    return frag(
      pageHead('数字化产品目录', { lead: '经主管部门审核上架、面向中小企业的“小快轻准”数字化产品与服务。试点企业按试点价采购。' }),
      tabs(CATALOG_TABS, '/products'),
      form,
      facets ? facetBar(facets, p) : null,
      h('div', { class: 'result-bar' },
        h('div', null, '共找到 ', h('strong', null, fmtNum(data?.total ?? 0)), ' 款产品'),
        h('div', { class: 'xkqz-hint small' }, '小快轻准：', xkqzBadges({ small: true, fast: true, light: true, precise: true }), ' 蓝色为满足')),
      items.length
        ? h('div', { class: 'grid' }, items.map((x) => productCard(x)))
        : emptyState('没有符合条件的产品，请调整筛选条件。', h('a', { class: 'btn', href: '#/products' }, '查看全部产品')),
      pager(data, '/products', p, '款'));
  }

  // Counts per filter value for a keyword search, each a link that applies (or clears) it.
  function facetBar(facets, params) {
    const dims = [['industry', '细分行业', L.industry], ['stage', '业务环节', L.stage], ['delivery', '交付方式', L.delivery]];
    const rows = dims.map(([dim, name, map]) => {
      const counts = Object.entries(facets[dim] || {}).filter(([, n]) => Number(n) > 0).sort((a, b) => b[1] - a[1]);
      if (!counts.length) return null;
      return h('div', null, h('span', { class: 'facet-name' }, name),
        counts.map(([code, n]) => {
          const on = params.get(dim) === code;
          const next = Object.fromEntries(params.entries());
          next[dim] = on ? null : code;
          next.page = null;
          return h('a', { class: 'chip', href: buildHash('/products', next), 'aria-current': on ? 'true' : null, title: on ? '再次点击取消此筛选' : null },
            label(map, code), h('span', { class: 'count' }, fmtNum(n)));
        }));
    }).filter(Boolean);
    return rows.length ? h('nav', { class: 'facet-bar', 'aria-label': '按结果分布筛选' }, rows) : null;
  }

  async function pageProductDetail(ctx) {
    const id = ctx.args.id;
    const p = await get(`/products/${encodeURIComponent(id)}`);
    productCache.set(p.id, Promise.resolve(p));
    const actions = productActions(p) || [];
    const orderBtn = orderButton('product', p);
    if (orderBtn) actions.unshift(orderBtn);
    const notListed = p.status && p.status !== 'listed';
    const concerned = isOwner(p) || role() === 'organiser' || role() === 'reviewer';

    const facts = kv([
      ['服务商', p.supplier_id ? linkTo(`/suppliers/${encodeURIComponent(p.supplier_id)}`, p.supplier_name || '查看服务商') : (p.supplier_name || '—')],
      ['适用行业', chips(p.industries, L.industry, 'chip chip-industry') || '—'],
      ['业务环节', chips(p.stages, L.stage) || '—'],
      ['交付方式', label(L.delivery, p.delivery)],
      ['部署周期', `${fmtNum(p.deploy_days)} 天`],
      ['AI 赋能', p.ai_powered ? '是' : '否'],
      ['知识产权', p.ip_certificates?.length ? h('ul', { class: 'list-plain' }, p.ip_certificates.map((c) => h('li', null, c))) : '—'],
      ['应用案例', `${fmtNum(p.reference_cases ?? 0)} 个`],
      ['标签', chips(p.tags, {}) || '—'],
      p.created_at ? ['发布时间', fmtTime(p.created_at)] : null,
      p.updated_at ? ['更新时间', fmtTime(p.updated_at)] : null,
    ]);

    const discounted = p.pilot_price_fen != null && p.price_fen != null && p.pilot_price_fen < p.price_fen;
    const side = h('aside', { class: 'detail-side' },
      h('div', { class: 'panel price-box' },
        h('div', { class: 'muted small' }, '试点价'),
        h('div', { class: 'pilot-big' }, fmtMoney(p.pilot_price_fen)),
        kv([
          ['原价', discounted ? h('s', null, fmtMoney(p.price_fen)) : fmtMoney(p.price_fen)],
          discounted ? ['试点优惠', `${fmtMoney(p.price_fen - p.pilot_price_fen)}（${Math.round((1 - p.pilot_price_fen / p.price_fen) * 100)}%）`] : null,
          ['计价方式', label(L.priceUnit, p.price_unit)],
          ['部署周期', `${fmtNum(p.deploy_days)} 天`],
        ], 'kv kv-compact'),
        actions.length ? h('div', { class: 'btn-row', style: 'margin-top:16px' }, actions) : null,
        p.supplier_id ? h('p', { class: 'small muted', style: 'margin:14px 0 0' }, orderBtn ? '下单后由服务商确认接单；采购咨询请' : '采购咨询请',
          linkTo(`/suppliers/${encodeURIComponent(p.supplier_id)}`, '联系服务商'), '。') : null),
      h('div', { class: 'panel' },
        h('h2', { class: 'panel-title' }, '小快轻准评估'),
        h('div', { class: 'xkqz-legend' }, XKQZ.map(([k, t, tip]) => h('div', null,
          h('span', { class: 'xkqz-badge' + (p.xkqz?.[k] ? ' on' : ''), 'aria-hidden': 'true' }, t),
          h('span', null, tip, h('span', { class: 'sr-only' }, p.xkqz?.[k] ? '（满足）' : '（未满足）'),
            p.xkqz?.[k] ? '' : h('span', { class: 'muted', 'aria-hidden': 'true' }, '（未满足）')))))));

    return frag(
      pageHead(p.name, {
        crumbs: [['产品目录', '/products'], [p.name]],
        lead: p.summary,
      }),
      notListed || (p.review_comment && concerned) ? h('div', { class: `alert ${p.status === 'rejected' ? 'alert-error' : 'alert-info'}` },
        h('strong', null, '状态：', label(L.productStatus, p.status)),
        p.review_comment && concerned ? h('p', null, '审核意见：', p.review_comment) : null) : null,
      h('div', { class: 'detail-layout' },
        h('div', null,
          h('section', { class: 'panel' },
            h('div', { class: 'title-row', style: 'margin-bottom:12px' },
              h('span', { class: 'badge badge-blue' }, label(L.delivery, p.delivery)),
              p.ai_powered ? h('span', { class: 'badge badge-ai' }, 'AI 赋能') : null,
              statusBadge(p.status, L.productStatus), xkqzBadges(p.xkqz)),
            h('h2', { class: 'panel-title' }, '产品介绍'),
            h('p', { class: 'pre-wrap' }, p.description || p.summary || '—')),
          h('section', { class: 'panel' }, h('h2', { class: 'panel-title' }, '基本信息'), facts)),
        side));
  }

  async function pageBundles(ctx) {
    const p = ctx.params;
    const data = await get('/bundles', { industry: p.get('industry'), page: pageParam(p), per_page: 12 });
    const form = h('form', { class: 'panel filter-panel', 'aria-label': '方案包筛选' },
      h('div', { class: 'filter-grid' },
        field({ label: '细分行业', name: 'industry', type: 'select', placeholder: '全部行业', options: options(L.industry, SEGMENTS), value: p.get('industry') || '' })));
    form.addEventListener('change', () => go('/bundles', { industry: str(fd(form), 'industry') }));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); go('/bundles', { industry: str(fd(form), 'industry') }); });
    const items = data?.items || [];
    return frag(
      pageHead('数字化产品目录', { lead: '面向细分行业、由服务商组合多款已上架产品形成的整体解决方案（产品组合方案包）。' }),
      tabs(CATALOG_TABS, '/bundles'),
      form,
      h('div', { class: 'result-bar' }, h('div', null, '共 ', h('strong', null, fmtNum(data?.total ?? 0)), ' 个组合方案包')),
      items.length ? h('div', { class: 'grid' }, items.map((b) => bundleCard(b))) : emptyState('暂无符合条件的组合方案包。'),
      pager(data, '/bundles', p, '个'));
  }

  // ---------------------------------------------------------------------------
  // Pages: suppliers
  // ---------------------------------------------------------------------------

  function supplierCard(s) {
    return h('article', { class: 'card' },
      h('div', { class: 'card-top' },
        h('span', { class: 'badge badge-blue' }, label(L.supplierKind, s.kind)),
        s.status && s.status !== 'vetted' ? statusBadge(s.status, L.supplierStatus) : badge('已认证', 'green')),
      h('h3', null, linkTo(`/suppliers/${encodeURIComponent(s.id)}`, s.name)),
      h('p', { class: 'clamp' }, s.description || ''),
      chips(s.industries, L.industry, 'chip chip-industry'),
      h('div', { class: 'card-foot' },
        s.contact_email ? h('span', { class: 'small muted' }, '联系邮箱：', h('a', { href: 'mailto:' + s.contact_email }, s.contact_email)) : h('span'),
        linkTo(`/suppliers/${encodeURIComponent(s.id)}`, '查看产品 ›', 'btn btn-sm')));
  }

  async function pageSuppliers(ctx) {
    const p = ctx.params;
    const query = { page: pageParam(p), per_page: 12 };
    if (role() === 'organiser') query.status = 'vetted';
    const data = await get('/suppliers', query);
    const items = data?.items || [];
    return frag(
      pageHead('数字化服务商', { lead: '经主管部门认证的数字化牵引单位、集成服务商和软硬件企业。' }),
      items.length ? h('div', { class: 'grid' }, items.map(supplierCard)) : emptyState('暂无已认证的服务商。'),
      pager(data, '/suppliers', p, '家'));
  }

  async function pageSupplierDetail(ctx) {
    const id = ctx.args.id;
    const p = ctx.params;
    const sid = encodeURIComponent(id);
    const [s, prods, bundles] = await Promise.all([
      get(`/suppliers/${sid}`),
      get(`/suppliers/${sid}/products`, { page: pageParam(p), per_page: 12 }),
      get(`/suppliers/${sid}/bundles`, { per_page: 50 }).catch(() => null),
    ]);
    const own = role() === 'supplier' && orgId() === s.id;
    const privileged = own || role() === 'organiser';
    const items = prods?.items || [];
    const bItems = (bundles?.items || []).filter((b) => privileged || b.status === 'listed');
    return frag(
      pageHead(s.name, {
        crumbs: [['服务商', '/suppliers'], [s.name]],
        actions: own ? [linkTo('/supplier/products', '进入我的产品', 'btn btn-primary')]
          : (role() === 'organiser' ? [linkTo('/admin/suppliers?status=' + (s.status || 'pending'), '服务商审核', 'btn')] : null),
      }),
      h('section', { class: 'panel' },
        h('div', { class: 'title-row', style: 'margin-bottom:12px' },
          h('span', { class: 'badge badge-blue' }, label(L.supplierKind, s.kind)),
          statusBadge(s.status, L.supplierStatus)),
        h('p', { class: 'pre-wrap' }, s.description || '—'),
        kv([
          ['服务行业', chips(s.industries, L.industry, 'chip chip-industry') || '—'],
          ['统一社会信用代码', h('span', { class: 'mono' }, s.credit_code || '—')],
          ['联系邮箱', s.contact_email ? h('a', { href: 'mailto:' + s.contact_email }, s.contact_email) : '—'],
          s.created_at ? ['入驻时间', fmtTime(s.created_at)] : null,
        ])),
      h('section', { class: 'section' },
        h('h2', null, privileged ? '全部产品' : '在架产品'),
        items.length ? h('div', { class: 'grid' }, items.map((x) => productCard(x, { showStatus: privileged })))
          : emptyState('暂无产品。'),
        pager(prods, `/suppliers/${sid}`, p, '款')),
      bItems.length ? h('section', { class: 'section' },
        h('h2', null, '组合方案包'),
        h('div', { class: 'grid' }, bItems.map((b) => bundleCard(b, { showStatus: privileged })))) : null);
  }

  // ---------------------------------------------------------------------------
  // Pages: login and registration
  // ---------------------------------------------------------------------------

  async function afterAuth(pair, next, meHint) {
    tokens.set(pair);
    productCache.clear();
    state.me = meHint || null;
    if (!state.me) await loadMe();
    renderChrome();
    const target = next && next.startsWith('/') && !next.startsWith('/login') ? next : homeFor(role());
    go(target);
  }

  async function pageLogin(ctx) {
    const next = ctx.params.get('next') || '';
    if (state.me) { go(homeFor(role()), null, true); return frag(); }
    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('div', { class: 'form-grid', style: 'grid-template-columns:1fr' },
        field({ label: '邮箱', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'username', autofocus: true } }),
        field({ label: '密码', name: 'password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } })),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', style: 'width:100%' }, '登录')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const body = { email: str(d, 'email'), password: String(d.get('password') || '') };
      const local = {};
      if (!body.email) local.email = '请填写邮箱。';
      if (!body.password) local.password = '请填写密码。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        try {
          const pair = await api('POST', '/auth/login', { body, auth: false });
          toast('登录成功。');
          await afterAuth(pair, next);
        } catch (e) {
          showFormErrors(form, e);
        }
      });
    });
    return h('div', { class: 'auth-wrap' },
      pageHead('登录', { lead: '企业用户、服务商、主管部门和评审专家统一登录入口' }),
      form,
      h('p', { class: 'auth-switch' }, '还没有账号？', linkTo('/register', '企业 / 服务商注册')));
  }

  function enterpriseOrgFields(v = {}, { withBaseline = true } = {}) {
    return [
      field({ label: '企业名称', name: 'name', key: 'organisation.name', required: true, value: v.name, attrs: { maxlength: 200, autocomplete: 'organization' } }),
      field({ label: '统一社会信用代码', name: 'credit_code', key: 'organisation.credit_code', required: true, value: v.credit_code, hint: '18 位，含校验位', attrs: { maxlength: 18, minlength: 18, autocapitalize: 'characters', spellcheck: 'false', class: 'mono' } }),
      field({ label: '细分行业', name: 'industry', key: 'organisation.industry', type: 'select', required: true, placeholder: '请选择', options: options(L.industry, ENTERPRISE_INDUSTRIES), value: v.industry }),
      field({ label: '所在区域', name: 'district', key: 'organisation.district', required: true, value: v.district, attrs: { list: 'district-list', maxlength: 50 } }),
      field({ label: '从业人员（人）', name: 'employees', key: 'organisation.employees', type: 'number', required: true, value: v.employees, attrs: { min: 1, step: 1 } }),
      field({ label: '上年营业收入（万元）', name: 'annual_revenue_wan', key: 'organisation.annual_revenue_wan', type: 'number', required: true, value: v.annual_revenue_wan, hint: '工业企业：从业人员 < 1000 人且营业收入 < 40 亿元（400,000 万元）', attrs: { min: 0, step: 'any' } }),
      field({ label: '专精特新认定', name: 'specialised', key: 'organisation.specialised', type: 'select', required: true, options: options(L.specialised), value: v.specialised || 'none' }),
      withBaseline ? field({
        label: '数字化水平（自评，可选）', name: 'digital_level_baseline', key: 'organisation.digital_level_baseline', type: 'select',
        placeholder: '暂不填写', options: [1, 2, 3, 4].map((n) => [String(n), `${L.digitalLevel[n]}`]), value: v.digital_level_baseline ? String(v.digital_level_baseline) : '',
        hint: '依据中小企业数字化水平评测指标，1–4 级',
      }) : null,
      field({ label: '联系人', name: 'contact_name', key: 'organisation.contact_name', required: true, value: v.contact_name, attrs: { maxlength: 50, autocomplete: 'name' } }),
      field({ label: '联系电话', name: 'contact_phone', key: 'organisation.contact_phone', type: 'tel', required: true, value: v.contact_phone, attrs: { maxlength: 30, autocomplete: 'tel' } }),
      field({ label: '联系邮箱', name: 'contact_email', key: 'organisation.contact_email', type: 'email', required: true, value: v.contact_email, attrs: { maxlength: 200 } }),
      h('datalist', { id: 'district-list' }, DISTRICTS.map((d) => h('option', { value: d }))),
    ];
  }

  function supplierOrgFields() {
    return [
      field({ label: '单位名称', name: 's_name', key: 'organisation.name', required: true, attrs: { maxlength: 200, autocomplete: 'organization' } }),
      field({ label: '统一社会信用代码', name: 's_credit_code', key: 'organisation.credit_code', required: true, hint: '18 位，含校验位', attrs: { maxlength: 18, minlength: 18, autocapitalize: 'characters', spellcheck: 'false', class: 'mono' } }),
      field({ label: '服务商类型', name: 'kind', key: 'organisation.kind', type: 'select', required: true, placeholder: '请选择', options: options(L.supplierKind) }),
      field({ label: '联系邮箱', name: 's_contact_email', key: 'organisation.contact_email', type: 'email', required: true, attrs: { maxlength: 200 } }),
      checkGroup({ legend: '服务的细分行业', name: 'industries', key: 'organisation.industries', required: true, options: options(L.industry, SEGMENTS), hint: '可多选' }),
      field({ label: '单位简介', name: 'description', key: 'organisation.description', type: 'textarea', required: true, wide: true, attrs: { rows: 4, maxlength: 4000 }, hint: '主营业务、行业经验、服务能力等' }),
    ];
  }

  async function pageRegister() {
    if (state.me) { go(homeFor(role()), null, true); return frag(); }
    const entSet = h('fieldset', { class: 'form-section' }, h('legend', null, '企业信息（一企一档）'), h('div', { class: 'form-grid' }, enterpriseOrgFields()));
    const supSet = h('fieldset', { class: 'form-section', hidden: true, disabled: true }, h('legend', null, '服务商信息'), h('div', { class: 'form-grid' }, supplierOrgFields()));

    const roleOption = (value, title, desc, checked) => h('label', { class: 'role-option' },
      h('input', { type: 'radio', name: 'role', value, checked }),
      h('div', null, h('strong', null, title), h('span', null, desc)));

    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('fieldset', { class: 'form-section', 'data-field': 'role' },
        h('legend', null, '账号类型'),
        h('div', { class: 'role-switch' },
          roleOption('enterprise', '企业用户', '中小企业：建立企业档案，查找和采购数字化产品', true),
          roleOption('supplier', '服务商', '数字化服务商：发布产品和组合方案包，经审核后上架'))),
      h('fieldset', { class: 'form-section' },
        h('legend', null, '账号信息'),
        h('div', { class: 'form-grid' },
          field({ label: '姓名 / 显示名称', name: 'display_name', required: true, attrs: { maxlength: 100, autocomplete: 'name' } }),
          field({ label: '登录邮箱', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'email', maxlength: 200 } }),
          field({ label: '密码', name: 'password', type: 'password', required: true, hint: '至少 10 个字符', attrs: { minlength: 10, autocomplete: 'new-password' } }),
          field({ label: '确认密码', name: 'password2', type: 'password', required: true, attrs: { minlength: 10, autocomplete: 'new-password' } }))),
      entSet, supSet,
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, '注册'),
        linkTo('/login', '已有账号，去登录', 'btn btn-link')));

    const currentRole = () => form.querySelector('input[name=role]:checked')?.value || 'enterprise';
    form.addEventListener('change', (ev) => {
      if (ev.target.name !== 'role') return;
      const sup = currentRole() === 'supplier';
      entSet.hidden = sup; entSet.disabled = sup;
      supSet.hidden = !sup; supSet.disabled = !sup;
      clearErrors(form);
    });

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const r = currentRole();
      const local = {};
      const body = {
        email: str(d, 'email'), password: String(d.get('password') || ''), display_name: str(d, 'display_name'), role: r,
      };
      if (!body.display_name) local.display_name = '请填写姓名或显示名称。';
      if (!body.email) local.email = '请填写登录邮箱。';
      if (body.password.length < 10) local.password = '密码至少 10 个字符。';
      if (body.password !== String(d.get('password2') || '')) local.password2 = '两次输入的密码不一致。';
      const need = (name, key, msg) => { const v = str(d, name); if (!v) local[key] = msg; return v; };
      if (r === 'enterprise') {
        const org = {
          name: need('name', 'organisation.name', '请填写企业名称。'),
          credit_code: need('credit_code', 'organisation.credit_code', '请填写统一社会信用代码。').toUpperCase(),
          industry: need('industry', 'organisation.industry', '请选择细分行业。'),
          district: need('district', 'organisation.district', '请填写所在区域。'),
          employees: intOrNull(need('employees', 'organisation.employees', '请填写从业人员数。')),
          annual_revenue_wan: intOrNull(need('annual_revenue_wan', 'organisation.annual_revenue_wan', '请填写营业收入。')),
          specialised: str(d, 'specialised') || 'none',
          contact_name: need('contact_name', 'organisation.contact_name', '请填写联系人。'),
          contact_phone: need('contact_phone', 'organisation.contact_phone', '请填写联系电话。'),
          contact_email: need('contact_email', 'organisation.contact_email', '请填写联系邮箱。'),
        };
        const base = str(d, 'digital_level_baseline');
        if (base) org.digital_level_baseline = Number(base);
        body.organisation = org;
      } else {
        body.organisation = {
          name: need('s_name', 'organisation.name', '请填写单位名称。'),
          credit_code: need('s_credit_code', 'organisation.credit_code', '请填写统一社会信用代码。').toUpperCase(),
          kind: need('kind', 'organisation.kind', '请选择服务商类型。'),
          industries: d.getAll('industries').map(String),
          description: need('description', 'organisation.description', '请填写单位简介。'),
          contact_email: need('s_contact_email', 'organisation.contact_email', '请填写联系邮箱。'),
        };
        if (!body.organisation.industries.length) local['organisation.industries'] = '请至少选择一个细分行业。';
      }
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        try {
          const res = await api('POST', '/auth/register', { body, auth: false });
          toast(r === 'supplier' ? '注册成功。服务商资质待主管部门审核，审核通过后产品方可上架。' : '注册成功，欢迎使用。');
          await afterAuth(res, null, res.user ? { user: res.user, organisation: res.organisation } : null);
        } catch (e) {
          showFormErrors(form, e);
        }
      });
    });

    return h('div', { class: 'auth-wrap wide' },
      pageHead('注册账号', { lead: '中小企业与数字化服务商注册。主管部门和评审专家账号由主管部门开设。' }),
      form);
  }

  // ---------------------------------------------------------------------------
  // Pages: supplier workspace
  // ---------------------------------------------------------------------------

  const SUPPLIER_TABS = [['/supplier/products', '我的产品'], ['/supplier/bundles', '我的组合方案包']];

  function supplierStatusNotice() {
    const org = state.me?.organisation;
    if (!org || !org.status || org.status === 'vetted') return null;
    const text = {
      pending: '贵单位的服务商资质正在审核中。产品可以提交审核，但在服务商认证通过前不会在目录中展示。',
      suspended: '贵单位的服务商资格已被暂停，产品暂不在目录中展示。如有疑问请联系主管部门。',
      removed: '贵单位已被移出服务商名录。如有疑问请联系主管部门。',
    }[org.status];
    return h('div', { class: 'alert alert-warn' }, h('strong', null, '服务商状态：', label(L.supplierStatus, org.status)), text ? h('p', null, text) : null);
  }

  function requireOrg() {
    if (!orgId()) throw new ApiError(403, { detail: '当前账号未关联机构。' });
    return encodeURIComponent(orgId());
  }

  async function pageSupplierProducts(ctx) {
    const oid = requireOrg();
    const p = ctx.params;
    const data = await get(`/suppliers/${oid}/products`, { page: pageParam(p), per_page: 20 });
    const items = data?.items || [];
    const rows = items.map((x) => h('tr', null,
      h('td', null,
        linkTo(`/products/${encodeURIComponent(x.id)}`, x.name),
        h('div', { class: 'small muted' }, label(L.delivery, x.delivery), ' · ', (x.industries || []).map((i) => label(L.industry, i)).join('、')),
        x.review_comment && (x.status === 'rejected') ? h('div', { class: 'row-note alert alert-error', style: 'margin:6px 0 0;padding:6px 10px' },
          h('strong', null, '驳回意见：'), x.review_comment) : null),
      h('td', null, statusBadge(x.status, L.productStatus)),
      h('td', { class: 'num' }, h('div', null, fmtMoney(x.pilot_price_fen)), h('div', { class: 'small muted' }, h('s', null, fmtMoney(x.price_fen))), h('div', { class: 'small muted' }, priceUnitText(x.price_unit))),
      h('td', { class: 'num' }, `${fmtNum(x.deploy_days)} 天`),
      h('td', null, xkqzBadges(x.xkqz)),
      h('td', { class: 'nowrap' }, fmtTime(x.updated_at || x.created_at)),
      h('td', null, h('div', { class: 'btn-row' }, productActions(x, { inList: true }) || h('span', { class: 'muted small' }, '—')))));
    return frag(
      pageHead('服务商工作台', {
        lead: state.me?.organisation?.name,
        actions: [linkTo('/supplier/products/new', '＋ 新建产品', 'btn btn-primary')],
      }),
      supplierStatusNotice(),
      tabs(SUPPLIER_TABS, '/supplier/products'),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, '我的产品'),
        h('thead', null, h('tr', null, ['产品名称', '状态', '试点价 / 原价', '部署周期', '小快轻准', '更新时间', '操作'].map((t, i) => h('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : null }, t)))),
        h('tbody', null, rows)))
        : emptyState('还没有产品。新建产品后提交审核，审核通过即上架。', linkTo('/supplier/products/new', '新建产品', 'btn btn-primary')),
      pager(data, '/supplier/products', p, '款'));
  }

  async function pageProductForm(ctx) {
    requireOrg();
    const editing = !!ctx.args.id;
    let p = {};
    if (editing) {
      p = await get(`/products/${encodeURIComponent(ctx.args.id)}`);
      if (!isOwner(p)) throw new ApiError(404, null);
      if (p.status !== 'draft' && p.status !== 'rejected') {
        return frag(
          pageHead('编辑产品', { crumbs: [['我的产品', '/supplier/products'], [p.name]] }),
          alertBox('warn', `该产品当前状态为“${label(L.productStatus, p.status)}”，仅草稿或已驳回的产品可以编辑。`),
          linkTo(`/products/${encodeURIComponent(p.id)}`, '查看产品', 'btn'));
      }
    }

    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      p.status === 'rejected' && p.review_comment ? alertBox('error', '驳回意见', p.review_comment) : null,
      h('fieldset', { class: 'form-section' }, h('legend', null, '基本信息'),
        h('div', { class: 'form-grid' },
          field({ label: '产品名称', name: 'name', required: true, value: p.name, wide: true, attrs: { maxlength: 200 } }),
          field({ label: '一句话简介', name: 'summary', type: 'textarea', required: true, value: p.summary, wide: true, attrs: { rows: 2, maxlength: 500 }, hint: '显示在产品卡片上，建议 60 字以内' }),
          field({ label: '详细介绍', name: 'description', type: 'textarea', required: true, value: p.description, wide: true, attrs: { rows: 7, maxlength: 10000 }, hint: '功能、适用场景、实施方式、对接能力等' }),
          checkGroup({ legend: '适用行业', name: 'industries', required: true, options: options(L.industry, PRODUCT_INDUSTRIES), values: p.industries, hint: '跨行业通用产品请选择“通用”' }),
          checkGroup({ legend: '业务环节', name: 'stages', required: true, options: options(L.stage), values: p.stages }))),
      h('fieldset', { class: 'form-section' }, h('legend', null, '交付与价格'),
        h('div', { class: 'form-grid' },
          field({ label: '交付方式', name: 'delivery', type: 'select', required: true, placeholder: '请选择', options: options(L.delivery), value: p.delivery }),
          field({ label: '计价方式', name: 'price_unit', type: 'select', required: true, placeholder: '请选择', options: options(L.priceUnit), value: p.price_unit }),
          field({ label: '原价（元）', name: 'price_fen', required: true, value: fenToYuanInput(p.price_fen), attrs: { inputmode: 'decimal', autocomplete: 'off' }, hint: '最多两位小数' }),
          field({ label: '试点价（元）', name: 'pilot_price_fen', required: true, value: fenToYuanInput(p.pilot_price_fen), attrs: { inputmode: 'decimal', autocomplete: 'off' }, hint: '面向试点企业的价格，不高于原价' }),
          field({ label: '部署周期（天）', name: 'deploy_days', type: 'number', required: true, value: p.deploy_days, attrs: { min: 1, step: 1 } }))),
      h('fieldset', { class: 'form-section' }, h('legend', null, '资质与标签'),
        h('div', { class: 'form-grid' },
          field({ label: '知识产权证书', name: 'ip_certificates', type: 'textarea', value: (p.ip_certificates || []).join('\n'), attrs: { rows: 3 }, hint: '每行一项，如“软著登字第1234567号”' }),
          field({ label: '应用案例数（个）', name: 'reference_cases', type: 'number', value: p.reference_cases ?? 0, attrs: { min: 0, step: 1 } }),
          field({ label: '标签', name: 'tags', value: (p.tags || []).join('，'), hint: '用逗号分隔，如 MES，条码追溯，看板' }),
          checkbox({ label: '应用了人工智能技术（AI 赋能）', name: 'ai_powered', checked: p.ai_powered }))),
      h('p', { class: 'hint' }, '“小快轻准”标识由平台依据公开的评估规则自动计算，保存后可在产品详情中查看。'),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn', value: 'save' }, '保存草稿'),
        h('button', { type: 'submit', class: 'btn btn-primary', value: 'submit' }, '保存并提交审核'),
        linkTo('/supplier/products', '取消', 'btn btn-link')));

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const andSubmit = ev.submitter?.value === 'submit';
      const d = fd(form);
      const local = {};
      const body = {
        name: str(d, 'name'), summary: str(d, 'summary'), description: str(d, 'description'),
        industries: d.getAll('industries').map(String), stages: d.getAll('stages').map(String),
        delivery: str(d, 'delivery'), price_unit: str(d, 'price_unit'),
        price_fen: parseYuan(str(d, 'price_fen')), pilot_price_fen: parseYuan(str(d, 'pilot_price_fen')),
        deploy_days: intOrNull(str(d, 'deploy_days')),
        ip_certificates: str(d, 'ip_certificates').split('\n').map((x) => x.trim()).filter(Boolean),
        reference_cases: intOrNull(str(d, 'reference_cases')) ?? 0,
        ai_powered: d.get('ai_powered') === 'true',
        tags: splitList(str(d, 'tags')),
      };
      if (!body.name) local.name = '请填写产品名称。';
      if (!body.summary) local.summary = '请填写一句话简介。';
      if (!body.description) local.description = '请填写详细介绍。';
      if (!body.industries.length) local.industries = '请至少选择一个适用行业。';
      if (!body.stages.length) local.stages = '请至少选择一个业务环节。';
      if (!body.delivery) local.delivery = '请选择交付方式。';
      if (!body.price_unit) local.price_unit = '请选择计价方式。';
      if (Number.isNaN(body.price_fen)) local.price_fen = '请输入金额（元），最多两位小数。';
      if (Number.isNaN(body.pilot_price_fen)) local.pilot_price_fen = '请输入金额（元），最多两位小数。';
      else if (!Number.isNaN(body.price_fen) && body.pilot_price_fen > body.price_fen) local.pilot_price_fen = '试点价不能高于原价。';
      if (!Number.isInteger(body.deploy_days) || body.deploy_days < 1) local.deploy_days = '部署周期至少 1 天。';
      if (!Number.isInteger(body.reference_cases) || body.reference_cases < 0) local.reference_cases = '请输入不小于 0 的整数。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        let saved;
        try {
          saved = editing ? await patch(`/products/${encodeURIComponent(p.id)}`, body) : await api('POST', '/products', { body });
        } catch (e) {
          showFormErrors(form, e);
          return;
        }
        productCache.clear();
        const sid = encodeURIComponent(saved?.id || p.id);
        if (andSubmit) {
          try {
            await post(`/products/${sid}/submit`);
            toast('已保存并提交审核。');
          } catch (e) {
            toast(`已保存为草稿，但提交审核失败：${e.message}`, 'error');
          }
        } else {
          toast('已保存为草稿。');
        }
        go('/supplier/products');
      });
    });

    return frag(
      pageHead(editing ? '编辑产品' : '新建产品', {
        crumbs: [['我的产品', '/supplier/products'], [editing ? p.name : '新建产品']],
        lead: '保存后为草稿，提交审核通过后在产品目录上架。',
      }),
      form);
  }

  async function pageSupplierBundles(ctx) {
    const oid = requireOrg();
    const p = ctx.params;
    const data = await get(`/suppliers/${oid}/bundles`, { page: pageParam(p), per_page: 20 });
    const items = data?.items || [];
    const rows = items.map((b) => h('tr', null,
      h('td', null, h('strong', null, b.name),
        h('div', { class: 'small muted clamp', style: '-webkit-line-clamp:2' }, b.description || ''),
        b.review_comment && b.status === 'rejected' ? h('div', { class: 'row-note alert alert-error', style: 'margin:6px 0 0;padding:6px 10px' },
          h('strong', null, '驳回意见：'), b.review_comment) : null),
      h('td', null, label(L.industry, b.industry)),
      h('td', { class: 'num' }, fmtNum((b.product_ids || []).length)),
      h('td', { class: 'num' }, fmtMoney(b.price_fen)),
      h('td', null, statusBadge(b.status, L.productStatus)),
      h('td', null, (() => { const a = bundleActions(b); return a.length ? h('div', { class: 'btn-row' }, a) : h('span', { class: 'muted small' }, '—'); })())));
    return frag(
      pageHead('服务商工作台', {
        lead: state.me?.organisation?.name,
        actions: [linkTo('/supplier/bundles/new', '＋ 新建组合方案包', 'btn btn-primary')],
      }),
      supplierStatusNotice(),
      tabs(SUPPLIER_TABS, '/supplier/bundles'),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, '我的组合方案包'),
        h('thead', null, h('tr', null, ['方案包名称', '细分行业', '产品数', '方案包价', '状态', '操作'].map((t, i) => h('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : null }, t)))),
        h('tbody', null, rows)))
        : emptyState('还没有组合方案包。可将多款已上架产品组合为面向某一细分行业的整体方案。', linkTo('/supplier/bundles/new', '新建组合方案包', 'btn btn-primary')),
      pager(data, '/supplier/bundles', p, '个'));
  }

  async function pageBundleForm() {
    const oid = requireOrg();
    const all = await getAll(`/suppliers/${oid}/products`);
    const listed = all.filter((x) => x.status === 'listed');
    const head = pageHead('新建组合方案包', {
      crumbs: [['我的组合方案包', '/supplier/bundles'], ['新建']],
      lead: '将本单位多款已上架的产品组合为面向某一细分行业的整体解决方案，提交审核通过后上架。',
    });
    if (listed.length < 2) {
      return frag(head, alertBox('warn', '已上架产品不足', '组合方案包中的产品须均已上架，且至少包含 2 款产品。请先提交产品审核。'),
        linkTo('/supplier/products', '前往我的产品', 'btn'));
    }
    const sumEl = h('strong', null, fmtMoney(0));
    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('div', { class: 'form-grid' },
        field({ label: '方案包名称', name: 'name', required: true, wide: true, attrs: { maxlength: 200 } }),
        field({ label: '面向细分行业', name: 'industry', type: 'select', required: true, placeholder: '请选择', options: options(L.industry, SEGMENTS) }),
        field({ label: '方案包价（元）', name: 'price_fen', required: true, attrs: { inputmode: 'decimal', autocomplete: 'off' }, hint: '整包价格，最多两位小数' }),
        field({ label: '方案说明', name: 'description', type: 'textarea', required: true, wide: true, attrs: { rows: 5, maxlength: 10000 }, hint: '解决的问题、实施路径、各产品如何协同' }),
        h('fieldset', { class: 'field field-wide', 'data-field': 'product_ids' },
          h('legend', null, '包含产品', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
          h('div', { class: 'table-wrap' }, h('table', null,
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, '选择')), h('th', { scope: 'col' }, '产品'), h('th', { scope: 'col' }, '适用行业'), h('th', { scope: 'col', class: 'num' }, '试点价'))),
            h('tbody', null, listed.map((x) => {
              const cid = uid('pc');
              return h('tr', null,
                h('td', null, h('input', { type: 'checkbox', id: cid, name: 'product_ids', value: x.id, dataset: { price: String(x.pilot_price_fen ?? 0) } })),
                h('td', null, h('label', { for: cid }, x.name)),
                h('td', null, (x.industries || []).map((i) => label(L.industry, i)).join('、')),
                h('td', { class: 'num' }, fmtMoney(x.pilot_price_fen), h('div', { class: 'small muted' }, priceUnitText(x.price_unit))));
            })))),
          h('p', { class: 'hint' }, '至少选择 2 款。所选产品试点价合计：', sumEl))),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn', value: 'save' }, '保存草稿'),
        h('button', { type: 'submit', class: 'btn btn-primary', value: 'submit' }, '保存并提交审核'),
        linkTo('/supplier/bundles', '取消', 'btn btn-link')));

    form.addEventListener('change', () => {
      const sum = [...form.querySelectorAll('input[name=product_ids]:checked')].reduce((a, el) => a + Number(el.dataset.price || 0), 0);
      sumEl.textContent = fmtMoney(sum);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const andSubmit = ev.submitter?.value === 'submit';
      const d = fd(form);
      const body = {
        name: str(d, 'name'), industry: str(d, 'industry'), description: str(d, 'description'),
        product_ids: d.getAll('product_ids').map(String), price_fen: parseYuan(str(d, 'price_fen')),
      };
      const local = {};
      if (!body.name) local.name = '请填写方案包名称。';
      if (!body.industry) local.industry = '请选择细分行业。';
      if (!body.description) local.description = '请填写方案说明。';
      if (body.product_ids.length < 2) local.product_ids = '请至少选择 2 款已上架产品。';
      if (Number.isNaN(body.price_fen)) local.price_fen = '请输入金额（元），最多两位小数。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        let saved;
        try {
          saved = await api('POST', '/bundles', { body });
        } catch (e) {
          showFormErrors(form, e);
          return;
        }
        if (andSubmit && saved?.id) {
          try {
            await post(`/bundles/${encodeURIComponent(saved.id)}/submit`);
            toast('已保存并提交审核。');
          } catch (e) {
            toast(`已保存为草稿，但提交审核失败：${e.message}`, 'error');
          }
        } else {
          toast('已保存为草稿。');
        }
        go('/supplier/bundles');
      });
    });
    return frag(head, form);
  }

  // ---------------------------------------------------------------------------
  // Pages: review queue (reviewers and organisers)
  // ---------------------------------------------------------------------------

  const REVIEW_TABS = [['/review/products', '待审核产品'], ['/review/bundles', '待审核方案包']];

  function reviewProductCard(p) {
    return h('article', { class: 'card review-card' },
      h('div', { class: 'card-top' },
        h('div', { class: 'title-row' },
          h('h3', null, role() === 'organiser' ? linkTo(`/products/${encodeURIComponent(p.id)}`, p.name) : p.name),
          statusBadge(p.status, L.productStatus)),
        xkqzBadges(p.xkqz)),
      h('p', { class: 'card-sub' }, p.supplier_id ? linkTo(`/suppliers/${encodeURIComponent(p.supplier_id)}`, p.supplier_name || '服务商') : (p.supplier_name || ''),
        p.updated_at ? ` · 提交于 ${fmtTime(p.updated_at)}` : ''),
      h('p', { style: 'margin:0' }, p.summary || ''),
      h('dl', { class: 'facts' },
        [
          ['试点价', `${fmtMoney(p.pilot_price_fen)}（${priceUnitText(p.price_unit)}）`],
          ['原价', fmtMoney(p.price_fen)],
          ['部署周期', `${fmtNum(p.deploy_days)} 天`],
          ['交付方式', label(L.delivery, p.delivery)],
          ['应用案例', `${fmtNum(p.reference_cases ?? 0)} 个`],
          ['AI 赋能', p.ai_powered ? '是' : '否'],
        ].map(([k, v]) => h('div', null, h('dt', null, k + '：'), h('dd', null, v)))),
      chips(p.industries, L.industry, 'chip chip-industry'),
      chips(p.stages, L.stage),
      h('details', null, h('summary', null, '查看详细介绍、知识产权与标签'),
        h('p', { class: 'pre-wrap small' }, p.description || '—'),
        kv([
          ['知识产权', p.ip_certificates?.length ? h('ul', { class: 'list-plain' }, p.ip_certificates.map((c) => h('li', null, c))) : '无'],
          ['标签', chips(p.tags, {}) || '—'],
        ], 'kv kv-compact')),
      p.review_comment ? alertBox('info', '上次审核意见', p.review_comment) : null,
      h('div', { class: 'card-foot' }, h('span', { class: 'small muted' }, '请核对价格、资质与介绍的真实性'),
        h('div', { class: 'btn-row' }, p.status === 'submitted' ? reviewButtons(`/products/${encodeURIComponent(p.id)}/review`, p.name) : null)));
  }

  async function pageReviewProducts(ctx) {
    const p = ctx.params;
    const data = await get('/review/products', { page: pageParam(p), per_page: 10 });
    const items = data?.items || [];
    return frag(
      pageHead('审核队列', { lead: '对服务商提交的产品和组合方案包进行审核。驳回时须填写意见。' }),
      tabs(REVIEW_TABS, '/review/products'),
      items.length ? h('div', { class: 'grid', style: 'grid-template-columns:1fr' }, items.map(reviewProductCard))
        : emptyState('暂无待审核的产品。'),
      pager(data, '/review/products', p, '项'));
  }

  async function pageReviewBundles(ctx) {
    const p = ctx.params;
    const data = await get('/review/bundles', { page: pageParam(p), per_page: 10 });
    const items = data?.items || [];
    return frag(
      pageHead('审核队列', { lead: '对服务商提交的产品和组合方案包进行审核。驳回时须填写意见。' }),
      tabs(REVIEW_TABS, '/review/bundles'),
      items.length ? h('div', { class: 'grid' }, items.map((b) => bundleCard(b, { showStatus: true, eager: true })))
        : emptyState('暂无待审核的组合方案包。'),
      pager(data, '/review/bundles', p, '项'));
  }

  // ---------------------------------------------------------------------------
  // Pages: organiser
  // ---------------------------------------------------------------------------

  const VETTING_ACTIONS = {
    pending: ['approve', 'remove'],
    vetted: ['suspend', 'remove'],
    suspended: ['reinstate', 'remove'],
    removed: [],
  };

  async function pageAdminSuppliers(ctx) {
    const p = ctx.params;
    const status = p.get('status') || 'pending';
    const data = await get('/suppliers', { status, page: pageParam(p), per_page: 20 });
    const items = data?.items || [];

    const vetButton = (s, decision) => {
      const danger = decision === 'remove' || decision === 'suspend';
      return h('button', {
        type: 'button', class: `btn btn-sm ${danger ? 'btn-danger' : 'btn-primary'}`,
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const msg = {
            approve: '认证通过后，该服务商已通过审核的产品将在目录中展示。',
            suspend: '暂停后，该服务商的产品将从目录搜索中撤下，直至恢复。',
            reinstate: '恢复后，该服务商已上架的产品重新在目录中展示。',
            remove: '移除后，该服务商将退出服务商名录。此操作请谨慎。',
          }[decision];
          const reason = await promptDialog({
            title: `${L.vetting[decision]}：${s.name}`, message: msg,
            inputLabel: danger ? '原因' : '说明（可选）', required: danger,
            confirmText: L.vetting[decision], danger,
          });
          if (reason !== null) act(btn, () => post(`/suppliers/${encodeURIComponent(s.id)}/vetting`, { decision, reason }), `已${L.vetting[decision]}。`);
        },
      }, L.vetting[decision]);
    };

    const rows = items.map((s) => h('tr', null,
      h('td', null, linkTo(`/suppliers/${encodeURIComponent(s.id)}`, s.name),
        s.description ? h('div', { class: 'small muted clamp', style: '-webkit-line-clamp:2' }, s.description) : null),
      h('td', null, h('span', { class: 'mono' }, s.credit_code || '—')),
      h('td', { class: 'nowrap' }, label(L.supplierKind, s.kind)),
      h('td', null, (s.industries || []).map((i) => label(L.industry, i)).join('、') || '—'),
      h('td', null, s.contact_email ? h('a', { href: 'mailto:' + s.contact_email }, s.contact_email) : '—'),
      h('td', { class: 'nowrap' }, fmtTime(s.created_at)),
      h('td', null, statusBadge(s.status, L.supplierStatus)),
      h('td', null, h('div', { class: 'btn-row' }, (VETTING_ACTIONS[s.status] || []).map((d) => vetButton(s, d))))));

    return frag(
      pageHead('服务商审核', { lead: '审核新入驻服务商资质，管理已认证服务商的暂停、恢复与移除。' }),
      tabs(Object.keys(L.supplierStatus).map((k) => [`/admin/suppliers?status=${k}`, L.supplierStatus[k]]), `/admin/suppliers?status=${status}`),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, `${label(L.supplierStatus, status)}服务商`),
        h('thead', null, h('tr', null, ['单位名称', '统一社会信用代码', '类型', '服务行业', '联系邮箱', '注册时间', '状态', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows)))
        : emptyState(`暂无“${label(L.supplierStatus, status)}”状态的服务商。`),
      pager(data, '/admin/suppliers', p, '家'));
  }

  function digitalLevelText(v) {
    return v ? `${L.digitalLevel[v] || v}` : '—';
  }

  async function pageAdminEnterprises(ctx) {
    const p = ctx.params;
    const data = await get('/enterprises', {
      industry: p.get('industry'), district: p.get('district'), digital_level: p.get('digital_level'),
      page: pageParam(p), per_page: 20,
    });
    const items = data?.items || [];
    const form = h('form', { class: 'panel filter-panel', 'aria-label': '企业筛选' },
      h('div', { class: 'filter-grid' },
        field({ label: '细分行业', name: 'industry', type: 'select', placeholder: '全部行业', options: options(L.industry, ENTERPRISE_INDUSTRIES), value: p.get('industry') || '' }),
        field({ label: '所在区域', name: 'district', type: 'select', placeholder: '全部区域', options: DISTRICTS.map((d) => [d, d]), value: p.get('district') || '' }),
        field({ label: '数字化水平', name: 'digital_level', type: 'select', placeholder: '全部', options: [1, 2, 3, 4].map((n) => [String(n), L.digitalLevel[n]]), value: p.get('digital_level') || '' })));
    const submit = () => {
      const d = fd(form);
      go('/admin/enterprises', { industry: str(d, 'industry'), district: str(d, 'district'), digital_level: str(d, 'digital_level') });
    };
    form.addEventListener('change', submit);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });

    const levelEditor = (e) => {
      const sid = uid('dl');
      const sel = h('select', { id: sid, value: e.digital_level ? String(e.digital_level) : '' },
        h('option', { value: '' }, '未评定'),
        [1, 2, 3, 4].map((n) => h('option', { value: String(n) }, L.digitalLevel[n])));
      const btn = h('button', {
        type: 'submit', class: 'btn btn-sm',
      }, '保存');
      const f = h('form', { class: 'inline-form' }, h('label', { class: 'sr-only', for: sid }, `${e.name}的数字化水平`), sel, btn);
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (!sel.value) { toast('请选择数字化水平。', 'error'); return; }
        act(btn, () => patch(`/enterprises/${encodeURIComponent(e.id)}`, { digital_level: Number(sel.value) }), '数字化水平已更新。');
      });
      return f;
    };

    const rows = items.map((e) => h('tr', null,
      h('td', null, linkTo(`/enterprises/${encodeURIComponent(e.id)}`, e.name), h('div', { class: 'small muted mono' }, e.credit_code || '')),
      h('td', { class: 'nowrap' }, label(L.industry, e.industry)),
      h('td', { class: 'nowrap' }, e.district || '—'),
      h('td', { class: 'num' }, fmtNum(e.employees)),
      h('td', { class: 'num' }, e.annual_revenue_wan != null ? `${fmtNum(e.annual_revenue_wan)} 万元` : '—'),
      h('td', null, label(L.specialised, e.specialised)),
      h('td', { class: 'nowrap' }, digitalLevelText(e.digital_level_baseline)),
      h('td', null, levelEditor(e)),
      h('td', null, e.contact_name || '—', e.contact_phone ? h('div', { class: 'small muted' }, e.contact_phone) : null)));

    return frag(
      pageHead('企业档案', { lead: '试点中小企业“一企一档”。数字化水平由主管部门依据评测结果评定（转型后应达到二级及以上）。' }),
      form,
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, '企业列表'),
        h('thead', null, h('tr', null, ['企业名称', '细分行业', '区域', '从业人员', '营业收入', '专精特新', '基线水平', '当前数字化水平', '联系人'].map((t, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : null }, t)))),
        h('tbody', null, rows)))
        : emptyState('没有符合条件的企业。'),
      pager(data, '/admin/enterprises', p, '家'));
  }

  // Shared by "我的企业档案" (enterprise) and an organiser opening one enterprise.
  async function enterpriseProfile(id, { mine }) {
    const e = await get(`/enterprises/${encodeURIComponent(id)}`);
    const organiser = role() === 'organiser';
    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('fieldset', { class: 'form-section' }, h('legend', null, '基本信息'),
        h('div', { class: 'form-grid' }, enterpriseOrgFields(e, { withBaseline: false }).filter(Boolean).map((el) => {
          // Error keys for PATCH are plain field names.
          if (el.dataset?.field) el.dataset.field = el.dataset.field.replace(/^organisation\./, '');
          return el;
        }))),
      h('fieldset', { class: 'form-section' }, h('legend', null, '数字化水平'),
        organiser
          ? h('div', { class: 'form-grid' },
            field({ label: '基线水平（转型前）', name: 'digital_level_baseline', type: 'select', placeholder: '未评定', options: [1, 2, 3, 4].map((n) => [String(n), L.digitalLevel[n]]), value: e.digital_level_baseline ? String(e.digital_level_baseline) : '' }),
            field({ label: '当前数字化水平', name: 'digital_level', type: 'select', placeholder: '未评定', options: [1, 2, 3, 4].map((n) => [String(n), L.digitalLevel[n]]), value: e.digital_level ? String(e.digital_level) : '' }))
          : h('div', null,
            kv([['基线水平（转型前）', digitalLevelText(e.digital_level_baseline)], ['当前数字化水平', digitalLevelText(e.digital_level)]]),
            h('p', { class: 'hint', style: 'margin-top:8px' }, '数字化水平由主管部门依据中小企业数字化水平评测结果评定，企业不可自行修改。'))),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, '保存修改'),
        organiser ? linkTo('/admin/enterprises', '返回企业列表', 'btn btn-link') : null));

    const numFields = new Set(['employees', 'annual_revenue_wan', 'digital_level', 'digital_level_baseline']);
    const editable = ['name', 'credit_code', 'industry', 'district', 'employees', 'annual_revenue_wan', 'specialised', 'contact_name', 'contact_phone', 'contact_email'];
    if (organiser) editable.push('digital_level', 'digital_level_baseline');

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const body = {};
      const local = {};
      for (const k of editable) {
        let v = str(d, k);
        if (k === 'credit_code') v = v.toUpperCase();
        if (v === '') {
          if (!k.startsWith('digital_level')) local[k] = '此项不能为空。';
          continue;
        }
        const value = numFields.has(k) ? Number(v) : v;
        if (numFields.has(k) && !Number.isFinite(value)) { local[k] = '请输入数字。'; continue; }
        if (value !== e[k]) body[k] = value;
      }
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      if (!Object.keys(body).length) { toast('没有需要保存的修改。', 'info'); return; }
      busy(form, async () => {
        try {
          await patch(`/enterprises/${encodeURIComponent(e.id)}`, body);
          toast('企业档案已保存。');
          if (mine) await loadMe();
          renderChrome();
          render({ focus: false });
        } catch (err) {
          showFormErrors(form, err);
        }
      });
    });

    return frag(
      pageHead(mine ? '我的企业档案' : e.name, {
        crumbs: mine ? null : [['企业档案', '/admin/enterprises'], [e.name]],
        lead: mine ? `${e.name} · 一企一档` : `统一社会信用代码 ${e.credit_code || '—'}`,
      }),
      h('div', { class: 'tiles' },
        tile('细分行业', label(L.industry, e.industry)),
        tile('专精特新', label(L.specialised, e.specialised)),
        tile('当前数字化水平', digitalLevelText(e.digital_level), true),
        tile('建档时间', fmtTime(e.created_at))),
      form);
  }

  function tile(labelText, value, accent) {
    return h('div', { class: 'tile' + (accent ? ' accent' : '') },
      h('div', { class: 'tile-label' }, labelText), h('div', { class: 'tile-value', style: 'font-size:18px' }, value));
  }

  // ----- statistics: render any JSON object as tiles / tables -----

  const STAT_KEYS = {
    enterprises: '企业', suppliers: '服务商', vetted_suppliers: '已认证服务商', products: '产品',
    listed_products: '已上架产品', bundles: '组合方案包', listed_bundles: '已上架方案包', orders: '订单',
    orders_by_status: '订单（按状态）', events: '宣讲对接活动', events_held: '已举办活动', needs: '需求',
    by_industry: '按细分行业', counts_by_industry: '按细分行业统计', industries: '细分行业',
    targets: '试点目标', target: '目标值', actual: '实际值', current: '当前值', count: '数量', total: '合计',
    held: '已举办', value: '数值', achieved: '已完成', progress: '完成率', ratio: '完成率', percent: '百分比',
    enterprises_digital_level_2_plus: '数字化水平二级及以上企业', digital_level_2_plus: '数字化水平二级及以上企业',
    enterprises_at_level_2_or_above: '数字化水平二级及以上企业', enterprises_level_2_plus: '数字化水平二级及以上企业',
    digital_level: '数字化水平', district: '区域', industry: '细分行业', by_digital_level: '按数字化水平', users: '用户', generated_at: '统计时间',
    as_of: '统计时间', updated_at: '更新时间', supplier_status: '服务商状态', by_status: '按状态', status: '状态',
    registrations: '报名人数', matches: '匹配数', contracts: '签约数', completed: '已完成', placed: '已下单',
  };

  function statLabel(k) {
    const key = String(k);
    if (STAT_KEYS[key]) return STAT_KEYS[key];
    for (const m of [L.industry, L.orderStatus, L.productStatus, L.supplierStatus, L.eventStatus, L.role, L.stage, L.supplierKind, L.digitalLevel]) {
      if (Object.prototype.hasOwnProperty.call(m, key)) return m[key];
    }
    // Compound keys: listed_products, vetted_suppliers, enterprises_total, by_district, ...
    let m;
    if ((m = /^(.+)_total$|^total_(.+)$/.exec(key))) return `${statLabel(m[1] || m[2])}总数`;
    if ((m = /^(.+)_count$|^count_(.+)$/.exec(key))) return `${statLabel(m[1] || m[2])}数量`;
    if ((m = /^(.+)_target$|^target_(.+)$/.exec(key))) return `${statLabel(m[1] || m[2])}目标`;
    if ((m = /^by_(.+)$/.exec(key))) return `按${statLabel(m[1])}`;
    if ((m = /^(listed|vetted|held|published|completed|open)_(.+)$/.exec(key))) {
      const pre = { listed: '已上架', vetted: '已认证', held: '已举办', published: '已发布', completed: '已完成', open: '进行中' }[m[1]];
      const rest = statLabel(m[2]);
      if (rest !== m[2]) return pre + rest;
    }
    return key;
  }

  const ENUM_MAPS = [L.industry, L.orderStatus, L.productStatus, L.supplierStatus, L.eventStatus, L.stage, L.supplierKind, L.digitalLevel, L.role];
  const isEnumKeys = (keys) => keys.length > 1 && ENUM_MAPS.some((m) => keys.every((k) => Object.prototype.hasOwnProperty.call(m, k)));

  const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const isPrimitive = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

  function statValue(v, key) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return v ? '是' : '否';
    if (typeof v === 'number') {
      if (key && /_fen$/.test(key)) return fmtMoney(v);
      if (key && /(ratio|rate|progress)$/.test(key) && v <= 1.0001 && !Number.isInteger(v)) return `${(v * 100).toFixed(1)}%`;
      return fmtNum(v);
    }
    if (isTimeString(v)) return fmtTime(v);
    if (typeof v === 'string') return statLabel(v);
    if (Array.isArray(v) && v.every(isPrimitive)) return v.map((x) => statValue(x)).join('、') || '—';
    return renderStats(v, 4);
  }

  // {target: 500, actual: 120} (or exactly one other number) → progress description.
  function progressOf(obj) {
    if (!isPlainObject(obj) || typeof obj.target !== 'number') return null;
    const pref = ['actual', 'current', 'achieved', 'held', 'count', 'value', 'done', 'reached', 'total'];
    let key = pref.find((k) => typeof obj[k] === 'number');
    if (!key) {
      const others = Object.keys(obj).filter((k) => k !== 'target' && typeof obj[k] === 'number' && !/(ratio|rate|progress|percent)$/.test(k));
      if (others.length === 1) key = others[0];
    }
    if (!key) return null;
    return { value: obj[key], target: obj.target, key };
  }

  function progressBar(value, target) {
    const pct = target > 0 ? Math.min(100, (value / target) * 100) : 0;
    return h('div', { class: 'progress' },
      h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(target), 'aria-valuenow': String(value), 'aria-label': '完成进度' },
        h('span', { style: `width:${pct.toFixed(1)}%` })),
      h('div', { class: 'progress-text' }, `${fmtNum(value)} / ${fmtNum(target)}（${target > 0 ? ((value / target) * 100).toFixed(1) : '0'}%）`));
  }

  function kvTable(obj, captionText) {
    const entries = Object.entries(obj);
    const nums = entries.map(([, v]) => v).filter((v) => typeof v === 'number');
    const allNum = nums.length === entries.length && entries.length > 1;
    const max = allNum ? Math.max(...nums, 0) : 0;
    const withTotal = allNum && isEnumKeys(entries.map(([k]) => k));
    return h('div', { class: 'table-wrap' }, h('table', null,
      captionText ? h('caption', null, captionText) : null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, '项目'), h('th', { scope: 'col', class: allNum ? 'num' : null }, '数值'), allNum ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, '占比')) : null)),
      h('tbody', null, entries.map(([k, v]) => h('tr', null,
        h('th', { scope: 'row' }, statLabel(k)),
        h('td', { class: typeof v === 'number' ? 'num' : null }, statValue(v, k)),
        allNum ? h('td', { style: 'width:40%' }, h('div', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${max ? ((v / max) * 100).toFixed(1) : 0}%` }))) : null))),
      withTotal ? h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, '合计'), h('td', { class: 'num' }, fmtNum(nums.reduce((a, b) => a + b, 0))), h('td'))) : null));
  }

  // Rows = outer keys, columns = union of inner keys (e.g. industry × counts).
  function matrixTable(obj, captionText) {
    const rows = Object.entries(obj);
    const cols = [];
    rows.forEach(([, inner]) => Object.keys(inner).forEach((c) => { if (!cols.includes(c)) cols.push(c); }));
    const numericCol = (c) => rows.every(([, inner]) => inner[c] === undefined || inner[c] === null || typeof inner[c] === 'number');
    const totals = cols.map((c) => (numericCol(c) && !/(ratio|rate|progress|percent|target)$/.test(c)
      ? rows.reduce((a, [, inner]) => a + (Number(inner[c]) || 0), 0) : null));
    return h('div', { class: 'table-wrap' }, h('table', null,
      captionText ? h('caption', null, captionText) : null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, '类别'), cols.map((c) => h('th', { scope: 'col', class: numericCol(c) ? 'num' : null }, statLabel(c))))),
      h('tbody', null, rows.map(([k, inner]) => h('tr', null,
        h('th', { scope: 'row' }, statLabel(k)),
        cols.map((c) => h('td', { class: numericCol(c) ? 'num' : null }, inner[c] === undefined ? '—' : statValue(inner[c], c)))))),
      isEnumKeys(rows.map(([k]) => k)) && totals.some((t) => t !== null)
        ? h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, '合计'), totals.map((t) => h('td', { class: 'num' }, t === null ? '' : fmtNum(t)))))
        : null));
  }

  function arrayTable(arr, captionText) {
    const cols = [];
    arr.forEach((row) => Object.keys(row).forEach((c) => { if (!cols.includes(c)) cols.push(c); }));
    return h('div', { class: 'table-wrap' }, h('table', null,
      captionText ? h('caption', null, captionText) : null,
      h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, statLabel(c))))),
      h('tbody', null, arr.map((row) => h('tr', null, cols.map((c) => h('td', { class: typeof row[c] === 'number' ? 'num' : null }, row[c] === undefined ? '—' : statValue(row[c], c))))))));
  }

  function renderStats(value, depth = 2, title) {
    const heading = (t) => (t ? h(depth <= 2 ? 'h2' : 'h3', null, t) : null);
    if (isPrimitive(value)) return h('p', null, statValue(value));
    if (Array.isArray(value)) {
      if (!value.length) return h('div', { class: 'stats-block' }, heading(title), h('p', { class: 'muted' }, '暂无数据'));
      if (value.every(isPlainObject)) return h('div', { class: 'stats-block' }, heading(title), arrayTable(value));
      return h('div', { class: 'stats-block' }, heading(title), h('p', null, statValue(value)));
    }
    const entries = Object.entries(value);
    const prog = progressOf(value);
    if (prog) {
      return h('div', { class: 'stats-block' }, heading(title),
        h('div', { class: 'tile accent' }, h('div', { class: 'tile-label' }, `${statLabel(prog.key)} / 目标`),
          h('div', { class: 'tile-value' }, fmtNum(prog.value)), progressBar(prog.value, prog.target)));
    }
    if (entries.every(([, v]) => isPrimitive(v) || (Array.isArray(v) && v.every(isPrimitive)))) {
      return h('div', { class: 'stats-block' }, heading(title), kvTable(value));
    }
    if (entries.length && entries.every(([, v]) => isPlainObject(v) && Object.values(v).every(isPrimitive) && !progressOf(v))) {
      return h('div', { class: 'stats-block' }, heading(title), matrixTable(value));
    }
    // Mixed: scalar values become tiles, progress objects become progress tiles, the rest sections.
    const scalars = entries.filter(([, v]) => isPrimitive(v));
    const progress = entries.filter(([, v]) => progressOf(v));
    const rest = entries.filter(([, v]) => !isPrimitive(v) && !progressOf(v));
    return h('div', { class: 'stats-block' }, heading(title),
      scalars.length || progress.length ? h('div', { class: 'tiles' },
        progress.map(([k, v]) => {
          const pr = progressOf(v);
          return h('div', { class: 'tile accent' }, h('div', { class: 'tile-label' }, statLabel(k)),
            h('div', { class: 'tile-value' }, fmtNum(pr.value)), progressBar(pr.value, pr.target));
        }),
        scalars.map(([k, v]) => h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, statLabel(k)), h('div', { class: 'tile-value' }, statValue(v, k))))) : null,
      rest.map(([k, v]) => (depth <= 2 ? h('section', { class: 'panel' }, renderStats(v, depth + 1, statLabel(k))) : renderStats(v, depth + 1, statLabel(k)))));
  }

  async function pageStats() {
    const data = await get('/stats');
    return frag(
      pageHead('试点数据', {
        lead: '中小企业数字化转型城市试点工作进展：企业、服务商、产品、订单与活动的统计，以及试点目标完成情况。',
        actions: [h('button', { type: 'button', class: 'btn', onClick: () => render({ focus: false }) }, '刷新')],
      }),
      isPlainObject(data) || Array.isArray(data) ? renderStats(data, 1) : emptyState('暂无统计数据。'));
  }

  async function pageUsers() {
    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('fieldset', { class: 'form-section', 'data-field': 'role' },
        h('legend', null, '账号角色'),
        h('div', { class: 'role-switch' },
          h('label', { class: 'role-option' }, h('input', { type: 'radio', name: 'role', value: 'reviewer', checked: true }),
            h('div', null, h('strong', null, '评审专家'), h('span', null, '审核产品和组合方案包'))),
          h('label', { class: 'role-option' }, h('input', { type: 'radio', name: 'role', value: 'organiser' }),
            h('div', null, h('strong', null, '主管部门'), h('span', null, '全部管理权限：服务商审核、企业档案、试点数据、账号管理'))))),
      h('fieldset', { class: 'form-section' },
        h('legend', null, '账号信息'),
        h('div', { class: 'form-grid' },
          field({ label: '姓名 / 显示名称', name: 'display_name', required: true, attrs: { maxlength: 100, autocomplete: 'off' } }),
          field({ label: '登录邮箱', name: 'email', type: 'email', required: true, attrs: { maxlength: 200, autocomplete: 'off' } }),
          field({ label: '初始密码', name: 'password', type: 'password', required: true, hint: '至少 10 个字符，请通过安全渠道告知本人', attrs: { minlength: 10, autocomplete: 'new-password' } }))),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '创建账号')));

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const body = {
        email: str(d, 'email'), password: String(d.get('password') || ''), display_name: str(d, 'display_name'),
        role: str(d, 'role') || 'reviewer',
      };
      const local = {};
      if (!body.display_name) local.display_name = '请填写姓名或显示名称。';
      if (!body.email) local.email = '请填写登录邮箱。';
      if (body.password.length < 10) local.password = '密码至少 10 个字符。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        try {
          const res = await api('POST', '/users', { body });
          const u = res?.user || res || {};
          state.createdUsers.unshift({ email: u.email || body.email, display_name: u.display_name || body.display_name, role: u.role || body.role, at: new Date().toISOString() });
          toast(`已创建${label(L.role, body.role)}账号：${body.email}`);
          render({ focus: false });
        } catch (e) {
          showFormErrors(form, e);
        }
      });
    });

    return frag(
      pageHead('账号管理', { lead: '为主管部门工作人员和评审专家开设账号。企业和服务商请自行注册。' }),
      form,
      state.createdUsers.length ? h('section', { class: 'section' }, h('h2', null, '本次创建的账号'),
        h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, ['姓名', '邮箱', '角色', '创建时间'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, state.createdUsers.map((u) => h('tr', null,
            h('td', null, u.display_name), h('td', null, u.email), h('td', null, label(L.role, u.role)), h('td', null, fmtTime(u.at)))))))) : null);
  }

  // ---------------------------------------------------------------------------
  // Pages: 宣讲对接活动 (events) and registrations
  // ---------------------------------------------------------------------------

  const isMember = () => role() === 'enterprise' || role() === 'supplier';
  const eventPath = (id) => `/events/${encodeURIComponent(id)}`;
  const eventEnded = (e) => e.status === 'completed' || (!!e.ends_at && Date.parse(e.ends_at) <= Date.now());
  const eventOpen = (e) => e.status === 'published' && !eventEnded(e);
  const seatsLeft = (e) => Math.max(0, Number(e.capacity || 0) - Number(e.registered || 0));
  const industriesText = (list) => (list || []).map((i) => label(L.industry, i)).join('、') || '—';
  const httpUrl = (u) => typeof u === 'string' && /^https?:\/\//i.test(u.trim());

  // Status as a reader cares about it: open with seats, open for the waitlist, over, cancelled.
  function eventBadges(e, { withStatus } = {}) {
    const out = [];
    if (withStatus || e.status !== 'published') out.push(statusBadge(e.status, L.eventStatus, EVENT_TONE));
    if (e.status === 'published') {
      if (eventEnded(e)) out.push(badge('已结束', 'grey'));
      else if (seatsLeft(e) > 0) out.push(badge('报名中', 'blue'));
      else out.push(badge('名额已满 · 可候补', 'amber'));
    }
    if (e.online_url) out.push(badge('可线上参与', 'grey'));
    return out;
  }

  function seatSummary(e) {
    const left = seatsLeft(e);
    const base = left > 0 ? `剩余名额 ${fmtNum(left)} / ${fmtNum(e.capacity)}` : `名额已满（共 ${fmtNum(e.capacity)} 个）`;
    return e.waitlisted ? `${base} · 候补 ${fmtNum(e.waitlisted)} 人` : base;
  }

  function seatMeter(e) {
    const cap = Number(e.capacity || 0);
    const reg = Number(e.registered || 0);
    const pct = cap > 0 ? Math.min(100, (reg / cap) * 100) : 0;
    return h('div', { class: 'progress' },
      h('div', {
        class: 'bar', role: 'progressbar', 'aria-label': '已报名人数',
        'aria-valuemin': '0', 'aria-valuemax': String(cap), 'aria-valuenow': String(Math.min(reg, cap)),
      }, h('span', { style: `width:${pct.toFixed(1)}%` })),
      h('div', { class: 'progress-text' }, `已报名 ${fmtNum(reg)} 人`, e.waitlisted ? `，候补 ${fmtNum(e.waitlisted)} 人` : ''));
  }

  function eventCard(e) {
    const organiser = role() === 'organiser';
    return h('article', { class: 'card event-card' },
      h('div', { class: 'card-top' }, h('div', { class: 'chips' }, eventBadges(e, { withStatus: organiser }))),
      h('h3', null, linkTo(eventPath(e.id), e.title)),
      h('dl', { class: 'event-meta' },
        h('div', null, h('dt', null, '时间'), h('dd', null, fmtRange(e.starts_at, e.ends_at))),
        h('div', null, h('dt', null, '地点'), h('dd', null, e.venue || '—'))),
      e.description ? h('p', { class: 'clamp pre-wrap' }, e.description) : null,
      chips(e.industries, L.industry, 'chip chip-industry'),
      h('div', { class: 'card-foot' },
        h('span', { class: 'small muted' }, e.status === 'draft' ? `名额 ${fmtNum(e.capacity)} 个（未发布）` : seatSummary(e)),
        linkTo(eventPath(e.id), eventOpen(e) && isMember() ? '查看并报名 ›' : '查看详情 ›', 'btn btn-sm')));
  }

  async function pageEvents(ctx) {
    const p = ctx.params;
    const data = await get('/events', { page: pageParam(p), per_page: 12 });
    const items = data?.items || [];
    const organiser = role() === 'organiser';
    return frag(
      pageHead('宣讲对接活动', {
        lead: '主管部门组织的数字化转型政策宣讲与供需对接活动。企业用户和服务商登录后可在线报名；名额已满时可登记候补，有人取消时按报名先后自动递补。',
        actions: organiser ? [linkTo('/events/new', '＋ 新建活动', 'btn btn-primary')] : null,
      }),
      organiser ? alertBox('info', null, '草稿和已取消的活动仅主管部门可见。活动发布后，系统向所选细分行业的企业和服务商用户发送活动通知。') : null,
      !state.me ? h('p', { class: 'small muted' }, '企业用户和服务商',
        h('a', { href: buildHash('/login', { next: '/events' }) }, '登录'), '后可报名参加活动。') : null,
      items.length
        ? h('div', { class: 'grid' }, items.map(eventCard))
        : emptyState(organiser ? '还没有活动。' : '暂无已发布的活动，敬请关注。',
          organiser ? linkTo('/events/new', '新建活动', 'btn btn-primary') : null),
      pager(data, '/events', p, '场'));
  }

  // Organiser buttons: edit, publish, cancel — by status.
  function eventAdminActions(e) {
    const eid = encodeURIComponent(e.id);
    const out = [];
    const live = e.status === 'draft' || e.status === 'published';
    if (live) out.push(linkTo(`/events/${eid}/edit`, '编辑', 'btn'));
    if (e.status === 'draft') {
      out.push(h('button', {
        type: 'button', class: 'btn btn-primary',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const ok = await confirmDialog('发布活动',
            `发布后，“${e.title}”将公开展示并开放报名，同时向细分行业（${industriesText(e.industries)}）的全部企业和服务商用户发送活动通知（已在通知设置中退订的除外）。发布后不能撤回为草稿。`,
            '确认发布');
          if (ok) act(btn, () => post(`/events/${eid}/publish`), '活动已发布，活动通知正在发送。');
        },
      }, '发布'));
    }
    if (live) {
      const people = Number(e.registered || 0) + Number(e.waitlisted || 0);
      out.push(h('button', {
        type: 'button', class: 'btn btn-danger',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const msg = e.status === 'published'
            ? `确认取消“${e.title}”？系统将向全部已报名（${fmtNum(e.registered || 0)} 人）和候补（${fmtNum(e.waitlisted || 0)} 人）人员发送活动取消通知。取消后不能恢复。`
            : `确认取消草稿活动“${e.title}”？取消后不能恢复，也不能再发布。`;
          if (await confirmDialog('取消活动', msg, '确认取消活动', true)) {
            act(btn, () => post(`/events/${eid}/cancel`),
              e.status === 'published' && people ? '活动已取消，正在通知报名人员。' : '活动已取消。');
          }
        },
      }, '取消活动'));
    }
    return out;
  }

  // The side box: seats, the caller's registration and the matching button.
  function registrationBox(e, mine) {
    const eid = encodeURIComponent(e.id);
    const left = seatsLeft(e);
    const open = eventOpen(e);
    const failed = mine instanceof Error;
    const active = !failed && mine && (mine.status === 'registered' || mine.status === 'waitlisted') ? mine : null;

    const register = async (ev) => {
      const btn = ev.currentTarget;
      btn.disabled = true;
      try {
        const r = await post(`/events/${eid}/registrations`);
        if (r?.status === 'waitlisted') {
          toast(`名额已满，您已进入候补${r.waitlist_position ? `（第 ${r.waitlist_position} 位）` : ''}。有人取消报名时将按顺序递补并通知您。`, 'info');
        } else {
          toast('报名成功，确认通知已发送至您的登录邮箱。');
        }
        render({ focus: false });
      } catch (err) {
        toast(err.message || '报名失败。', 'error');
        if (err.status === 409 || err.status === 404) render({ focus: false });
        else if (btn.isConnected) btn.disabled = false;
      }
    };
    const unregister = async (ev) => {
      const btn = ev.currentTarget;
      const msg = active.status === 'registered'
        ? `确认取消报名“${e.title}”？您的名额将转给候补第 1 位；如需再参加须重新报名，名额已满时只能候补。`
        : `确认放弃“${e.title}”的候补${active.waitlist_position ? `（当前第 ${active.waitlist_position} 位）` : ''}？`;
      if (await confirmDialog('取消报名', msg, '确认取消报名', true)) {
        act(btn, () => api('DELETE', `/events/${eid}/registrations/me`), '已取消报名。');
      }
    };

    let mineRow = null;
    let action = null;
    let note = null;
    if (isMember()) {
      const statusEl = failed ? h('span', { class: 'muted' }, '暂时无法获取')
        : active?.status === 'registered' ? badge('已报名', 'green')
          : active?.status === 'waitlisted' ? badge(active.waitlist_position ? `候补第 ${active.waitlist_position} 位` : '候补中', 'amber')
            : badge('未报名', 'grey');
      mineRow = h('div', { class: 'my-reg' }, h('span', { class: 'muted' }, '我的报名：'), statusEl,
        active?.created_at ? h('span', { class: 'small muted' }, `（${fmtTime(active.created_at)}）`) : null);
      if (failed) {
        note = h('p', { class: 'small field-error' }, mine.message);
      } else if (open) {
        action = active
          ? h('button', { type: 'button', class: 'btn btn-danger', onClick: unregister }, '取消报名')
          : h('button', { type: 'button', class: 'btn btn-primary', onClick: register }, left > 0 ? '报名' : '报名（进入候补）');
        note = active?.status === 'registered' ? '报名确认已发送至您的登录邮箱（附日历文件），活动开始前还会发送提醒。'
          : active?.status === 'waitlisted' ? '有人取消报名时，按候补顺序自动递补，递补成功后将通知您。'
            : left > 0 ? `还剩 ${fmtNum(left)} 个名额，先到先得。` : '名额已满。报名后进入候补队列，有人取消时按先后顺序自动递补。';
      } else {
        note = e.status === 'cancelled' ? '活动已取消。' : '活动已结束，报名已关闭。';
      }
    } else if (!state.me) {
      if (open) {
        action = h('a', { class: 'btn btn-primary', href: buildHash('/login', { next: eventPath(e.id) }) }, '登录后报名');
        note = h('span', null, '企业用户和服务商可报名。还没有账号？', linkTo('/register', '注册'));
      } else {
        note = e.status === 'cancelled' ? '活动已取消。' : '活动已结束，报名已关闭。';
      }
    } else {
      note = open ? '仅企业用户和服务商账号可以报名。' : (e.status === 'cancelled' ? '活动已取消。' : e.status === 'draft' ? '活动尚未发布，发布后开放报名。' : '活动已结束，报名已关闭。');
    }

    return h('div', { class: 'panel price-box' },
      h('h2', { class: 'panel-title' }, '活动报名'),
      h('div', { class: 'muted small' }, '剩余名额'),
      h('div', { class: 'seat-big' + (left > 0 ? '' : ' full') }, fmtNum(left), h('small', null, ` / ${fmtNum(e.capacity)}`)),
      seatMeter(e),
      mineRow,
      action ? h('div', { class: 'btn-row', style: 'margin-top:14px' }, action) : null,
      note ? h('p', { class: 'small muted', style: 'margin:12px 0 0' }, note) : null);
  }

  function registrationsSection(e, regs, params) {
    const head = h('div', { class: 'page-head', style: 'margin-bottom:12px' },
      h('h2', null, '报名名单'),
      h('span', { class: 'small muted' }, `已报名 ${fmtNum(e.registered || 0)} 人 · 候补 ${fmtNum(e.waitlisted || 0)} 人 · 名额 ${fmtNum(e.capacity)} 个`));
    if (regs instanceof Error) {
      return h('section', { class: 'section' }, head, alertBox('error', '报名名单加载失败', regs.message));
    }
    const items = regs?.items || [];
    const start = ((regs?.page || 1) - 1) * (regs?.per_page || 20);
    const rows = items.map((r, i) => h('tr', null,
      h('td', { class: 'num' }, String(start + i + 1)),
      h('td', null, r.display_name || '—'),
      h('td', null, r.email ? h('a', { href: 'mailto:' + r.email }, r.email) : '—'),
      h('td', null, r.status === 'waitlisted'
        ? badge(r.waitlist_position ? `候补第 ${r.waitlist_position} 位` : '候补', 'amber')
        : statusBadge(r.status, L.registrationStatus, REG_TONE)),
      h('td', null, h('span', { class: 'mono small' }, r.organisation_id || '—')),
      h('td', { class: 'nowrap' }, fmtTime(r.created_at))));
    return h('section', { class: 'section' }, head,
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, `${e.title}报名名单`),
        h('thead', null, h('tr', null, ['序号', '姓名', '邮箱', '状态', '所属单位编号', '报名时间'].map((t, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : null }, t)))),
        h('tbody', null, rows)))
        : emptyState(e.status === 'draft' ? '活动发布后开放报名。' : '暂无报名。'),
      pager(regs, eventPath(e.id), params, '人'));
  }

  async function pageEventDetail(ctx) {
    const p = ctx.params;
    const eid = encodeURIComponent(ctx.args.id);
    const e = await get(`/events/${eid}`);
    const organiser = role() === 'organiser';
    const [mine, regs] = await Promise.all([
      isMember() && e.status !== 'draft'
        ? get(`/events/${eid}/registrations/me`).catch((err) => (err.status === 404 ? null : err)) : null,
      organiser ? get(`/events/${eid}/registrations`, { page: pageParam(p), per_page: 20 }).catch((err) => err) : null,
    ]);

    let banner = null;
    if (e.status === 'cancelled') banner = alertBox('error', '该活动已取消', organiser ? '已报名和候补的人员均已收到取消通知。' : null);
    else if (e.status === 'completed') banner = alertBox('info', '活动已结束', null);
    else if (e.status === 'draft' && organiser) banner = alertBox('warn', '草稿：尚未发布', `发布后活动才会公开展示并开放报名，同时向细分行业（${industriesText(e.industries)}）的企业和服务商用户发送活动通知。`);
    else if (e.status === 'published' && organiser) banner = alertBox('info', null, '修改已发布活动的时间、地点或线上链接时，系统将通知全部已报名和候补人员；取消活动同样会通知他们。');

    const facts = kv([
      ['活动时间', fmtRange(e.starts_at, e.ends_at)],
      ['活动地点', e.venue || '—'],
      ['线上参与', httpUrl(e.online_url) ? h('a', { href: e.online_url.trim(), target: '_blank', rel: 'noopener noreferrer' }, e.online_url) : (e.online_url || '—')],
      ['细分行业', chips(e.industries, L.industry, 'chip chip-industry') || '—'],
      ['名额', `${fmtNum(e.capacity)} 个`],
      ['报名情况', `已报名 ${fmtNum(e.registered || 0)} 人 · 候补 ${fmtNum(e.waitlisted || 0)} 人`],
      organiser ? ['创建时间', fmtTime(e.created_at)] : null,
      organiser ? ['更新时间', fmtTime(e.updated_at)] : null,
    ]);

    return frag(
      pageHead(e.title, {
        crumbs: [['宣讲对接活动', '/events'], [e.title]],
        actions: organiser ? eventAdminActions(e) : null,
      }),
      banner,
      h('div', { class: 'detail-layout' },
        h('div', null,
          h('section', { class: 'panel' },
            h('div', { class: 'title-row', style: 'margin-bottom:12px' }, eventBadges(e, { withStatus: organiser })),
            h('h2', { class: 'panel-title' }, '活动信息'),
            facts),
          h('section', { class: 'panel' },
            h('h2', { class: 'panel-title' }, '活动介绍'),
            h('p', { class: 'pre-wrap' }, e.description || '暂无介绍。'))),
        h('aside', { class: 'detail-side' }, registrationBox(e, mine))),
      organiser ? registrationsSection(e, regs, p) : null);
  }

  async function pageEventForm(ctx) {
    const editing = !!ctx.args.id;
    let e = { industries: [] };
    if (editing) {
      e = await get(`/events/${encodeURIComponent(ctx.args.id)}`);
      if (e.status === 'cancelled' || e.status === 'completed') {
        return frag(
          pageHead('编辑活动', { crumbs: [['宣讲对接活动', '/events'], [e.title, eventPath(e.id)], ['编辑']] }),
          alertBox('warn', null, `该活动${label(L.eventStatus, e.status)}，不能再修改。`),
          linkTo(eventPath(e.id), '查看活动', 'btn'));
      }
    }
    const published = editing && e.status === 'published';
    const people = Number(e.registered || 0) + Number(e.waitlisted || 0);
    const canPublish = !editing || e.status === 'draft';

    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      published ? alertBox('warn', '该活动已发布',
        `修改活动时间、地点或线上链接后，系统将向全部已报名和候补人员（目前共 ${fmtNum(people)} 人）发送活动变更通知，并按新时间重新安排活动提醒。只修改名称、介绍、行业或名额不会发送变更通知。`) : null,
      h('fieldset', { class: 'form-section' }, h('legend', null, '活动内容'),
        h('div', { class: 'form-grid' },
          field({ label: '活动名称', name: 'title', required: true, wide: true, value: e.title, attrs: { maxlength: 100, minlength: 2 } }),
          field({ label: '活动介绍', name: 'description', type: 'textarea', wide: true, value: e.description, attrs: { rows: 7, maxlength: 5000 }, hint: '议程、主讲单位、面向对象、对接内容等，最多 5000 字' }),
          checkGroup({
            legend: '细分行业', name: 'industries', required: true, options: options(L.industry, EVENT_INDUSTRIES), values: e.industries,
            hint: '发布时向所选行业的企业和服务商用户发送活动通知；选择“通用”则通知全部企业和服务商。',
          }))),
      h('fieldset', { class: 'form-section' }, h('legend', null, '时间、地点与名额'),
        h('div', { class: 'form-grid' },
          field({ label: '开始时间（北京时间）', name: 'starts_at', type: 'datetime-local', required: true, value: toShanghaiInput(e.starts_at), attrs: { step: 60 }, hint: '按北京时间（UTC+8）填写，与本机时区无关' }),
          field({ label: '结束时间（北京时间）', name: 'ends_at', type: 'datetime-local', required: true, value: toShanghaiInput(e.ends_at), attrs: { step: 60 }, hint: '须晚于开始时间' }),
          field({
            label: '名额（人）', name: 'capacity', type: 'number', required: true, value: e.capacity ?? '', attrs: { min: 1, max: 100000, step: 1 },
            hint: published ? '增加名额后，候补人员按顺序自动递补；减少名额不影响已报名人员' : '报满后，新报名者进入候补队列',
          }),
          field({ label: '活动地点', name: 'venue', required: true, wide: true, value: e.venue, attrs: { maxlength: 200 }, hint: '如：珠海市香洲区××路××号 ××会议中心 3 楼报告厅' }),
          field({ label: '线上参与链接（可选）', name: 'online_url', type: 'url', wide: true, value: e.online_url || '', attrs: { maxlength: 500, placeholder: 'https://', spellcheck: 'false' }, hint: '直播或线上会议链接，须以 http:// 或 https:// 开头' }))),
      canPublish ? h('p', { class: 'hint' }, '保存后为草稿，仅主管部门可见；发布后公开并开放报名，同时向所选行业的企业和服务商发送活动通知。') : null,
      h('div', { class: 'form-actions' },
        canPublish
          ? [h('button', { type: 'submit', class: 'btn', value: 'save' }, editing ? '保存草稿' : '保存为草稿'),
            h('button', { type: 'submit', class: 'btn btn-primary', value: 'publish' }, '保存并发布')]
          : h('button', { type: 'submit', class: 'btn btn-primary', value: 'save' }, '保存修改'),
        linkTo(editing ? eventPath(e.id) : '/events', '取消', 'btn btn-link')));

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const publish = ev.submitter?.value === 'publish' && canPublish;
      const d = fd(form);
      const local = {};
      const startsRaw = str(d, 'starts_at');
      const endsRaw = str(d, 'ends_at');
      const capRaw = str(d, 'capacity');
      const full = {
        title: str(d, 'title'), description: str(d, 'description'), industries: d.getAll('industries').map(String),
        starts_at: fromShanghaiInput(startsRaw), ends_at: fromShanghaiInput(endsRaw),
        venue: str(d, 'venue'), online_url: str(d, 'online_url'), capacity: capRaw === '' ? NaN : Number(capRaw),
      };
      if (!full.title) local.title = '请填写活动名称。';
      else if ([...full.title].length < 2) local.title = '活动名称至少 2 个字。';
      if (!full.industries.length) local.industries = '请至少选择一个细分行业。';
      if (!startsRaw) local.starts_at = '请填写开始时间。';
      else if (!full.starts_at) local.starts_at = '请按“年-月-日 时:分”填写，如 2026-12-01 14:30。';
      if (!endsRaw) local.ends_at = '请填写结束时间。';
      else if (!full.ends_at) local.ends_at = '请按“年-月-日 时:分”填写，如 2026-12-01 17:00。';
      else if (full.starts_at && Date.parse(full.ends_at) <= Date.parse(full.starts_at)) local.ends_at = '结束时间须晚于开始时间。';
      if (!full.venue) local.venue = '请填写活动地点。';
      if (full.online_url && !/^https?:\/\/\S+$/.test(full.online_url)) local.online_url = '请填写以 http:// 或 https:// 开头的完整链接。';
      if (!Number.isInteger(full.capacity) || full.capacity < 1 || full.capacity > 100000) local.capacity = '名额须为 1 至 100000 之间的整数。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }

      let body;
      if (editing) {
        // PATCH carries only what changed, so an untouched time or venue never notifies anyone.
        body = {};
        const sameSet = (a, b) => [...(a || [])].sort().join() === [...(b || [])].sort().join();
        if (full.title !== e.title) body.title = full.title;
        if (full.description !== (e.description || '')) body.description = full.description;
        if (!sameSet(full.industries, e.industries)) body.industries = full.industries;
        if (toShanghaiInput(full.starts_at) !== toShanghaiInput(e.starts_at)) body.starts_at = full.starts_at;
        if (toShanghaiInput(full.ends_at) !== toShanghaiInput(e.ends_at)) body.ends_at = full.ends_at;
        if (full.venue !== e.venue) body.venue = full.venue;
        if (full.online_url !== (e.online_url || '')) body.online_url = full.online_url; // "" removes it
        if (full.capacity !== Number(e.capacity)) body.capacity = full.capacity;
        if (!Object.keys(body).length && !publish) { toast('没有需要保存的修改。', 'info'); return; }
      } else {
        body = { ...full };
        if (!body.online_url) delete body.online_url;
      }
      const moved = published && ['starts_at', 'ends_at', 'venue', 'online_url'].some((k) => k in body);

      if (moved && people > 0) {
        const ok = await confirmDialog('保存并通知报名人员',
          `您修改了活动的时间、地点或线上链接。保存后将向已报名和候补的 ${fmtNum(people)} 人发送活动变更通知，并按新时间重新安排提醒。确认保存？`,
          '保存并通知');
        if (!ok) return;
      }
      if (publish) {
        const ok = await confirmDialog('保存并发布',
          `发布后活动将公开展示并开放报名，同时向细分行业（${industriesText(full.industries)}）的全部企业和服务商用户发送活动通知（已退订的除外）。发布后不能撤回为草稿。`,
          '确认发布');
        if (!ok) return;
      }

      busy(form, async () => {
        let saved = e;
        try {
          if (!editing) saved = await api('POST', '/events', { body });
          else if (Object.keys(body).length) saved = await patch(`/events/${encodeURIComponent(e.id)}`, body);
        } catch (err) {
          showFormErrors(form, err);
          return;
        }
        const sid = saved?.id || e.id;
        if (publish) {
          try {
            await post(`/events/${encodeURIComponent(sid)}/publish`);
            toast('活动已发布，活动通知正在发送。');
          } catch (err) {
            toast(`活动已保存为草稿，但发布失败：${err.message}`, 'error');
          }
        } else if (moved && people > 0) {
          toast('已保存，正在向报名人员发送变更通知。');
        } else {
          toast(editing ? '活动已保存。' : '活动已保存为草稿。');
        }
        go(eventPath(sid));
      });
    });

    return frag(
      pageHead(editing ? '编辑活动' : '新建活动', {
        crumbs: editing ? [['宣讲对接活动', '/events'], [e.title, eventPath(e.id)], ['编辑']] : [['宣讲对接活动', '/events'], ['新建活动']],
        lead: editing ? `当前状态：${label(L.eventStatus, e.status)}` : '面向试点企业和服务商的数字化转型宣讲与供需对接活动。',
      }),
      form);
  }

  // ---------------------------------------------------------------------------
  // Pages: notifications and preferences (every signed-in user)
  // ---------------------------------------------------------------------------

  const ME_TABS = [['/me/notifications', '消息通知'], ['/me/preferences', '通知设置']];

  // Links in notifications are absolute (…/#/events/{id}); keep the hash part inside this app.
  function noticeLink(link) {
    if (!link || typeof link !== 'string') return null;
    const i = link.indexOf('#/');
    if (i >= 0) {
      const hash = link.slice(i);
      const text = hash.startsWith('#/events/') ? '查看活动详情 ›' : hash.startsWith('#/orders/') ? '查看订单详情 ›' : '查看详情 ›';
      return h('a', { href: hash }, text);
    }
    if (httpUrl(link)) return h('a', { href: link.trim(), target: '_blank', rel: 'noopener noreferrer' }, link);
    return null;
  }

  function noticeItem(n) {
    const tid = uid('n');
    const link = noticeLink(n.link);
    return h('li', null, h('article', { class: 'panel notice', 'aria-labelledby': tid },
      h('div', { class: 'notice-head' },
        h('div', { class: 'title-row' },
          badge(label(L.notificationKind, n.kind), 'blue'),
          h('h2', { class: 'notice-subject', id: tid }, n.subject || '（无标题）')),
        h('time', { class: 'small muted nowrap', datetime: n.created_at }, fmtTime(n.created_at))),
      h('pre', { class: 'notice-body' }, n.body || ''),
      link ? h('p', { class: 'notice-link' }, link) : null));
  }

  async function pageNotifications(ctx) {
    const p = ctx.params;
    const data = await get('/me/notifications', { page: pageParam(p), per_page: 20 });
    const items = data?.items || [];
    return frag(
      pageHead('消息通知', {
        lead: '平台发送到您登录邮箱的通知（活动发布、报名确认、候补递补、活动变更与取消、活动提醒，以及订单的下单、接单、拒绝、签约、完成与取消）在此留存一份，最新的在前。',
        actions: [h('button', { type: 'button', class: 'btn', onClick: () => render({ focus: false }) }, '刷新')],
      }),
      tabs(ME_TABS, '/me/notifications'),
      items.length
        ? h('ol', { class: 'notice-list' }, items.map(noticeItem))
        : emptyState('暂无通知。', linkTo('/events', '浏览宣讲对接活动', 'btn')),
      pager(data, '/me/notifications', p, '条'));
  }

  async function pagePreferences() {
    const prefs = (await get('/me/preferences')) || {};
    const annBox = checkbox({
      label: '接收活动通知', name: 'announcements', checked: prefs.announcements !== false,
      hint: '主管部门发布新的宣讲对接活动时，通过邮件和站内消息通知您。',
    });
    const muted = checkGroup({
      legend: '不接收以下行业的活动通知', name: 'muted_industries', key: 'muted_industries',
      options: options(L.industry, EVENT_INDUSTRIES), values: prefs.muted_industries || [],
      hint: '活动涉及多个行业时，只要其中有一个行业未勾选，仍会通知您。',
    });
    const annInput = annBox.querySelector('input');
    const sync = () => { muted.disabled = !annInput.checked; };
    annInput.addEventListener('change', sync);
    sync();

    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      alertBox('info', '以下通知始终发送', '报名确认、候补与递补通知、活动变更、活动取消以及活动开始前的提醒，与您已报名的活动直接相关，不受本页设置影响。'),
      isMember() ? null : h('p', { class: 'hint' }, '活动发布通知只发送给所选行业的企业和服务商用户。'),
      h('fieldset', { class: 'form-section' }, h('legend', null, '活动发布通知'),
        h('div', { class: 'form-grid', style: 'grid-template-columns:1fr' }, annBox, muted)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '保存设置')));

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      // Read the industries directly: a disabled fieldset leaves them out of FormData, and the
      // choice should survive switching announcements off and on again.
      const body = {
        announcements: annInput.checked,
        muted_industries: [...muted.querySelectorAll('input[type=checkbox]:checked')].map((i) => i.value),
      };
      busy(form, async () => {
        try {
          await api('PUT', '/me/preferences', { body });
          toast('通知设置已保存。');
          render({ focus: false });
        } catch (err) {
          showFormErrors(form, err);
        }
      });
    });

    return frag(
      pageHead('通知设置', { lead: '选择是否接收新活动的发布通知，或屏蔽不关心的细分行业。' }),
      tabs(ME_TABS, '/me/preferences'),
      form);
  }

  // ---------------------------------------------------------------------------
  // Orders (订单): enterprises place them, the addressed supplier works them through
  // placed → accepted → contracted → completed, organisers see all.
  // ---------------------------------------------------------------------------

  const ORDER_TONE = {
    placed: 'amber', accepted: 'blue', rejected: 'red', contracted: 'blue', completed: 'green', cancelled: 'grey',
  };
  const ORDER_PATH = ['placed', 'accepted', 'contracted', 'completed'];
  const ORDER_STEP_TEXT = { placed: '企业下单', accepted: '服务商接单', contracted: '签订合同', completed: '服务完成' };
  const orderPath = (id) => `/orders/${encodeURIComponent(id)}`;
  // The order number people see in mail: the id's last 8 characters, upper-case.
  const orderNo = (id) => String(id || '').slice(-8).toUpperCase();

  // 1500000 → "15,000.00 元": order amounts are shown to the fen, as on the contract and in mail.
  function fmtYuan(fen) {
    if (fen === null || fen === undefined || fen === '') return '—';
    const n = Math.round(Number(fen));
    if (!Number.isFinite(n)) return '—';
    const a = Math.abs(n);
    return `${n < 0 ? '-' : ''}${numFmt.format(Math.trunc(a / 100))}.${pad2(a % 100)} 元`;
  }

  // A fresh Idempotency-Key. crypto.randomUUID needs a secure context (https or localhost), so
  // a page opened over plain http on an intranet address builds a v4 UUID by hand.
  function newIdempotencyKey() {
    if (window.crypto?.randomUUID) {
      try { return crypto.randomUUID(); } catch { /* not a secure context */ }
    }
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function orderSummary(o) {
    const items = o.items || [];
    if (!items.length) return '—';
    const first = `${items[0].name} × ${fmtNum(items[0].quantity)}`;
    return items.length > 1 ? `${first} 等 ${items.length} 项` : first;
  }

  async function pageOrders(ctx) {
    const p = ctx.params;
    const status = Object.prototype.hasOwnProperty.call(L.orderStatus, p.get('status')) ? p.get('status') : '';
    const data = await get('/orders', { status, sort: 'newest', page: pageParam(p), per_page: 20 });
    const items = data?.items || [];
    const r = role();
    const title = { enterprise: '我的订单', supplier: '客户订单', organiser: '订单总览' }[r] || '订单';
    const lead = {
      enterprise: '本企业向服务商下达的采购订单。服务商接单前或接单后、签约前，可以取消订单。',
      supplier: '企业向贵单位下达的订单。请及时接单或说明拒绝原因；接单后录入转型合同，服务完成后标记完成。',
      organiser: '试点范围内全部订单及其进度。',
    }[r];
    const counterpartHead = r === 'enterprise' ? '服务商' : r === 'supplier' ? '企业' : '企业 / 服务商';
    const counterpart = (o) => {
      if (r === 'enterprise') return o.supplier_name || '—';
      if (r === 'supplier') return o.enterprise_name || '—';
      return [h('div', null, o.enterprise_name || '—'), h('div', { class: 'small muted' }, o.supplier_name || '—')];
    };
    const rows = items.map((o) => h('tr', null,
      h('td', { class: 'nowrap' }, linkTo(orderPath(o.id), orderNo(o.id), 'mono')),
      h('td', null, counterpart(o)),
      h('td', null, orderSummary(o), o.need_id ? h('div', { class: 'small muted' }, '关联需求') : null),
      h('td', { class: 'num nowrap' }, fmtYuan(o.total_fen)),
      h('td', null, statusBadge(o.status, L.orderStatus, ORDER_TONE)),
      h('td', { class: 'nowrap' }, fmtTime(o.created_at)),
      h('td', null, linkTo(orderPath(o.id), '查看 ›', 'btn btn-sm'))));
    const statusTabs = [['/orders', '全部'], ...Object.keys(L.orderStatus).map((k) => [`/orders?status=${k}`, L.orderStatus[k]])];
    return frag(
      pageHead(title, {
        lead,
        actions: r === 'enterprise' ? [linkTo('/products', '去产品目录选购', 'btn'), linkTo('/needs/new', '发布需求', 'btn')] : null,
      }),
      tabs(statusTabs, status ? `/orders?status=${status}` : '/orders'),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, `${status ? label(L.orderStatus, status) : '全部'}订单，最新的在前`),
        h('thead', null, h('tr', null, ['订单号', counterpartHead, '订购内容', '金额', '状态', '下单时间', ''].map((t, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, t || h('span', { class: 'sr-only' }, '操作'))))),
        h('tbody', null, rows)))
        : emptyState(status ? `暂无“${label(L.orderStatus, status)}”的订单。` : '暂无订单。',
          r === 'enterprise' ? linkTo('/products', '浏览产品目录', 'btn btn-primary') : null),
      pager(data, '/orders', p, '个'));
  }

  // Where the order stands on its normal path, with the time of each step from its history.
  function orderProgress(o) {
    const at = Object.fromEntries((o.history || []).map((s) => [s.status, s.at]));
    // Orders moved before the history was kept lack the steps in between; the contract says
    // when it was signed.
    at.contracted = at.contracted || o.contract?.recorded_at;
    const ended = o.status === 'rejected' || o.status === 'cancelled';
    const reached = ended
      ? ORDER_PATH.filter((s) => at[s]).length || 1
      : ORDER_PATH.indexOf(o.status) + 1;
    const steps = ORDER_PATH.map((s, i) => {
      const done = i < reached;
      const current = !ended && i === reached - 1;
      return h('li', { class: 'step' + (done ? ' done' : '') + (current ? ' current' : ''), 'aria-current': current ? 'step' : null },
        h('span', { class: 'step-dot', 'aria-hidden': 'true' }, done ? '✓' : String(i + 1)),
        h('span', { class: 'step-text' }, ORDER_STEP_TEXT[s],
          done && at[s] ? h('time', { class: 'small muted', datetime: at[s] }, fmtTime(at[s])) : null,
          done ? null : h('span', { class: 'sr-only' }, '（未到）')));
    });
    if (ended) {
      steps.splice(reached, ORDER_PATH.length - reached, h('li', { class: 'step ended current', 'aria-current': 'step' },
        h('span', { class: 'step-dot', 'aria-hidden': 'true' }, '✕'),
        h('span', { class: 'step-text' }, label(L.orderStatus, o.status),
          h('time', { class: 'small muted', datetime: at[o.status] || o.updated_at }, fmtTime(at[o.status] || o.updated_at)))));
    }
    return h('ol', { class: 'steps', 'aria-label': '订单进度' }, steps);
  }

  function orderItemsTable(o) {
    const itemLink = (i) => {
      if (i.product_id) return linkTo(`/products/${encodeURIComponent(i.product_id)}`, i.name);
      return [i.name, ' ', badge('组合方案包', 'blue')];
    };
    return h('div', { class: 'table-wrap' }, h('table', null,
      h('caption', { class: 'sr-only' }, '订单明细'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, '产品 / 方案包'), h('th', { scope: 'col', class: 'num' }, '单价（下单时试点价）'),
        h('th', { scope: 'col', class: 'num' }, '数量'), h('th', { scope: 'col', class: 'num' }, '小计'))),
      h('tbody', null, (o.items || []).map((i) => h('tr', null,
        h('td', null, itemLink(i)),
        h('td', { class: 'num nowrap' }, fmtYuan(i.unit_price_fen)),
        h('td', { class: 'num' }, fmtNum(i.quantity)),
        h('td', { class: 'num nowrap' }, fmtYuan(i.line_total_fen))))),
      h('tfoot', null, h('tr', null, h('th', { scope: 'row', colspan: 3 }, '订单合计'), h('td', { class: 'num nowrap' }, fmtYuan(o.total_fen))))));
  }

  function contractView(c) {
    return h('section', { class: 'panel' },
      h('h2', { class: 'panel-title' }, '转型合同'),
      kv([
        ['双方责任', h('div', { class: 'pre-wrap' }, c.responsibilities)],
        ['转型措施', h('div', { class: 'pre-wrap' }, c.measures)],
        ['预期目标', h('div', { class: 'pre-wrap' }, c.targets)],
        ['服务期限', `${c.start_date} 至 ${c.end_date}`],
        ['价格明细', h('table', { class: 'mini-table' },
          h('tbody', null, (c.price_details || []).map((l) => h('tr', null, h('td', null, l.item), h('td', { class: 'num nowrap' }, fmtYuan(l.amount_fen))))),
          h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, '合同金额合计'), h('td', { class: 'num nowrap' }, fmtYuan(c.price_total_fen)))))],
        ['录入时间', fmtTime(c.recorded_at)],
      ]));
  }

  // The supplier records the contract of an accepted order. Price lines start from the order's
  // lines; the supplier may add implementation, training and so on.
  function contractForm(o) {
    const id = encodeURIComponent(o.id);
    const rowsBox = h('div', { class: 'price-lines' });
    const sumEl = h('strong', null, fmtYuan(0));
    let rowSeq = 0;
    const renumber = () => {
      [...rowsBox.children].forEach((row, i) => {
        row.querySelector('[data-part=item]').dataset.field = `price_details[${i}].item`;
        row.querySelector('[data-part=amount]').dataset.field = `price_details[${i}].amount_fen`;
        row.querySelector('.line-no').textContent = `${i + 1}.`;
      });
      const sum = [...rowsBox.querySelectorAll('input[name=amount]')].reduce((a, el) => {
        const v = parseYuan(el.value);
        return Number.isNaN(v) ? a : a + v;
      }, 0);
      sumEl.textContent = fmtYuan(sum);
    };
    const addRow = (item = '', amount = '') => {
      const n = ++rowSeq;
      const itemId = uid('pl');
      const amountId = uid('pa');
      const row = h('div', { class: 'price-line' },
        h('span', { class: 'line-no muted', 'aria-hidden': 'true' }),
        h('div', { class: 'field', 'data-part': 'item' },
          h('label', { for: itemId, class: 'sr-only' }, `费用项 ${n}`),
          h('input', { id: itemId, type: 'text', name: 'item', value: item, placeholder: '费用项，如：实施与培训', maxlength: 100 })),
        h('div', { class: 'field', 'data-part': 'amount' },
          h('label', { for: amountId, class: 'sr-only' }, `金额（元）${n}`),
          h('input', { id: amountId, type: 'text', name: 'amount', value: amount, placeholder: '金额（元）', inputmode: 'decimal', autocomplete: 'off' })),
        h('button', {
          type: 'button', class: 'btn btn-sm btn-link', 'aria-label': `删除费用项 ${n}`,
          onClick: () => { if (rowsBox.children.length > 1) { row.remove(); renumber(); } },
        }, '删除'));
      rowsBox.appendChild(row);
      renumber();
    };
    (o.items || []).forEach((i) => addRow(`${i.name} × ${i.quantity}`, fenToYuanInput(i.line_total_fen)));
    if (!rowsBox.children.length) addRow();

    const today = new Date(Date.now() + SH_OFFSET_MS).toISOString().slice(0, 10);
    const form = h('form', { class: 'panel', novalidate: true, id: 'contract-form' },
      h('h2', { class: 'panel-title' }, '录入转型合同'),
      h('div', { class: 'form-alert' }),
      h('p', { class: 'hint', style: 'margin-bottom:12px' }, '按试点工作方案，转型合同须写明双方责任、转型措施、服务期限、预期目标和价格明细。录入后订单进入“已签约”状态，企业将收到通知。'),
      h('div', { class: 'form-grid' },
        field({ label: '双方责任', name: 'responsibilities', type: 'textarea', required: true, wide: true, attrs: { rows: 3, maxlength: 5000 }, hint: '服务商与企业各自承担的工作，如部署、数据迁移、培训；场地、数据与对接人员' }),
        field({ label: '转型措施', name: 'measures', type: 'textarea', required: true, wide: true, attrs: { rows: 3, maxlength: 5000 } }),
        field({ label: '预期目标', name: 'targets', type: 'textarea', required: true, wide: true, attrs: { rows: 3, maxlength: 5000 }, hint: '可衡量的目标，如“批次追溯时间由 2 小时缩短到 5 分钟；数字化水平由二级提升到三级”' }),
        field({ label: '开始日期', name: 'start_date', type: 'date', required: true, value: today }),
        field({ label: '结束日期', name: 'end_date', type: 'date', required: true }),
        h('fieldset', { class: 'field field-wide', 'data-field': 'price_details' },
          h('legend', null, '价格明细', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
          rowsBox,
          h('div', { class: 'btn-row', style: 'justify-content:space-between' },
            h('button', { type: 'button', class: 'btn btn-sm', onClick: () => addRow() }, '＋ 添加费用项'),
            h('span', { class: 'small' }, '合同金额合计：', sumEl)),
          h('p', { class: 'hint' }, '已按订单明细预填，可增加实施、培训等服务费用；合同金额不必等于订单金额。'))),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '保存合同')));
    rowsBox.addEventListener('input', renumber);

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const local = {};
      const body = {
        responsibilities: str(d, 'responsibilities'), measures: str(d, 'measures'), targets: str(d, 'targets'),
        start_date: str(d, 'start_date'), end_date: str(d, 'end_date'), price_details: [],
      };
      if (!body.responsibilities) local.responsibilities = '请填写双方责任。';
      if (!body.measures) local.measures = '请填写转型措施。';
      if (!body.targets) local.targets = '请填写预期目标。';
      if (!body.start_date) local.start_date = '请选择开始日期。';
      if (!body.end_date) local.end_date = '请选择结束日期。';
      else if (body.start_date && body.end_date <= body.start_date) local.end_date = '结束日期须晚于开始日期。';
      [...rowsBox.children].forEach((row, i) => {
        const item = row.querySelector('input[name=item]').value.trim();
        const amount = parseYuan(row.querySelector('input[name=amount]').value);
        if (!item) local[`price_details[${i}].item`] = '请填写费用项。';
        if (Number.isNaN(amount)) local[`price_details[${i}].amount_fen`] = '请输入金额（元），最多两位小数。';
        body.price_details.push({ item, amount_fen: amount });
      });
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        try {
          await post(`/orders/${id}/contract`, body);
          toast('合同已录入，订单已签约。');
          render({ focus: false });
        } catch (e) {
          showFormErrors(form, e);
        }
      });
    });
    return form;
  }

  function orderActions(o) {
    const id = encodeURIComponent(o.id);
    const no = orderNo(o.id);
    const mineAsSupplier = role() === 'supplier' && orgId() === o.supplier_id;
    const mineAsEnterprise = role() === 'enterprise' && orgId() === o.enterprise_id;
    const out = [];
    if (mineAsSupplier && o.status === 'placed') {
      out.push(h('button', {
        type: 'button', class: 'btn btn-primary',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          if (await confirmDialog('接单', `确认接受订单 ${no}？接单后请与企业沟通并录入转型合同。`, '接单')) {
            act(btn, () => post(`/orders/${id}/accept`), '已接单，企业将收到通知。');
          }
        },
      }, '接单'));
      out.push(h('button', {
        type: 'button', class: 'btn btn-danger',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const reason = await promptDialog({
            title: `拒绝订单 ${no}`, message: '请说明无法承接的原因，企业将收到通知。',
            inputLabel: '拒绝原因', required: true, confirmText: '拒绝订单', danger: true, maxlength: 1000,
          });
          if (reason !== null) act(btn, () => post(`/orders/${id}/reject`, { reason }), '已拒绝订单。');
        },
      }, '拒绝'));
    }
    if (mineAsSupplier && o.status === 'accepted') {
      out.push(h('a', { class: 'btn btn-primary', href: '#contract-form', onClick: (ev) => {
        ev.preventDefault();
        const f = document.getElementById('contract-form');
        if (f) { f.scrollIntoView({ behavior: 'smooth', block: 'start' }); f.querySelector('textarea')?.focus({ preventScroll: true }); }
      } }, '录入合同'));
    }
    if (mineAsSupplier && o.status === 'contracted') {
      out.push(h('button', {
        type: 'button', class: 'btn btn-primary',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          if (await confirmDialog('标记完成', `确认订单 ${no} 的服务已按合同完成？企业将收到通知。`, '标记完成')) {
            act(btn, () => post(`/orders/${id}/complete`), '订单已完成。');
          }
        },
      }, '标记完成'));
    }
    if (mineAsEnterprise && (o.status === 'placed' || o.status === 'accepted')) {
      out.push(h('button', {
        type: 'button', class: 'btn btn-danger',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const msg = o.status === 'accepted' ? '服务商已接单，取消前建议先与服务商沟通。' : '取消后服务商将收到通知。';
          if (await confirmDialog(`取消订单 ${no}`, `确认取消该订单？${msg}`, '取消订单', true)) {
            act(btn, () => post(`/orders/${id}/cancel`), '订单已取消。');
          }
        },
      }, '取消订单'));
    }
    return out;
  }

  async function pageOrderDetail(ctx) {
    const o = await get(orderPath(ctx.args.id));
    const r = role();
    const actions = orderActions(o);
    const needLink = o.need_id && (r === 'enterprise' || r === 'organiser')
      ? linkTo(`/needs/${encodeURIComponent(o.need_id)}`, '查看关联需求') : (o.need_id ? '已关联企业需求' : null);
    const info = kv([
      ['订单号', h('span', { class: 'mono' }, orderNo(o.id))],
      ['状态', statusBadge(o.status, L.orderStatus, ORDER_TONE)],
      ['企业', r === 'organiser' ? linkTo(`/enterprises/${encodeURIComponent(o.enterprise_id)}`, o.enterprise_name || '—') : (o.enterprise_name || '—')],
      ['服务商', linkTo(`/suppliers/${encodeURIComponent(o.supplier_id)}`, o.supplier_name || '—')],
      ['订单金额', h('strong', null, fmtYuan(o.total_fen))],
      ['下单时间', fmtTime(o.created_at)],
      ['最近更新', fmtTime(o.updated_at)],
      needLink ? ['关联需求', needLink] : null,
    ], 'kv kv-compact');
    const note = o.status === 'placed' && r === 'supplier'
      ? alertBox('info', '待处理', '企业已下单，请确认能否承接：接单，或填写原因后拒绝。') : null;
    return frag(
      pageHead(`订单 ${orderNo(o.id)}`, {
        crumbs: [[{ enterprise: '我的订单', supplier: '客户订单' }[r] || '订单', '/orders'], [orderNo(o.id)]],
        lead: orderSummary(o),
      }),
      note,
      o.status === 'rejected' ? alertBox('error', '服务商已拒绝该订单', o.reject_reason ? `原因：${o.reject_reason}` : null) : null,
      o.status === 'cancelled' ? alertBox('warn', '企业已取消该订单', null) : null,
      h('section', { class: 'panel' }, h('h2', { class: 'panel-title' }, '订单进度'), orderProgress(o)),
      h('div', { class: 'detail-layout' },
        h('div', null,
          h('section', { class: 'section', style: 'margin-top:0' }, h('h2', null, '订单明细'), orderItemsTable(o)),
          o.note ? h('section', { class: 'panel', style: 'margin-top:16px' }, h('h2', { class: 'panel-title' }, '企业留言'), h('p', { class: 'pre-wrap' }, o.note)) : null,
          o.contract ? h('div', { style: 'margin-top:16px' }, contractView(o.contract)) : null,
          o.status === 'accepted' && r === 'supplier' && orgId() === o.supplier_id
            ? h('div', { style: 'margin-top:16px' }, contractForm(o)) : null),
        h('aside', { class: 'detail-side' },
          h('div', { class: 'panel' }, h('h2', { class: 'panel-title' }, '订单信息'), info,
            actions.length ? h('div', { class: 'btn-row', style: 'margin-top:16px' }, actions) : null))));
  }

  // The enterprise's open needs, for linking an order; null when needs cannot be read.
  async function openNeeds() {
    try {
      const items = await getAll('/needs', {}, 2);
      return items.filter((n) => n.status === 'open');
    } catch {
      return null;
    }
  }

  // Place an order for one listed product or bundle: #/orders/new?product_id=…|bundle_id=…[&need_id=…]
  async function pageOrderNew(ctx) {
    const p = ctx.params;
    const productId = p.get('product_id');
    const bundleId = productId ? null : p.get('bundle_id');
    if (!productId && !bundleId) {
      return frag(pageHead('下单'), alertBox('warn', null, '请先在产品目录中选择要订购的产品或组合方案包。'), linkTo('/products', '前往产品目录', 'btn'));
    }
    const kind = productId ? 'product' : 'bundle';
    const [thing, needs] = await Promise.all([
      get(productId ? `/products/${encodeURIComponent(productId)}` : `/bundles/${encodeURIComponent(bundleId)}`),
      openNeeds(),
    ]);
    const unit = kind === 'product' ? (thing.pilot_price_fen ?? thing.price_fen) : thing.price_fen;
    const presetNeed = p.get('need_id') || '';
    const needOptions = (needs || []).map((n) => [n.id, `${n.title}（预算 ${fmtMoney(n.budget_fen)}）`]);
    if (presetNeed && !needOptions.some(([v]) => v === presetNeed)) needOptions.unshift([presetNeed, '所选需求']);
    const totalEl = h('strong', { class: 'order-total' }, fmtYuan(unit));
    const itemKey = `items[0].${kind}_id`;
    const itemBox = h('div', { class: 'field field-wide', 'data-field': 'items' },
      h('div', { 'data-field': itemKey, class: 'field' },
        h('div', { class: 'order-item' },
          h('div', null,
            h('div', { class: 'title-row' },
              kind === 'bundle' ? badge('组合方案包', 'blue') : badge(label(L.delivery, thing.delivery), 'blue'),
              h('strong', null, kind === 'product' ? linkTo(`/products/${encodeURIComponent(thing.id)}`, thing.name) : thing.name)),
            h('div', { class: 'small muted' }, '服务商：', thing.supplier_name || '—')),
          h('div', { class: 'num' },
            h('div', { class: 'small muted' }, kind === 'product' ? '试点价（单价）' : '方案包价（单价）'),
            h('strong', null, fmtYuan(unit)),
            kind === 'product' && thing.price_unit ? h('div', { class: 'small muted' }, '计价：', priceUnitText(thing.price_unit)) : null))));

    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('div', { class: 'form-grid' },
        itemBox,
        field({ label: '数量', name: 'quantity', key: 'items[0].quantity', type: 'number', required: true, value: '1', attrs: { min: 1, max: 1000, step: 1, inputmode: 'numeric' }, hint: '1–1000；按年计价的产品，数量即订购的套数或年数，以合同为准' }),
        needs === null ? null : field({
          label: '关联需求（可选）', name: 'need_id', type: 'select', placeholder: needOptions.length ? '不关联' : '暂无开放的需求', options: needOptions, value: presetNeed,
          hint: '订单回应本企业发布的哪条需求，便于主管部门统计供需对接成效',
        }),
        field({ label: '给服务商的留言（可选）', name: 'note', type: 'textarea', wide: true, attrs: { rows: 3, maxlength: 1000, placeholder: '如：希望 12 月上旬上门调研；联系人：生产部王工 138…' } })),
      h('div', { class: 'order-sum' }, '订单合计：', totalEl,
        h('span', { class: 'small muted' }, '（单价为当前试点价，下单后锁定）')),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, '提交订单'),
        h('a', { class: 'btn btn-link', href: kind === 'product' ? `#/products/${encodeURIComponent(thing.id)}` : '#/bundles' }, '返回')));

    const qtyInput = form.querySelector('input[name=quantity]');
    qtyInput.addEventListener('input', () => {
      const q = Number(qtyInput.value);
      totalEl.textContent = Number.isInteger(q) && q >= 1 ? fmtYuan(unit * q) : '—';
    });

    // One key per submit attempt: a retry of the same order (after a timeout, a lost connection
    // or a server error) reuses it, so the server places the order at most once; any change to
    // the form makes it a new attempt with a new key.
    let attempt = null;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const quantity = Number(str(d, 'quantity'));
      const local = {};
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) local['items[0].quantity'] = '请输入 1–1000 的整数。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      const body = { items: [{ [`${kind}_id`]: thing.id, quantity }] };
      const note = str(d, 'note');
      const needId = str(d, 'need_id');
      if (note) body.note = note;
      if (needId) body.need_id = needId;
      const json = JSON.stringify(body);
      if (!attempt || attempt.body !== json) attempt = { key: newIdempotencyKey(), body: json };
      const { key } = attempt;
      busy(form, async () => {
        try {
          const o = await api('POST', '/orders', { body, headers: { 'Idempotency-Key': key } });
          attempt = null;
          toast(`订单 ${orderNo(o.id)} 已提交，服务商将收到通知。`);
          go(orderPath(o.id));
        } catch (e) {
          if (e.problem?.code === 'idempotency_key_reused') attempt = null;
          showFormErrors(form, e);
          const retryable = e.status === 0 || e.status >= 500 || e.status === 409 || e.status === 429;
          if (retryable) {
            form.querySelector('.form-alert .alert')?.appendChild(
              h('p', null, '订单可能尚未提交成功。请直接再次点击“提交订单”：同一次提交重试不会重复下单。'));
          }
        }
      });
    });

    return frag(
      pageHead('提交订单', {
        crumbs: [['产品目录', kind === 'product' ? '/products' : '/bundles'], [thing.name, kind === 'product' ? `/products/${encodeURIComponent(thing.id)}` : null], ['下单']],
        lead: '订单提交后由服务商确认接单，双方沟通后录入转型合同。',
      }),
      h('div', { class: 'narrow' }, form));
  }

  // A "place an order" button for enterprise members (and a log-in link for visitors).
  function orderButton(kind, thing, { needId, small } = {}) {
    if (thing.status && thing.status !== 'listed') return null;
    const params = { [`${kind}_id`]: thing.id, need_id: needId || null };
    const cls = small ? 'btn btn-sm btn-primary' : 'btn btn-primary';
    if (role() === 'enterprise') return h('a', { class: cls, href: buildHash('/orders/new', params) }, '立即下单');
    if (!state.me) return h('a', { class: small ? 'btn btn-sm' : 'btn', href: buildHash('/login', { next: buildHash('/orders/new', params).slice(1) }) }, '登录后下单');
    return null;
  }

  // ---------------------------------------------------------------------------
  // Needs (需求) and matching; a supplier's leads (商机)
  // ---------------------------------------------------------------------------

  const NEED_TONE = { open: 'green', closed: 'grey' };
  const needPath = (id) => `/needs/${encodeURIComponent(id)}`;

  // Match scores are relative to the need's best match (1.0), so they read as "compared with
  // the best"; a 0–100 score is shown as it is.
  function fmtScore(s) {
    const n = Number(s);
    if (!Number.isFinite(n)) return '—';
    return `${Math.round(n <= 1 ? n * 100 : n)}%`;
  }
  function scoreBadge(s) {
    return h('span', { class: 'score', title: '相对匹配度：本需求的最佳匹配记为 100%' }, h('span', { class: 'sr-only' }, '相对匹配度 '), fmtScore(s));
  }
  function reasonChips(reasons) {
    if (!reasons || !reasons.length) return null;
    return h('ul', { class: 'chips reasons', 'aria-label': '匹配理由' }, reasons.map((t) => h('li', { class: 'chip chip-reason' }, t)));
  }
  function sizeText(s) {
    return label(L.enterpriseSize, s);
  }

  async function pageNeeds(ctx) {
    const p = ctx.params;
    const data = await get('/needs', { page: pageParam(p), per_page: 20 });
    const items = data?.items || [];
    const organiser = role() === 'organiser';
    const rows = items.map((n) => h('tr', null,
      h('td', null, linkTo(needPath(n.id), n.title || '（无标题）'),
        n.description ? h('div', { class: 'small muted clamp', style: '-webkit-line-clamp:2' }, n.description) : null),
      h('td', null, chips(n.stages, L.stage) || '—'),
      h('td', { class: 'num nowrap' }, fmtMoney(n.budget_fen)),
      h('td', { class: 'num nowrap' }, n.max_deploy_days ? `${fmtNum(n.max_deploy_days)} 天内` : '不限'),
      h('td', null, statusBadge(n.status, L.needStatus, NEED_TONE)),
      h('td', { class: 'nowrap' }, fmtTime(n.created_at)),
      h('td', null, linkTo(needPath(n.id), n.status === 'open' && !organiser ? '查看匹配 ›' : '查看 ›', 'btn btn-sm'))));
    return frag(
      pageHead(organiser ? '企业需求' : '我的需求', {
        lead: organiser ? '试点企业发布的数字化转型需求。' : '发布本企业的数字化转型需求，平台按业务环节、预算和部署周期为您匹配产品和组合方案包。',
        actions: organiser ? null : [linkTo('/needs/new', '＋ 发布需求', 'btn btn-primary')],
      }),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, '需求列表'),
        h('thead', null, h('tr', null, ['需求', '业务环节', '预算', '部署周期', '状态', '发布时间', ''].map((t, i) => h('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : null }, t || h('span', { class: 'sr-only' }, '操作'))))),
        h('tbody', null, rows)))
        : emptyState(organiser ? '暂无企业发布需求。' : '还没有发布需求。', organiser ? null : linkTo('/needs/new', '发布需求', 'btn btn-primary')),
      pager(data, '/needs', p, '条'));
  }

  async function pageNeedForm() {
    requireOrg();
    const form = h('form', { class: 'panel', novalidate: true },
      h('div', { class: 'form-alert' }),
      h('div', { class: 'form-grid' },
        field({ label: '需求标题', name: 'title', required: true, wide: true, attrs: { maxlength: 100, placeholder: '如：注塑车间设备联网与能耗监测' } }),
        field({ label: '需求描述', name: 'description', type: 'textarea', required: true, wide: true, attrs: { rows: 6, maxlength: 5000 }, hint: '现状、痛点、希望达到的效果；写得越具体，匹配越准确' }),
        checkGroup({ legend: '涉及的业务环节', name: 'stages', required: true, options: options(L.stage), hint: '可多选' }),
        field({ label: '预算（万元）', name: 'budget_wan', key: 'budget_fen', required: true, attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '如 5 或 12.5' }, hint: '按试点价估算的首年投入' }),
        field({ label: '最长部署周期（天，可选）', name: 'max_deploy_days', type: 'number', attrs: { min: 1, step: 1, placeholder: '不限' } })),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, '发布需求'),
        linkTo('/needs', '取消', 'btn btn-link')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = fd(form);
      const body = {
        title: str(d, 'title'), description: str(d, 'description'), stages: d.getAll('stages').map(String),
        budget_fen: parseWan(str(d, 'budget_wan')),
      };
      const days = str(d, 'max_deploy_days');
      if (days) body.max_deploy_days = Number(days);
      const local = {};
      if (!body.title) local.title = '请填写需求标题。';
      if (!body.description) local.description = '请填写需求描述。';
      if (!body.stages.length) local.stages = '请至少选择一个业务环节。';
      if (!str(d, 'budget_wan')) local.budget_fen = '请填写预算（万元）。';
      else if (Number.isNaN(body.budget_fen)) local.budget_fen = '请输入数字，例如 5 或 12.5。';
      if (days && !(Number.isInteger(body.max_deploy_days) && body.max_deploy_days >= 1)) local.max_deploy_days = '请输入不小于 1 的整数天数。';
      if (Object.keys(local).length) { showFormErrors(form, null, local); return; }
      busy(form, async () => {
        try {
          const n = await api('POST', '/needs', { body });
          toast('需求已发布，正在为您匹配产品。');
          go(needPath(n.id));
        } catch (e) {
          showFormErrors(form, e);
        }
      });
    });
    return frag(
      pageHead('发布需求', { crumbs: [['我的需求', '/needs'], ['发布需求']], lead: '发布后平台即为您推荐匹配的产品和组合方案包，并以匿名方式推送给相关服务商。' }),
      form);
  }

  function matchCard(m, need) {
    const canOrder = role() === 'enterprise' && need.status === 'open';
    const isBundle = m.kind === 'bundle';
    const x = (isBundle ? m.bundle : m.product) || {};
    const title = isBundle ? x.name : linkTo(`/products/${encodeURIComponent(x.id)}`, x.name);
    return h('li', null, h('article', { class: 'card match-card' },
      h('div', { class: 'card-top' },
        h('div', { class: 'chips' },
          isBundle ? badge('组合方案包', 'blue') : badge(label(L.delivery, x.delivery), 'blue'),
          !isBundle && x.ai_powered ? h('span', { class: 'badge badge-ai' }, 'AI 赋能') : null,
          isBundle ? null : xkqzBadges(x.xkqz)),
        scoreBadge(m.score)),
      h('h3', null, title),
      h('p', { class: 'card-sub' }, x.supplier_id ? linkTo(`/suppliers/${encodeURIComponent(x.supplier_id)}`, x.supplier_name || '查看服务商') : (x.supplier_name || '')),
      x.summary || x.description ? h('p', { class: 'clamp' }, x.summary || x.description) : null,
      reasonChips(m.reasons),
      h('div', { class: 'card-foot' },
        isBundle
          ? h('div', { class: 'price' }, h('span', { class: 'pilot' }, '方案包价', h('strong', null, fmtMoney(x.price_fen))))
          : h('div', { class: 'price' }, h('span', { class: 'pilot' }, '试点价', h('strong', null, fmtMoney(x.pilot_price_fen ?? x.price_fen))),
            h('span', { class: 'unit' }, `${priceUnitText(x.price_unit)} · 部署 ${fmtNum(x.deploy_days)} 天`)),
        canOrder ? orderButton(m.kind, x, { needId: need.id, small: true }) : null)));
  }

  async function pageNeedDetail(ctx) {
    const id = ctx.args.id;
    const n = await get(needPath(id));
    let matches = null;
    let matchError = null;
    try {
      matches = await get(`${needPath(id)}/matches`, { limit: 10 });
    } catch (e) {
      matchError = e;
    }
    const mine = role() === 'enterprise' && orgId() === n.enterprise_id;
    const actions = [];
    if (mine && n.status === 'open') {
      actions.push(h('button', {
        type: 'button', class: 'btn btn-danger',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          if (await confirmDialog('关闭需求', `确认关闭需求“${n.title}”？关闭后不再向服务商推送。`, '关闭需求', true)) {
            act(btn, () => post(`${needPath(id)}/close`), '需求已关闭。');
          }
        },
      }, '关闭需求'));
    }
    const items = matches?.items || [];
    return frag(
      pageHead(n.title || '需求', {
        crumbs: [[role() === 'organiser' ? '企业需求' : '我的需求', '/needs'], [n.title || '需求']],
        actions: actions.length ? actions : null,
      }),
      h('section', { class: 'panel' },
        h('div', { class: 'title-row', style: 'margin-bottom:12px' }, statusBadge(n.status, L.needStatus, NEED_TONE)),
        h('p', { class: 'pre-wrap' }, n.description || '—'),
        kv([
          ['业务环节', chips(n.stages, L.stage) || '—'],
          ['预算', fmtMoney(n.budget_fen)],
          ['部署周期', n.max_deploy_days ? `${fmtNum(n.max_deploy_days)} 天以内` : '不限'],
          ['发布时间', fmtTime(n.created_at)],
          role() === 'organiser' && n.enterprise_id ? ['企业', linkTo(`/enterprises/${encodeURIComponent(n.enterprise_id)}`, '查看企业档案')] : null,
        ])),
      h('section', { class: 'section' },
        h('h2', null, '为您匹配的产品与方案包'),
        h('p', { class: 'muted small' }, '按匹配度从高到低（最佳匹配记为 100%）；标签说明推荐理由。', mine && n.status === 'open' ? '下单时会自动关联本需求。' : ''),
        matchError ? alertBox('warn', '暂时无法获取匹配结果', matchError.message)
          : items.length ? h('ol', { class: 'grid match-list' }, items.map((m) => matchCard(m, n)))
            : emptyState('暂未找到匹配的产品。可调整需求描述或预算后重新发布，或直接浏览产品目录。', linkTo('/products', '浏览产品目录', 'btn'))));
  }

  async function pageLeads() {
    const oid = requireOrg();
    const data = await get(`/suppliers/${oid}/leads`, { limit: 20 });
    const items = data?.items || [];
    const leadCard = (l) => {
      const n = l.need || {};
      const e = l.enterprise || {};
      return h('li', null, h('article', { class: 'card lead-card' },
        h('div', { class: 'card-top' },
          h('div', { class: 'chips' },
            h('span', { class: 'chip chip-industry' }, label(L.industry, e.industry)),
            e.district ? h('span', { class: 'chip' }, e.district) : null,
            e.size ? h('span', { class: 'chip' }, sizeText(e.size)) : null),
          scoreBadge(l.score)),
        h('h3', null, n.title || '（无标题）'),
        h('p', { class: 'card-sub' }, '发布于 ', fmtTime(n.created_at), ' · 企业信息已匿名'),
        h('p', { class: 'clamp pre-wrap' }, n.description || ''),
        chips(n.stages, L.stage),
        h('dl', { class: 'facts' },
          h('div', null, h('dt', null, '预算：'), h('dd', null, fmtMoney(n.budget_fen))),
          h('div', null, h('dt', null, '部署周期：'), h('dd', null, n.max_deploy_days ? `${fmtNum(n.max_deploy_days)} 天以内` : '不限'))),
        leadProducts(l.products || [])));
    };
    // The best three products with their first reasons; the rest folded away, so a lead stays
    // readable however many products match it.
    const leadProducts = (products) => {
      if (!products.length) return null;
      const item = (pr) => h('li', null,
        h('div', { class: 'title-row' }, linkTo(`/products/${encodeURIComponent(pr.id)}`, pr.name), scoreBadge(pr.score)),
        reasonChips((pr.reasons || []).slice(0, 3)));
      const more = products.slice(3);
      return h('div', { class: 'lead-products' },
        h('h4', null, '贵单位匹配的产品'),
        h('ul', { class: 'list-plain' }, products.slice(0, 3).map(item)),
        more.length ? h('details', null, h('summary', null, `另有 ${more.length} 款产品匹配`),
          h('ul', { class: 'list-plain' }, more.map(item))) : null);
    };
    return frag(
      pageHead('商机线索', {
        lead: '与贵单位在架产品相匹配的企业需求，按匹配度排序（百分比为相对匹配度）。为保护企业信息，仅显示行业、区域和规模；企业选择下单后，您将在“客户订单”中看到。',
      }),
      supplierStatusNotice(),
      items.length ? h('ol', { class: 'grid lead-list' }, items.map(leadCard))
        : emptyState('暂无匹配的需求线索。完善产品的适用行业、业务环节和价格信息，有助于被更多需求匹配。', linkTo('/supplier/products', '查看我的产品', 'btn')));
  }

  // ---------------------------------------------------------------------------
  // Pages: background jobs (organisers)
  // ---------------------------------------------------------------------------

  async function pageJobs(ctx) {
    const p = ctx.params;
    const status = Object.prototype.hasOwnProperty.call(L.jobStatus, p.get('status')) ? p.get('status') : 'dead';
    const data = await get('/admin/jobs', { status, page: pageParam(p), per_page: 20 });
    const items = data?.items || [];

    const rows = items.map((j) => {
      const args = (j.payload && j.payload.args) || {};
      const eventId = args.event_id || args.mail?.event_id;
      const template = args.mail?.template;
      return h('tr', null,
        h('td', null,
          h('div', null, label(L.jobKind, j.kind)),
          template ? h('div', { class: 'small muted' }, label(L.notificationKind, template)) : null,
          h('div', { class: 'small muted mono' }, j.id)),
        h('td', null, statusBadge(j.status, L.jobStatus, JOB_TONE)),
        h('td', { class: 'num nowrap' }, `${fmtNum(j.attempts)} / ${fmtNum(j.max_attempts)}`),
        h('td', { class: 'nowrap' }, fmtTime(j.run_at)),
        h('td', { class: 'job-error' }, j.last_error ? h('pre', { class: 'code-block' }, j.last_error) : h('span', { class: 'muted' }, '—')),
        h('td', null,
          eventId ? h('div', null, linkTo(eventPath(eventId), '查看活动')) : null,
          h('details', null, h('summary', null, '任务参数'), h('pre', { class: 'code-block' }, JSON.stringify(j.payload, null, 2)))),
        h('td', { class: 'nowrap small' }, '创建 ', fmtTime(j.created_at), h('br'), '更新 ', fmtTime(j.updated_at)),
        h('td', null, j.status === 'dead'
          ? h('button', {
            type: 'button', class: 'btn btn-sm btn-primary',
            onClick: (ev) => act(ev.currentTarget, () => post(`/admin/jobs/${encodeURIComponent(j.id)}/retry`), '任务已重新加入队列。'),
          }, '重试')
          : h('span', { class: 'muted small' }, '—')));
    });

    return frag(
      pageHead('任务监控', {
        lead: '后台任务（活动通知群发、活动提醒、邮件发送）的执行情况。多次重试仍失败的任务标记为“已失败”；排除故障（如邮件服务器不可用）后，可点“重试”重新加入队列，同一通知不会重复发送给同一人。',
        actions: [h('button', { type: 'button', class: 'btn', onClick: () => render({ focus: false }) }, '刷新')],
      }),
      tabs(Object.keys(L.jobStatus).map((k) => [`/admin/jobs?status=${k}`, L.jobStatus[k]]), `/admin/jobs?status=${status}`),
      items.length ? h('div', { class: 'table-wrap' }, h('table', null,
        h('caption', { class: 'sr-only' }, `${label(L.jobStatus, status)}的任务`),
        h('thead', null, h('tr', null, ['任务', '状态', '尝试次数', '计划执行时间', '最后错误', '详情', '时间', '操作'].map((t, i) => h('th', { scope: 'col', class: i === 2 ? 'num' : null }, t)))),
        h('tbody', null, rows)))
        : emptyState(status === 'dead' ? '没有失败的任务。' : `暂无“${label(L.jobStatus, status)}”的任务。`),
      pager(data, '/admin/jobs', p, '个'));
  }

  // ---------------------------------------------------------------------------
  // Router
  // ---------------------------------------------------------------------------

  const routes = [];
  function route(pattern, handler, roles) {
    const keys = [];
    const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '/?$');
    routes.push({ re, keys, handler, roles });
  }

  route('/products', pageProducts);
  route('/products/:id', pageProductDetail);
  route('/bundles', pageBundles);
  route('/suppliers', pageSuppliers);
  route('/suppliers/:id', pageSupplierDetail);
  route('/login', pageLogin);
  route('/register', pageRegister);
  route('/supplier/products', pageSupplierProducts, ['supplier']);
  route('/supplier/products/new', pageProductForm, ['supplier']);
  route('/supplier/products/:id/edit', pageProductForm, ['supplier']);
  route('/supplier/bundles', pageSupplierBundles, ['supplier']);
  route('/supplier/bundles/new', pageBundleForm, ['supplier']);
  route('/review/products', pageReviewProducts, ['reviewer', 'organiser']);
  route('/review/bundles', pageReviewBundles, ['reviewer', 'organiser']);
  route('/admin/suppliers', pageAdminSuppliers, ['organiser']);
  route('/admin/enterprises', pageAdminEnterprises, ['organiser']);
  route('/admin/stats', pageStats, ['organiser']);
  route('/admin/users', pageUsers, ['organiser']);
  route('/admin/jobs', pageJobs, ['organiser']);
  route('/events', pageEvents);
  route('/events/new', pageEventForm, ['organiser']); // before /events/:id
  route('/events/:id/edit', pageEventForm, ['organiser']);
  route('/events/:id', pageEventDetail);
  route('/orders', pageOrders, ['enterprise', 'supplier', 'organiser']);
  route('/orders/new', pageOrderNew, ['enterprise']); // before /orders/:id
  route('/orders/:id', pageOrderDetail, ['enterprise', 'supplier', 'organiser']);
  route('/needs', pageNeeds, ['enterprise', 'organiser']);
  route('/needs/new', pageNeedForm, ['enterprise']); // before /needs/:id
  route('/needs/:id', pageNeedDetail, ['enterprise', 'organiser']);
  route('/supplier/leads', pageLeads, ['supplier']);
  route('/me/notifications', pageNotifications, ALL_ROLES);
  route('/me/preferences', pagePreferences, ALL_ROLES);
  route('/enterprise/profile', () => {
    if (!orgId()) throw new ApiError(403, { detail: '当前账号未关联企业。' });
    return enterpriseProfile(orgId(), { mine: true });
  }, ['enterprise']);
  route('/enterprises/:id', (ctx) => enterpriseProfile(ctx.args.id, { mine: role() === 'enterprise' }), ['organiser', 'enterprise']);

  function parseHash() {
    const raw = location.hash.slice(1);
    const i = raw.indexOf('?');
    const path = i >= 0 ? raw.slice(0, i) : raw;
    const qs = i >= 0 ? raw.slice(i + 1) : '';
    return { path: path === '/' || path === '' ? '/products' : path, params: new URLSearchParams(qs) };
  }

  function safeDecode(s) {
    try { return decodeURIComponent(s); } catch { return s; }
  }

  // Navigate; with replace, the current history entry is overwritten.
  function go(path, params, replace) {
    const hash = buildHash(path, params || {});
    if (location.hash === hash) { render(); return; }
    if (replace) { history.replaceState(null, '', hash); render(); } else location.hash = hash;
  }

  let renderSeq = 0;
  async function render({ focus = true } = {}) {
    const app = document.getElementById('app');
    if (location.hash && !location.hash.startsWith('#/')) return; // in-page anchors
    const { path, params } = parseHash();
    const seq = ++renderSeq;
    closeMobileNav();
    updateNav(path, params);

    let match = null;
    let args = {};
    for (const r of routes) {
      const m = r.re.exec(path);
      if (m) { match = r; args = Object.fromEntries(r.keys.map((k, i) => [k, safeDecode(m[i + 1])])); break; }
    }

    let node;
    if (!match) {
      node = frag(pageHead('页面不存在'), alertBox('warn', null, '您访问的页面不存在。'), linkTo('/products', '返回产品目录', 'btn'));
    } else if (match.roles && !state.me) {
      const next = location.hash.slice(1);
      go('/login', { next }, true);
      return;
    } else if (match.roles && !match.roles.includes(role())) {
      node = frag(pageHead('无权访问'), alertBox('warn', null, `当前账号（${label(L.role, role())}）无权访问此页面。`), linkTo(homeFor(role()), '返回工作台', 'btn'));
    } else {
      if (!app.querySelector('.page-head')) app.replaceChildren(h('p', { class: 'loading', role: 'status' }, '正在加载…'));
      else app.setAttribute('aria-busy', 'true');
      try {
        node = await match.handler({ path, params, args });
      } catch (e) {
        if (seq !== renderSeq) return;
        node = errorPage(e);
      }
    }
    if (seq !== renderSeq) return;
    app.removeAttribute('aria-busy');
    app.replaceChildren(node);
    const h1 = app.querySelector('h1');
    document.title = h1 ? `${h1.textContent} · ${SITE}` : SITE;
    if (focus) {
      window.scrollTo(0, 0);
      if (h1) h1.focus({ preventScroll: true });
    }
  }

  function errorPage(e) {
    const status = e?.status;
    if (status === 401) {
      return frag(pageHead('请先登录'), alertBox('warn', null, '此页面需要登录后查看。'),
        h('a', { class: 'btn btn-primary', href: buildHash('/login', { next: location.hash.slice(1) }) }, '去登录'));
    }
    const title = status === 404 ? '未找到' : status === 403 ? '无权访问' : '加载失败';
    return frag(pageHead(title),
      alertBox(status === 404 || status === 403 ? 'warn' : 'error', null, e?.message || '发生未知错误。'),
      h('div', { class: 'btn-row' },
        status && status !== 404 && status !== 403 ? h('button', { type: 'button', class: 'btn', onClick: () => render() }, '重试') : null,
        linkTo('/products', '返回产品目录', 'btn btn-link')));
  }

  // ---------------------------------------------------------------------------
  // Header, navigation, user box
  // ---------------------------------------------------------------------------

  const NAV = [
    { path: '/products', text: '产品目录', match: ['/products', '/bundles'] },
    { path: '/events', text: '宣讲对接活动', match: ['/events'] },
    { path: '/suppliers', text: '服务商', match: ['/suppliers'] },
    { sep: true },
    { path: '/supplier/products', text: '我的产品', roles: ['supplier'], match: ['/supplier/products'] },
    { path: '/supplier/bundles', text: '我的方案包', roles: ['supplier'], match: ['/supplier/bundles'] },
    { path: '/supplier/leads', text: '商机线索', roles: ['supplier'], match: ['/supplier/leads'] },
    { path: '/orders', text: '客户订单', roles: ['supplier'], match: ['/orders'] },
    { path: '/needs', text: '我的需求', roles: ['enterprise'], match: ['/needs'] },
    { path: '/orders', text: '我的订单', roles: ['enterprise'], match: ['/orders'] },
    { path: '/enterprise/profile', text: '我的企业档案', roles: ['enterprise'], match: ['/enterprise/profile', '/enterprises'] },
    { path: '/review/products', text: '审核队列', roles: ['reviewer', 'organiser'], match: ['/review'] },
    { path: '/admin/suppliers', text: '服务商审核', roles: ['organiser'], match: ['/admin/suppliers'] },
    { path: '/admin/enterprises', text: '企业档案', roles: ['organiser'], match: ['/admin/enterprises', '/enterprises'] },
    { path: '/orders', text: '订单', roles: ['organiser'], match: ['/orders'] },
    { path: '/needs', text: '需求', roles: ['organiser'], match: ['/needs'] },
    { path: '/admin/stats', text: '试点数据', roles: ['organiser'], match: ['/admin/stats'] },
    { path: '/admin/users', text: '账号管理', roles: ['organiser'], match: ['/admin/users'] },
    { path: '/admin/jobs', text: '任务监控', roles: ['organiser'], match: ['/admin/jobs'] },
    { path: '/me/notifications', text: '消息通知', roles: ALL_ROLES, match: ['/me'] },
    { href: '/docs', text: 'API 文档' },
  ];

  function renderChrome() {
    const r = role();
    const list = document.getElementById('nav-list');
    list.replaceChildren(...NAV.filter((n) => !n.roles || n.roles.includes(r)).map((n) => {
      if (n.sep) return h('li', { class: 'nav-sep', 'aria-hidden': 'true' });
      if (n.href) return h('li', null, h('a', { href: n.href, target: '_blank', rel: 'noopener' }, n.text, h('span', { class: 'sr-only' }, '（新窗口打开）')));
      return h('li', null, h('a', { href: '#' + n.path, dataset: { match: (n.match || [n.path]).join(' ') } }, n.text));
    }));

    const box = document.getElementById('user-box');
    if (state.me?.user) {
      const u = state.me.user;
      box.replaceChildren(
        h('span', { class: 'badge badge-blue' }, label(L.role, u.role)),
        h('span', { class: 'user-name' }, u.display_name || u.email),
        state.me.organisation?.name ? h('span', { class: 'user-org', title: state.me.organisation.name }, state.me.organisation.name) : null,
        h('button', { type: 'button', class: 'btn btn-sm', onClick: logout }, '退出'));
    } else {
      box.replaceChildren(
        h('a', { class: 'btn btn-sm', href: buildHash('/login', {}) }, '登录'),
        h('a', { class: 'btn btn-sm btn-primary', href: '#/register' }, '注册'));
    }
    const { path, params } = parseHash();
    updateNav(path, params);
  }

  function updateNav(path) {
    document.querySelectorAll('#nav-list a[data-match]').forEach((a) => {
      const on = a.dataset.match.split(' ').some((m) => path === m || path.startsWith(m + '/'));
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
  }

  function closeMobileNav() {
    const nav = document.getElementById('site-nav');
    const btn = document.getElementById('nav-toggle');
    if (nav && btn) { nav.classList.remove('open'); btn.setAttribute('aria-expanded', 'false'); }
  }

  // ---------------------------------------------------------------------------
  // Boot
  // ---------------------------------------------------------------------------

  async function boot() {
    document.getElementById('nav-toggle').addEventListener('click', (ev) => {
      const nav = document.getElementById('site-nav');
      const open = !nav.classList.contains('open');
      nav.classList.toggle('open', open);
      ev.currentTarget.setAttribute('aria-expanded', String(open));
    });
    document.getElementById('skip-link').addEventListener('click', () => {
      const target = document.querySelector('#app h1') || document.getElementById('main');
      target.focus();
    });
    // Keep tabs in step: logging out (or in) elsewhere applies here too.
    window.addEventListener('storage', async (ev) => {
      if (ev.key !== LS_ACCESS && ev.key !== LS_REFRESH) return;
      const wasIn = !!state.me;
      if (!tokens.access && !tokens.refresh) {
        state.me = null;
      } else if (!wasIn) {
        await loadMe();
      } else {
        return; // a token rotation in another tab: nothing to redraw
      }
      renderChrome();
      render({ focus: false });
    });
    window.addEventListener('hashchange', () => render());

    renderChrome();
    await loadMe();
    renderChrome();
    await render({ focus: false });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
