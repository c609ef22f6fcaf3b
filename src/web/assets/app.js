// The status page: connector cards from /api/connectors, refreshed every 10 seconds, and a query
// box over POST /api/query. Every server value is inserted as text; the only HTML built from data
// is the Markdown description, which is escaped first and then given a few safe tags.
'use strict';

const state = { token: sessionStorage.getItem('intake-token') || '' };

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.token) h['Authorization'] = 'Bearer ' + state.token;
  return h;
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({}, options || {}, { headers: headers((options || {}).headers) }));
  if (res.status === 401) {
    document.getElementById('token-form').hidden = false;
    throw new Error('The API needs a token: enter it above.');
  }
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error || res.statusText), { where: body.where });
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// A small Markdown subset (paragraphs, line breaks, lists, **bold**, *italic*, `code`, http(s)
// links). The text is escaped before any tag is added, so nothing in it can become markup.
function renderMarkdown(md) {
  const inline = s => escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*]+)\*/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" rel="noopener noreferrer" target="_blank">$1</a>');
  const blocks = String(md || '').split(/\n\s*\n/);
  return blocks.map(b => {
    const lines = b.split('\n');
    if (lines.every(l => /^\s*[-*]\s+/.test(l))) {
      return '<ul>' + lines.map(l => '<li>' + inline(l.replace(/^\s*[-*]\s+/, '')) + '</li>').join('') + '</ul>';
    }
    return '<p>' + lines.map(inline).join('<br>') + '</p>';
  }).join('');
}

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const ago = Math.round((Date.now() - d.getTime()) / 1000);
  const rel = Math.abs(ago) < 90 ? Math.abs(ago) + ' s' : Math.abs(ago) < 5400 ? Math.round(Math.abs(ago) / 60) + ' min' : Math.round(Math.abs(ago) / 3600) + ' h';
  return d.toISOString().replace('.000Z', 'Z') + (ago >= 0 ? ' (' + rel + ' ago)' : ' (in ' + rel + ')');
}

const SVG = 'http://www.w3.org/2000/svg';
function chart(days) {
  const w = 280, h = 90, pad = 14, n = days.length || 1;
  const max = Math.max(1, ...days.map(d => d.rows));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const total = days.reduce((a, d) => a + d.rows, 0);
  svg.setAttribute('aria-label', `Rows received per day over the last ${days.length} days: ${total} in total`);
  const bw = (w - 2) / n;
  days.forEach((d, i) => {
    const bh = Math.round((h - pad - 4) * d.rows / max);
    const r = document.createElementNS(SVG, 'rect');
    r.setAttribute('x', (1 + i * bw + 1).toFixed(1));
    r.setAttribute('y', String(h - pad - bh));
    r.setAttribute('width', Math.max(1, bw - 2).toFixed(1));
    r.setAttribute('height', String(Math.max(bh, d.rows ? 1 : 0)));
    r.setAttribute('data-day', d.day);
    r.setAttribute('data-rows', String(d.rows));
    const t = document.createElementNS(SVG, 'title');
    t.textContent = `${d.day}: ${d.rows} rows`;
    r.append(t);
    svg.append(r);
  });
  for (const [i, anchor] of [[0, 'start'], [n - 1, 'end']]) {
    if (!days[i]) continue;
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', anchor === 'start' ? '1' : String(w - 1));
    t.setAttribute('y', String(h - 2));
    t.setAttribute('text-anchor', anchor);
    t.textContent = days[i].day.slice(5);
    svg.append(t);
  }
  return svg;
}

