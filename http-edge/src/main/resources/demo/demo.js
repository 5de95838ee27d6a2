/*
 * sse-router demo page: plain JavaScript, no build step, no dependency.
 *
 * How it learns of executions: there is no "list executions" endpoint. The page holds one EventSource on
 * /api/v1/events/notifications; an `execution_started` notification (sent to the execution's owner) names a new
 * execution, and the page then opens that execution's EventSource.
 *
 * Why at most 4 execution streams at once: over HTTP/1.1 a browser keeps at most 6 connections per host, and each
 * EventSource holds one for as long as it is open. The notifications stream takes one, 4 executions take 4, and one
 * stays free for the page's own requests (status look-ups, reloads); with all 6 taken, the next request would hang
 * until a stream ends. The edge also allows a user 10 open streams across all tabs. Executions beyond the cap wait
 * in a queue (their status is looked up once) and get a stream when one ends; a stream ends by itself shortly after
 * the execution's closing event, so slots free up as executions finish.
 *
 * Exactly once: every execution stream is opened with ?lastEventId=<highest seq rendered> (0 at first, so the
 * server replays the execution from seq 1); when the connection drops the browser reconnects by itself with a
 * Last-Event-ID header and the server sends exactly the events after it. A draining edge (event: shutdown) and a
 * refused reconnect (the browser gives up on a 503 or 429) make the page reopen after its highest seq itself. The
 * page records each rendered seq and counts repeats and gaps; window.sseDemo.stats() exposes them.
 */
