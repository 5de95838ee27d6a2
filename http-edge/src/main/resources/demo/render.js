/*
 * What the demo page draws: execution cards, counters, banners and the notifications list. Nothing here talks to
 * the server; demo.js calls these with the figures it keeps.
 */

const MAX_CARDS = 24; // finished cards beyond this leave the page (their figures stay in stats())
const STEPS = ['requested', 'queued', 'scheduled', 'running', 'done'];
/** Statuses of the contract in the order an execution goes through them; the last four are terminal. */
const STEP_OF = {requested: 0, queued: 1, scheduled: 2, running: 3, completed: 4, failed: 4, timeout: 4, cancelled: 4};
const LINK_TEXT = {connecting: 'connecting', live: 'live', reconnecting: 'reconnecting', waiting: 'in line', done: 'done', error: 'stopped'};
const CONNECTION_TEXT = {idle: 'not connected', connecting: 'connecting …', live: 'live', reconnecting: 'reconnecting …', offline: 'offline'};

export const $ = (id) => document.getElementById(id);
const warnings = [];

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export function createCard(ex) {
  const card = el('article', 'exec');
  card.dataset.id = ex.id;
  const head = el('div', 'exec-head');
  const badge = el('span', 'badge', 'new');
  const id = el('span', 'exec-id', ex.id);
  id.title = ex.id;
  const link = el('span', 'link', 'in line');
  head.append(badge, id, link);
  const steps = el('div', 'steps');
  STEPS.forEach((name) => {
    const step = el('span');
    step.title = name;
    steps.append(step);
  });
  const meta = el('div', 'exec-meta');
  const count = el('span', 'count', '0 events');
  const span = el('span', 'span');
  const note = el('span', 'note');
  meta.append(count, span, note);
  const list = el('ol', 'events');
  card.append(head, steps, meta, list);
  ex.card = {root: card, badge, link, steps, count, span, note, list};
  $('cards').prepend(card);
  $('empty').hidden = true;
  renderCard(ex);
}

export function renderCard(ex) {
  const c = ex.card;
  if (!c) {
    return;
  }
  const status = ex.status || 'new';
  c.root.dataset.status = status;
  c.root.dataset.state = ex.state;
  c.root.dataset.link = ex.link;
  c.root.dataset.seqs = String(ex.seqs.size);
  c.badge.textContent = status;
  c.link.textContent = LINK_TEXT[ex.link] || ex.link;
  const step = ex.status in STEP_OF ? STEP_OF[ex.status] : -1;
  Array.from(c.steps.children).forEach((s, i) => s.classList.toggle('on', i <= step));
  c.count.textContent = ex.events.length + (ex.events.length === 1 ? ' event' : ' events');
  c.span.textContent = duration(ex);
  const problems = [];
  if (ex.duplicates) {
    problems.push(ex.duplicates + ' repeated');
  }
  if (ex.gaps) {
    problems.push(ex.gaps + ' missing');
  }
  const resumes = ex.counters.resumes || 0;
  c.note.textContent = problems.length ? '⚠ ' + problems.join(', ') : (resumes ? 'resumed ×' + resumes : ex.note);
  c.note.className = problems.length ? 'note warn' : 'note';
}

/** One event row; the row where the status first turns terminal is marked as the end. */
export function appendEvent(ex, event, previousStatus) {
  if (!ex.card) {
    return;
  }
  const li = el('li', 'fresh');
  li.dataset.seq = String(event.seq);
  li.dataset.kind = event.type.split(/[_.:-]/)[0];
  if (STEP_OF[event.status] === 4 && STEP_OF[previousStatus] !== 4) {
    li.classList.add('closing');
  }
  const type = el('span', 'type', event.type);
  type.title = event.status ? event.type + ' → ' + event.status : event.type;
  li.append(el('span', 'seq', String(event.seq)), type, el('span', 'time', clock(event.time)));
  ex.card.list.append(li);
  ex.card.list.scrollTop = ex.card.list.scrollHeight;
}

export function appendGapRow(ex, from, to) {
  if (ex.card) {
    ex.card.list.append(el('li', 'gap', 'events ' + from + '–' + to + ' are no longer retained by the server'));
  }
}

/** Removes the oldest finished cards beyond MAX_CARDS. */
export function pruneCards(executions) {
  const cards = Array.from($('cards').children);
  let excess = cards.length - MAX_CARDS;
  for (let i = cards.length - 1; i >= 0 && excess > 0; i--) {
    const ex = executions.get(cards[i].dataset.id);
    if (ex && (ex.state === 'done' || ex.state === 'failed')) {
      cards[i].remove();
      ex.card = null;
      excess--;
    }
  }
}

export function renderCounters(figures) {
  $('c-executions').textContent = figures.executions;
  $('c-streaming').textContent = figures.streaming;
  $('c-queued').textContent = figures.queued;
  $('c-finished').textContent = figures.finished;
  $('c-events').textContent = figures.events;
  $('c-resumes').textContent = figures.resumes;
  const bad = figures.duplicates + figures.gaps > 0;
  $('c-check-box').classList.toggle('bad', bad);
  $('c-check').textContent = bad ? '⚠ ' + (figures.duplicates + figures.gaps) : '✓';
  $('c-check-label').textContent = bad ? figures.gaps + ' missing, ' + figures.duplicates + ' repeated' : 'no gap, no repeat';
}

export function setConnection(state) {
  $('conn').dataset.state = state;
  $('conn-text').textContent = CONNECTION_TEXT[state];
}

export function addNotification(kind, text, timestamp, code) {
  const list = $('notifications');
  const placeholder = list.querySelector('.muted');
  if (placeholder) {
    placeholder.remove();
  }
  const li = el('li');
  li.append(el('span', 'n-time', clock(timestamp || new Date().toISOString())), el('span', 'n-kind', kind), document.createTextNode(' '),
      code ? el('code', null, text) : document.createTextNode(text));
  list.prepend(li);
  while (list.children.length > 40) {
    list.lastChild.remove();
  }
}

/** A gap or a repeat: kept for stats() and shown in the red banner. */
export function warn(text) {
  warnings.push(text);
  const banner = $('warning');
  banner.textContent = '⚠ The page saw a gap or a repeated event: ' + text
      + (warnings.length > 1 ? ' (and ' + (warnings.length - 1) + ' more)' : '');
  banner.hidden = false;
}

export function warningList() {
  return warnings.slice();
}

export function notice(text) {
  const banner = $('notice');
  banner.textContent = text;
  banner.hidden = !text;
}

/** Who the token says the user is (read from its claims; the server checks the signature). */
export function showUser(claims, token) {
  const who = $('who');
  who.textContent = '';
  if (!claims) {
    who.textContent = token ? 'token unreadable' : 'no token';
    return false;
  }
  const admin = Array.isArray(claims.roles) && claims.roles.includes('admin');
  who.append(document.createTextNode('signed in as '), el('b', null, claims.sub || '?'));
  if (admin) {
    who.append(document.createTextNode(' (admin)'));
  }
  if (claims.exp) {
    who.title = 'token valid until ' + new Date(claims.exp * 1000).toLocaleString();
  }
  return admin;
}

function clock(iso) {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  if (isNaN(d)) {
    return '';
  }
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

function duration(ex) {
  const times = ex.events.map((e) => Date.parse(e.time)).filter((t) => !isNaN(t));
  if (times.length < 2) {
    return '';
  }
  return ((Math.max(...times) - Math.min(...times)) / 1000).toFixed(1) + ' s';
}