function card(c) {
  const head = el('div', { class: 'card-head' });
  if (typeof c.logo === 'string' && /^data:image\/(png|svg\+xml|jpeg);base64,[A-Za-z0-9+/=]+$/.test(c.logo)) {
    head.append(el('img', { src: c.logo, alt: '' }));
  }
  head.append(el('div', {}, el('h2', {}, c.title || c.name), el('div', { class: 'publisher' }, (c.publisher || '') + ' · ' + c.name)));
  head.append(el('span', { class: 'status', 'data-status': c.status }, c.status));
  const facts = el('dl', { class: 'facts' });
  const fact = (k, v) => facts.append(el('dt', {}, k), el('dd', {}, v));
  fact('Last data received', when(c.lastDataReceived));
  fact('Last poll', when(c.lastRun));
  fact('Next poll', when(c.nextRun));
  fact('Schedule', c.schedule);
  fact('Checkpoint', c.checkpoint || '—');
  fact('Events / rows', `${c.events} / ${c.rows}`);
  fact('Tables', (c.tables || []).join(', '));
  if (c.lastError) fact('Last error', c.lastError);
  const desc = el('div', { class: 'description' });
  desc.innerHTML = renderMarkdown(c.descriptionMarkdown);
  const params = el('dl', { class: 'facts' });
  for (const [k, v] of Object.entries(c.parameters || {})) params.append(el('dt', {}, k), el('dd', {}, v));
  const samples = el('ul', { class: 'samples' });
  for (const q of c.sampleQueries || []) {
    const b = el('button', { type: 'button', class: 'sample-query', title: q.query }, q.description || q.query);
    b.addEventListener('click', () => runQuery(q.query));
    samples.append(el('li', {}, b));
  }
  const output = el('pre', { class: 'action-output', hidden: true });
  const actions = el('ul', { class: 'actions' });
  for (const a of c.actions || []) {
    const b = el('button', { type: 'button', class: 'action', title: a.description || a.name, 'data-action': a.name }, a.name);
    b.addEventListener('click', () => runAction(c.name, a, output));
    actions.append(el('li', {}, b));
  }
  const root = el('article', { class: 'card', 'data-connector': c.name },
    head,
    c.reason ? el('div', { class: 'reason' }, c.reason) : null,
    chart(c.rowsPerDay || []),
    facts,
    desc,
    el('details', {}, el('summary', {}, 'Parameters'), params),
    samples.childElementCount ? el('div', {}, el('strong', {}, 'Sample queries'), samples) : null,
    actions.childElementCount ? el('div', {}, el('strong', {}, 'Actions'), actions, output) : null);
  return root;
}

// Runs a package action (POST /api/connectors/{name}/actions/{action}); its parameters are asked
// for one by one, offering the default and naming the allowed values.
async function runAction(connector, action, output) {
  const parameters = {};
  for (const p of action.parameters || []) {
    const hint = p.allowed && p.allowed.length ? ' (one of ' + p.allowed.join(', ') + ')' : '';
    const v = window.prompt(action.name + ': ' + (p.description || p.name) + hint, p.default || (p.allowed || [])[0] || '');
    if (v === null) return;
    if (v !== '' || p.required) parameters[p.name] = v;
  }
  output.hidden = false;
  output.textContent = 'Running ' + action.name + '…';
  try {
    const res = await fetch('/api/connectors/' + encodeURIComponent(connector) + '/actions/' + encodeURIComponent(action.name), {
      method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify({ parameters }) });
    const r = await res.json();
    output.setAttribute('data-ok', String(!!r.ok));
    output.textContent = r.ok
      ? 'ok: HTTP ' + r.status + (r.acceptedError ? ' (' + r.acceptedError + ' counts as success)' : '') + '\n' + r.result
      : 'failed: ' + r.error;
  } catch (e) {
    output.setAttribute('data-ok', 'false');
    output.textContent = 'failed: ' + e.message;
  }
}

async function refresh() {
  try {
    const data = await api('/api/connectors');
    const cards = document.getElementById('cards');
    cards.replaceChildren(...data.connectors.map(card));
    const by = {};
    for (const c of data.connectors) by[c.status] = (by[c.status] || 0) + 1;
    document.getElementById('summary').textContent =
      data.connectors.length + ' connectors: ' + Object.entries(by).map(([k, v]) => v + ' ' + k).join(', ');
  } catch (e) {
    document.getElementById('summary').textContent = e.message;
  }
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

async function runQuery(text) {
  const box = document.getElementById('query');
  if (typeof text === 'string') box.value = text;
  const status = document.getElementById('query-status');
  const err = document.getElementById('query-error');
  const table = document.getElementById('results');
  err.hidden = true;
  status.textContent = 'Running…';
  const started = performance.now();
  try {
    const r = await api('/api/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: box.value, maxRows: 1000 }) });
    const thead = el('thead', {}, el('tr', {}, ...r.columns.map(c => el('th', { title: c.type }, c.name))));
    const tbody = el('tbody', {}, ...r.rows.map(row => el('tr', {}, ...row.map(v => el('td', {}, cellText(v))))));
    table.replaceChildren(thead, tbody);
    status.textContent = `${r.rows.length} rows in ${Math.round(performance.now() - started)} ms`;
    table.setAttribute('data-rows', String(r.rows.length));
  } catch (e) {
    table.replaceChildren();
    table.removeAttribute('data-rows');
    status.textContent = '';
    err.textContent = (e.where ? e.where + ': ' : '') + e.message;
    err.hidden = false;
  }
  document.getElementById('query-panel').scrollIntoView({ block: 'nearest' });
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('run-query').addEventListener('click', () => runQuery());
  document.getElementById('query').addEventListener('keydown', e => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) runQuery();
  });
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    state.token = document.getElementById('token').value;
    sessionStorage.setItem('intake-token', state.token);
    document.getElementById('token-form').hidden = true;
    refresh();
  });
  refresh();
  setInterval(refresh, 10000);
});