(() => {
  'use strict';

  const MAX_STREAMS = 4;
  /** How many recently active executions the page asks for when it (re)connects. */
  const RECENT = 8;
  const MAX_CARDS = 24; // finished cards beyond this leave the page (their figures stay in stats())
  const EXECUTION_TYPES = [
    'execution_requested', 'execution_accepted', 'execution_queued', 'execution_started', 'execution_running',
    'execution_completed', 'execution_failed', 'execution_timeout', 'execution_cancelled',
    'pod_created', 'pod_scheduled', 'pod_running', 'pod_succeeded', 'pod_failed', 'pod_terminated', 'pod_deleted',
    'result_stored', 'result_failed'];
  /** Looks at a finished execution's snapshot, STRAGGLER_WAIT_MS apart, for events that followed its stream's end. */
  const SETTLE_LOOKS = 2;
  const STRAGGLER_WAIT_MS = 5000;
  const CLOSING = new Set(['result_stored', 'result_failed', 'execution_failed', 'execution_timeout', 'execution_cancelled']);
  const STEPS = ['requested', 'queued', 'scheduled', 'running', 'done'];
  const STEP_OF = {requested: 0, queued: 1, scheduled: 2, running: 3, completed: 4, failed: 4, timeout: 4, cancelled: 4};

  const $ = (id) => document.getElementById(id);
  const executions = new Map(); // id -> execution record
  const queue = [];
  const totals = {events: 0, duplicates: 0, gaps: 0, resumes: 0, maxConcurrent: 0, notificationReconnects: 0};
  const warnings = [];
  let token = new URLSearchParams(location.search).get('token') || '';
  let notifications = null;
  let notificationsState = 'idle';
  let notificationsDown = false;
  let notificationsRetry = null;

  // ---------------------------------------------------------------- API helpers

  function streamUrl(path, params) {
    const query = new URLSearchParams(Object.assign({token}, params || {}));
    return path + '?' + query.toString();
  }

  /** The status snapshot; resolves to {status: httpStatus, body}. */
  async function fetchStatus(id) {
    const response = await fetch('/api/v1/executions/' + encodeURIComponent(id) + '/status', {
      headers: {Authorization: 'Bearer ' + token}, cache: 'no-store'});
    let body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      // an empty or non-JSON body says nothing more than the status
    }
    return {status: response.status, body};
  }

  /**
   * Notifications are not kept, so whatever was announced while this page was away (or before it opened) is asked
   * for on every (re)connect: the user's most recently active executions. Running ones, and ones that finished in the
   * last two minutes (their events are still retained), are followed like announced ones.
   */
  async function discoverRecent() {
    try {
      const response = await fetch(streamUrl('/api/v1/executions', {limit: String(RECENT)}), {cache: 'no-store'});
      if (!response.ok) {
        return;
      }
      const body = await response.json();
      body.executions.slice().reverse().forEach((snap) => {
        if (!snap.closed || snap.age_seconds < 120) {
          discover(snap.execution_id);
        }
      });
    } catch (ignored) {
      // the next reconnect asks again
    }
  }

  function claims(jwt) {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
    } catch (ignored) {
      return null;
    }
  }

  // ---------------------------------------------------------------- notifications stream

  function connectNotifications() {
    clearTimeout(notificationsRetry);
    if (notifications) {
      notifications.close();
    }
    const es = new EventSource(streamUrl('/api/v1/events/notifications'));
    notifications = es;
    setConnection(notificationsDown ? 'reconnecting' : 'connecting');
    es.onopen = () => {
      if (notificationsDown) {
        totals.notificationReconnects++;
        notificationsDown = false;
      }
      setConnection('live');
      discoverRecent();
    };
    es.addEventListener('execution_started', (e) => {
      const n = JSON.parse(e.data);
      const id = n.data && n.data.execution_id;
      if (typeof id === 'string' && id) {
        addNotification('execution started', id, n.timestamp, true);
        discover(id);
      }
    });
    es.addEventListener('notification', (e) => {
      const n = JSON.parse(e.data);
      const d = n.data || {};
      addNotification(d.title || 'notification', d.message || '', n.timestamp);
    });
    es.addEventListener('shutdown', (e) => {
      const delay = Number(JSON.parse(e.data).reconnect_after_ms) || 0;
      setConnection('reconnecting');
      clearTimeout(notificationsRetry);
      notificationsRetry = setTimeout(() => {
        if (es === notifications) {
          notificationsDown = true;
          connectNotifications();
        }
      }, delay);
    });
    es.addEventListener('version', (e) => {
      const n = JSON.parse(e.data);
      $('version').textContent = (n.data && n.data.version) || '?';
    });
    es.addEventListener('error', (e) => {
      if (es !== notifications) {
        return;
      }
      if (e instanceof MessageEvent) { // the server's own `event: error`
        serverError(JSON.parse(e.data).reason, 'notifications');
        return;
      }
      notificationsDown = true;
      if (es.readyState === EventSource.CONNECTING) {
        setConnection('reconnecting'); // the browser retries after the server's `retry:` delay
      } else {
        setConnection('offline'); // refused (401, 429, 503 ...): find out why, then try again ourselves
        diagnose();
        notificationsRetry = setTimeout(connectNotifications, 3000);
      }
    });
  }

  /** An EventSource hides the HTTP status of a refused stream; the status endpoint tells what is wrong with the token. */
  async function diagnose() {
    try {
      const probe = await fetchStatus('token-check');
      if (probe.status === 401 && probe.body) {
        stopEverything('The token was refused (' + probe.body.error + '): ' + probe.body.message + '. Paste a new one.');
      }
    } catch (ignored) {
      // the edge is unreachable: the retry will tell
    }
  }

  function serverError(reason, where) {
    if (reason === 'token_expired') {
      stopEverything('The token has expired. Paste a new one to go on.');
    } else if (reason === 'connection_limit') {
      notice('The server closed the ' + where + ' stream: this user has too many open streams (other tabs?).');
    }
  }

  function stopEverything(message) {
    clearTimeout(notificationsRetry);
    if (notifications) {
      notifications.close();
      notifications = null;
    }
    for (const ex of executions.values()) {
      if (ex.es) {
        ex.es.close();
        ex.es = null;
      }
      clearTimeout(ex.timer);
      if (ex.state !== 'done') {
        ex.state = 'stopped';
        ex.link = 'error';
        renderCard(ex);
      }
    }
    queue.length = 0;
    setConnection('offline');
    notice(message);
    $('token-form').hidden = false;
    renderCounters();
  }

  // ---------------------------------------------------------------- executions

  function discover(id) {
    if (executions.has(id)) {
      return;
    }
    const ex = {
      id, status: null, state: 'new', link: 'waiting', es: null, timer: null,
      seqs: new Set(), maxSeq: 0, events: [], closedSeen: false,
      duplicates: 0, gaps: 0, replayGaps: 0, reconnects: 0, resumes: 0, opens: 0, catchUps: 0, settleTries: 0, settleLooks: 0, looksLeft: 0,
      reconnecting: false, retryDelay: 3000, note: '', card: null, waited: false,
    };
    executions.set(id, ex);
    createCard(ex);
    if (streaming() < MAX_STREAMS) {
      open(ex);
    } else {
      ex.state = 'queued';
      ex.waited = true;
      ex.link = 'waiting';
      ex.note = 'waits for a free stream';
      queue.push(id);
      renderCard(ex);
      peekStatus(ex);
    }
    renderCounters();
  }

  function streaming() {
    let n = 0;
    for (const ex of executions.values()) {
      if (ex.state === 'streaming') {
        n++;
      }
    }
    return n;
  }

  /** Opens (or reopens) an execution's stream after the highest seq rendered, so nothing is sent twice. */
  function open(ex) {
    ex.state = 'streaming';
    ex.opens++;
    ex.link = ex.reconnecting ? 'reconnecting' : 'connecting';
    const es = new EventSource(streamUrl('/api/v1/events/executions/' + encodeURIComponent(ex.id), {lastEventId: ex.maxSeq}));
    ex.es = es;
    totals.maxConcurrent = Math.max(totals.maxConcurrent, streaming());
    es.onopen = () => {
      if (ex.es !== es) {
        return;
      }
      if (ex.reconnecting) {
        ex.reconnecting = false;
        ex.resumes++;
        totals.resumes++;
      }
      ex.retryDelay = 3000;
      ex.note = '';
      ex.link = 'live';
      renderCard(ex);
      renderCounters();
    };
    const onEvent = (e) => {
      if (ex.es === es) {
        received(ex, e);
      }
    };
    EXECUTION_TYPES.forEach((type) => es.addEventListener(type, onEvent));
    es.onmessage = onEvent; // an event without a type
    es.addEventListener('status', (e) => {
      if (ex.es === es) {
        snapshot(ex, JSON.parse(e.data));
      }
    });
    es.addEventListener('replay_gap', (e) => {
      if (ex.es === es) {
        replayGap(ex, JSON.parse(e.data));
      }
    });
    es.addEventListener('shutdown', (e) => {
      if (ex.es === es) {
        moveAway(ex, es, JSON.parse(e.data));
      }
    });
    es.addEventListener('error', (e) => {
      if (ex.es === es) {
        streamError(ex, es, e);
      }
    });
    renderCard(ex);
  }

  /**
   * The edge is shutting down and asks this stream to reconnect after its own delay (spread so that the clients do
   * not all land on the other instances at once). Reopening after the highest rendered seq resumes exactly.
   */
  function moveAway(ex, es, notice) {
    ex.link = 'reconnecting';
    renderCard(ex);
    setTimeout(() => {
      if (ex.es === es && ex.state === 'streaming') {
        closeStream(ex);
        if (!ex.reconnecting) {
          ex.reconnecting = true;
          ex.reconnects++;
        }
        open(ex);
      }
    }, Number(notice.reconnect_after_ms) || 0);
  }

  function received(ex, e) {
    const envelope = JSON.parse(e.data);
    const seq = Number(envelope.seq !== undefined ? envelope.seq : e.lastEventId);
    if (ex.seqs.has(seq)) {
      ex.duplicates++;
      totals.duplicates++;
      warn('repeat of seq ' + seq + ' in ' + ex.id);
      renderCard(ex);
      return;
    }
    if (seq > ex.maxSeq + 1) {
      const missing = seq - ex.maxSeq - 1;
      ex.gaps += missing;
      totals.gaps += missing;
      warn('gap before seq ' + seq + ' in ' + ex.id + ' (' + missing + ' missing)');
    }
    ex.seqs.add(seq);
    ex.maxSeq = Math.max(ex.maxSeq, seq);
    const type = envelope.event_type || e.type;
    const event = {seq, type, time: envelope.timestamp || null, status: envelope.status || null};
    ex.events.push(event);
    if (event.status) {
      ex.status = event.status;
    }
    if (CLOSING.has(type)) {
      ex.closedSeen = true;
    }
    totals.events++;
    appendEvent(ex, event, true);
    renderCard(ex);
    renderCounters();
  }

  /** Sent instead of a replay when our Last-Event-ID is beyond the server's: nothing to render, the status is news. */
  function snapshot(ex, snap) {
    if (snap.status) {
      ex.status = snap.status;
    }
    if (snap.closed) {
      ex.closedSeen = true;
    }
    renderCard(ex);
  }

  /** The server no longer holds the events after our Last-Event-ID: say so and go on from what it still has. */
  function replayGap(ex, gap) {
    ex.replayGaps++;
    const first = Number(gap.first_retained_seq);
    if (first > ex.maxSeq + 1) {
      appendGapRow(ex, ex.maxSeq + 1, first - 1);
      ex.maxSeq = first - 1;
    }
    if (gap.snapshot && gap.snapshot.status) {
      ex.status = gap.snapshot.status;
    }
    renderCard(ex);
  }

  function streamError(ex, es, e) {
    if (e instanceof MessageEvent) { // the server's own `event: error`
      const reason = JSON.parse(e.data).reason;
      if (reason === 'token_expired') {
        serverError(reason, 'execution');
      } else if (reason === 'connection_limit') {
        // Another stream of this user took our slot: wait in the queue instead of evicting someone else at once.
        closeStream(ex);
        ex.state = 'queued';
        ex.link = 'waiting';
        ex.reconnecting = true;
        queue.push(ex.id);
        setTimeout(pump, 3000);
      } else if (reason === 'forbidden' || reason === 'not_found') {
        fail(ex, reason === 'forbidden' ? 'belongs to another user' : 'not found');
      }
      renderCard(ex);
      return;
    }
    if (ex.closedSeen) {
      // The server ends a stream shortly after the closing event; the browser would reconnect, so stop it here.
      closeStream(ex);
      settle(ex);
      return;
    }
    if (es.readyState === EventSource.CONNECTING) {
      // The browser reconnects by itself after the server's `retry:` delay, sending Last-Event-ID.
      if (!ex.reconnecting) {
        ex.reconnecting = true;
        ex.reconnects++;
      }
      ex.link = 'reconnecting';
      renderCard(ex);
      return;
    }
    // The browser gave up (an HTTP error such as 503 or 429): reopen after the highest rendered seq ourselves.
    closeStream(ex);
    if (!ex.reconnecting) {
      ex.reconnecting = true;
      ex.reconnects++;
    }
    ex.link = 'reconnecting';
    renderCard(ex);
    fetchStatus(ex.id).then((answer) => {
      if (answer.status === 401) {
        diagnose();
      } else if (answer.status === 403) {
        fail(ex, 'belongs to another user');
      } else {
        retryLater(ex);
      }
    }, () => retryLater(ex));
  }

  function retryLater(ex) {
    clearTimeout(ex.timer);
    ex.timer = setTimeout(() => {
      if (ex.state === 'streaming') {
        open(ex);
      }
    }, ex.retryDelay);
    ex.retryDelay = Math.min(ex.retryDelay * 2, 15000);
  }

  function closeStream(ex) {
    if (ex.es) {
      ex.es.close();
      ex.es = null;
    }
  }

  /**
   * After the stream ended: a look at the snapshot now and another a little later. Events that followed the closing
   * event after our stream ended are fetched by reopening after our last seq: stragglers from other topics that land
   * after the server's linger, or while our stream was cut or moved to another instance during it, and a close that
   * happened while we were disconnected.
   */
  function settle(ex) {
    ex.state = 'settling';
    ex.link = 'done';
    ex.looksLeft = SETTLE_LOOKS;
    renderCard(ex);
    pump(); // the stream's slot is free while we look
    look(ex);
  }

  function look(ex) {
    fetchStatus(ex.id).then((answer) => {
      if (answer.status === 200 && answer.body) {
        ex.settleLooks++;
        ex.status = answer.body.status || ex.status;
        if (Number(answer.body.last_seq) > ex.maxSeq && ex.catchUps < 3) {
          ex.catchUps++;
          if (streaming() < MAX_STREAMS) {
            open(ex);
          } else { // first in line for the next free stream, which reopens after our last seq
            ex.state = 'queued';
            queue.unshift(ex.id);
            renderCard(ex);
          }
        } else if (--ex.looksLeft > 0) {
          ex.timer = setTimeout(() => look(ex), STRAGGLER_WAIT_MS);
        } else {
          finish(ex);
        }
      } else if (answer.status >= 500) { // an instance that is stopping or cannot reach Redis: ask again
        lookLater(ex);
      } else {
        finish(ex); // 401, 403, 404: there is nothing more this page may see
      }
    }, () => lookLater(ex));
  }

  function lookLater(ex) {
    if (++ex.settleTries < 10) {
      ex.timer = setTimeout(() => look(ex), 2000);
    } else {
      finish(ex);
    }
  }

  function finish(ex) {
    ex.state = 'done';
    ex.link = 'done';
    renderCard(ex);
    pruneCards();
    pump();
  }

  function fail(ex, note) {
    closeStream(ex);
    clearTimeout(ex.timer);
    ex.state = 'failed';
    ex.link = 'error';
    ex.note = note;
    renderCard(ex);
    pump();
  }

  /** Gives free stream slots to queued executions, oldest first. */
  function pump() {
    while (queue.length > 0 && streaming() < MAX_STREAMS) {
      const ex = executions.get(queue.shift());
      if (ex && ex.state === 'queued') {
        open(ex);
      }
    }
    renderCounters();
  }

  async function peekStatus(ex) {
    try {
      const answer = await fetchStatus(ex.id);
      if (answer.status === 200 && answer.body && ex.state === 'queued' && ex.events.length === 0) {
        ex.status = answer.body.status;
        ex.note = 'waits for a free stream (at seq ' + answer.body.last_seq + ')';
        renderCard(ex);
      }
    } catch (ignored) {
      // the stream will tell when it opens
    }
  }

  // ---------------------------------------------------------------- rendering

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function createCard(ex) {
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

  function renderCard(ex) {
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
    c.link.textContent = {
      connecting: 'connecting', live: 'live', reconnecting: 'reconnecting', waiting: 'in line', done: 'done', error: 'stopped',
    }[ex.link] || ex.link;
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
    c.note.textContent = problems.length ? '⚠ ' + problems.join(', ') : (ex.resumes ? 'resumed ×' + ex.resumes : ex.note);
    c.note.className = problems.length ? 'note warn' : 'note';
  }

  function appendEvent(ex, event, fresh) {
    if (!ex.card) {
      return;
    }
    const li = el('li', fresh ? 'fresh' : '');
    li.dataset.seq = String(event.seq);
    li.dataset.kind = event.type.split(/[_.]/)[0];
    if (CLOSING.has(event.type)) {
      li.classList.add('closing');
    }
    const type = el('span', 'type', event.type);
    type.title = event.status ? event.type + ' → ' + event.status : event.type;
    li.append(el('span', 'seq', String(event.seq)), type, el('span', 'time', clock(event.time)));
    ex.card.list.append(li);
    ex.card.list.scrollTop = ex.card.list.scrollHeight;
  }

  function appendGapRow(ex, from, to) {
    if (ex.card) {
      const li = el('li', 'gap', 'events ' + from + '–' + to + ' are no longer retained by the server');
      ex.card.list.append(li);
    }
  }

  function pruneCards() {
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

  function renderCounters() {
    let queued = 0;
    let finished = 0;
    for (const ex of executions.values()) {
      if (ex.state === 'queued') {
        queued++;
      } else if (ex.state === 'done' || ex.state === 'failed' || ex.state === 'settling') {
        finished++;
      }
    }
    $('c-executions').textContent = executions.size;
    $('c-streaming').textContent = streaming();
    $('c-queued').textContent = queued;
    $('c-finished').textContent = finished;
    $('c-events').textContent = totals.events;
    $('c-resumes').textContent = totals.resumes;
    const bad = totals.duplicates + totals.gaps > 0;
    $('c-check-box').classList.toggle('bad', bad);
    $('c-check').textContent = bad ? '⚠ ' + (totals.duplicates + totals.gaps) : '✓';
    $('c-check-label').textContent = bad ? totals.gaps + ' missing, ' + totals.duplicates + ' repeated' : 'no gap, no repeat';
  }

  function setConnection(state) {
    notificationsState = state;
    $('conn').dataset.state = state;
    $('conn-text').textContent = {
      idle: 'not connected', connecting: 'connecting …', live: 'live', reconnecting: 'reconnecting …', offline: 'offline',
    }[state];
  }

  function addNotification(kind, text, timestamp, code) {
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

  function warn(text) {
    warnings.push(text);
    const banner = $('warning');
    banner.textContent = '⚠ The page saw a gap or a repeated event: ' + text
        + (warnings.length > 1 ? ' (and ' + (warnings.length - 1) + ' more)' : '');
    banner.hidden = false;
  }

  function notice(text) {
    const banner = $('notice');
    banner.textContent = text;
    banner.hidden = !text;
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

  // ---------------------------------------------------------------- token and start

  function showUser() {
    const c = claims(token);
    const who = $('who');
    who.textContent = '';
    if (!c) {
      who.textContent = token ? 'token unreadable' : 'no token';
      return;
    }
    const admin = Array.isArray(c.roles) && c.roles.includes('admin');
    who.append(document.createTextNode('signed in as '), el('b', null, c.sub || '?'));
    if (admin) {
      who.append(document.createTextNode(' (admin)'));
    }
    if (c.exp) {
      who.title = 'token valid until ' + new Date(c.exp * 1000).toLocaleString();
    }
    if (admin) {
      notice('An admin token reads every execution, but new executions are announced to their owner: '
          + 'open the page with a user\'s token to see them arrive, or follow an execution by id (Token ▸ Follow).');
    }
  }

  function start() {
    $('c-cap').textContent = MAX_STREAMS;
    $('about-cap').textContent = MAX_STREAMS;
    $('token-input').value = token;
    $('token-toggle').addEventListener('click', () => {
      $('token-form').hidden = !$('token-form').hidden;
    });
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const value = $('token-input').value.trim();
      if (!value) {
        return;
      }
      const url = new URL(location.href);
      url.searchParams.set('token', value);
      location.assign(url.toString()); // a fresh page: streams, queue and figures start over with the new user
    });
    $('follow-button').addEventListener('click', () => {
      const id = $('follow-input').value.trim();
      if (id && token) {
        discover(id);
        $('follow-input').value = '';
      }
    });
    if (!token) {
      $('token-form').hidden = false;
      notice('Paste a token (./run-local prints one per demo user, and a ready-to-open link) to start.');
      showUser();
      return;
    }
    showUser();
    connectNotifications();
  }

  /** For tests and the curious: what this page rendered, per execution. */
  window.sseDemo = {
    maxStreams: MAX_STREAMS,
    stats() {
      const perExecution = {};
      for (const ex of executions.values()) {
        perExecution[ex.id] = {
          status: ex.status, state: ex.state, closedSeen: ex.closedSeen,
          seqs: Array.from(ex.seqs).sort((a, b) => a - b), maxSeq: ex.maxSeq,
          duplicates: ex.duplicates, gaps: ex.gaps, replayGaps: ex.replayGaps,
          reconnects: ex.reconnects, resumes: ex.resumes, opens: ex.opens, catchUps: ex.catchUps, settleLooks: ex.settleLooks, waited: ex.waited,
        };
      }
      return {
        connection: notificationsState, streaming: streaming(), queued: queue.length,
        totals: Object.assign({executions: executions.size}, totals), warnings: warnings.slice(),
        executions: perExecution,
      };
    },
  };

  start();
})();
