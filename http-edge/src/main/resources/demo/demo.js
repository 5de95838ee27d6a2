/*
 * sse-router demo page: plain JavaScript modules, no build step, no dependency. This file is the page itself: the
 * token, which way executions are followed, and the figures of stats(). Following every execution of the user on
 * one connection is user-stream.js; following one execution on its own stream is execution-stream.js (both deliver
 * each seq once, in order, across resumes); drawing is render.js.
 *
 * Two modes:
 * - user (the default): one EventSource on /api/v1/events carries every event of every execution the user owns,
 *   including executions that start later, and the user's notifications. An execution appears with its first
 *   event (or its snapshot when the stream connects); there is no cap on how many are followed at once.
 * - executions (?mode=executions): one stream per execution, as a client of the per-execution route does. The page
 *   holds one EventSource on /api/v1/events/notifications; an `execution_started` notification (sent to the
 *   execution's owner) names a new execution. Notifications are not retained, so whenever that stream (re)connects
 *   the page also asks /api/v1/executions for the user's recent ones.
 *
 * Why at most 4 execution streams at once in the executions mode: over HTTP/1.1 a browser keeps at most 6
 * connections per host, and each
 * EventSource holds one for as long as it is open. The notifications stream takes one, 4 executions take 4, and one
 * stays free for the page's own requests (status look-ups, reloads); with all 6 taken, the next request would hang
 * until a stream ends. The edge also allows a user 10 open streams across all tabs. Executions beyond the cap wait
 * in a queue (their status is looked up once) and get a stream when one ends.
 *
 * Exactly once, visibly: the page records each rendered seq and counts repeats and gaps; window.sseDemo.stats()
 * exposes them.
 */
import {followExecution, getJson} from './execution-stream.js';
import {followUser} from './user-stream.js';
import * as view from './render.js';

const $ = view.$;
const MODE = new URLSearchParams(location.search).get('mode') === 'executions' ? 'executions' : 'user';
const MAX_STREAMS = 4;
/** How many recently active executions the page asks for when it (re)connects (executions mode). */
const RECENT = 8;
/** Notification and broadcast types the page shows (execution_started is an execution event type too, so heard anyway). */
const NOTIFICATION_TYPES = ['notification', 'version'];

const executions = new Map(); // id -> execution record
const countersById = new Map(); // id -> the figures the stream modules count for it
const queue = [];
const totals = {events: 0, duplicates: 0, gaps: 0, maxConcurrent: 0, notificationReconnects: 0, notifications: 0};
const userCounters = {opens: 0, reconnects: 0, resumes: 0, replayGaps: 0}; // the user stream's own figures
let token = new URLSearchParams(location.search).get('token') || '';
let userStream = null;
let notifications = null;
let connectionState = 'idle';
let notificationsDown = false;
let notificationsRetry = null;

function streamUrl(path, params) {
  return path + '?' + new URLSearchParams(Object.assign({token}, params || {})).toString();
}

function statusOf(id) {
  return getJson('/api/v1/executions/' + encodeURIComponent(id) + '/status', token);
}

/** Running executions, and ones that finished in the last two minutes (their events are still retained), are shown whole. */
function recentEnough(snap) {
  return !snap.closed || snap.age_seconds < 120;
}

/**
 * Notifications are not kept, so whatever was announced while this page was away (or before it opened) is asked
 * for on every (re)connect: the user's most recently active executions. Running ones, and ones that finished in the
 * last two minutes (their events are still retained), are followed like announced ones.
 */
async function discoverRecent() {
  try {
    const answer = await getJson(streamUrl('/api/v1/executions', {limit: String(RECENT)}), token);
    if (answer.status === 200 && answer.body) {
      answer.body.executions.slice().reverse().forEach((snap) => {
        if (recentEnough(snap)) {
          discover(snap.execution_id);
        }
      });
    }
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

// ---------------------------------------------------------------- user stream (the default mode)

/** One connection for every execution of the user: no cap, no queue; an execution appears with its first event. */
function connectUserStream() {
  let down = false;
  userStream = followUser({
    token, types: NOTIFICATION_TYPES, backfill: recentEnough, counters: userCounters, countersFor: countersOf,
    on: {
      event(envelope) {
        const ex = record(envelope.execution_id);
        if (!ex.own) {
          render(ex, envelope);
          refresh(ex);
        }
      },
      gap(id, from, to) {
        const ex = record(id);
        if (!ex.own) {
          lost(ex, from, to);
        }
      },
      repeat(id, seq) {
        const ex = record(id);
        if (!ex.own) {
          repeated(ex, seq);
        }
      },
      snapshot(snap) {
        const followed = executions.get(snap.execution_id);
        if (followed ? !followed.own : recentEnough(snap)) {
          const ex = record(snap.execution_id);
          seeSnapshot(ex, snap);
          if (ex.closedSeen && Number(snap.last_seq) <= ex.maxSeq && ex.state === 'streaming') {
            ex.state = 'done'; // its snapshot says closed and every seq is shown; a straggler would still render
            ex.link = 'done';
            view.pruneCards(executions);
          }
          refresh(ex);
        }
      },
      notification: shown,
      link(state) {
        if (state === 'live' && down) {
          // every execution still in progress was cut and resumed where the stream left off
          for (const ex of executions.values()) {
            if (ex.state === 'streaming' && !ex.own) {
              ex.counters.resumes++;
            }
          }
        }
        down = state === 'reconnecting';
        setConnection(state === 'closed' ? 'offline' : state);
        for (const ex of executions.values()) {
          if (ex.state === 'streaming' && !ex.own) {
            ex.link = state === 'closed' ? 'error' : state;
            view.renderCard(ex);
          }
        }
        renderCounters();
      },
      failed(reason) {
        if (reason === 'token_expired' || reason === 'unauthorized') {
          serverError(reason, 'user');
        } else {
          view.notice('The server closed the stream (' + reason + ')'
              + (reason === 'connection_limit' ? ': this user has too many open streams (other tabs?)' : '') + '. Reload to reconnect.');
        }
      },
    },
  });
}

/** The record of an execution, created (with its card) the first time the user stream names it. */
function record(id) {
  let ex = executions.get(id);
  if (!ex) {
    ex = newRecord(id);
    ex.state = 'streaming';
    ex.link = connectionState;
    view.createCard(ex);
    totals.maxConcurrent = Math.max(totals.maxConcurrent, streaming());
    renderCounters();
  }
  return ex;
}

function countersOf(id) {
  let counters = countersById.get(id);
  if (!counters) {
    // on the user stream, opens, reconnects and replay gaps are the stream's (stats().userStream), not an execution's
    counters = MODE === 'user' ? {resumes: 0, fills: 0, catchUps: 0, settleLooks: 0}
      : {opens: 0, reconnects: 0, resumes: 0, replayGaps: 0, fills: 0, catchUps: 0, settleLooks: 0};
    countersById.set(id, counters);
  }
  return counters;
}

function refresh(ex) {
  view.renderCard(ex);
  renderCounters();
}

/** A notification or a broadcast of either stream. */
function shown(n) {
  const d = n.data || {};
  totals.notifications++;
  if (n.event_type === 'execution_started') {
    view.addNotification('execution started', d.execution_id || '', n.timestamp, true);
  } else if (n.event_type === 'version') {
    $('version').textContent = d.version || n.version || '?';
  } else if (n.event_type === 'notification') {
    view.addNotification(d.title || 'notification', d.message || '', n.timestamp);
  }
}

// ---------------------------------------------------------------- notifications stream (executions mode)

function setConnection(state) {
  connectionState = state;
  view.setConnection(state);
}

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
      shown(n);
      discover(id);
    }
  });
  es.addEventListener('notification', (e) => shown(JSON.parse(e.data)));
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
  es.addEventListener('version', (e) => shown(JSON.parse(e.data)));
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

/** An EventSource hides the HTTP status of a refused stream; the status route tells what is wrong with the token. */
async function diagnose() {
  try {
    const probe = await statusOf('token-check');
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
  } else if (reason === 'unauthorized') {
    stopEverything('The token was refused. Paste a new one to go on.');
    diagnose();
  } else if (reason === 'connection_limit') {
    view.notice('The server closed the ' + where + ' stream: this user has too many open streams (other tabs?).');
  }
}

function stopEverything(message) {
  clearTimeout(notificationsRetry);
  if (userStream) {
    userStream.close();
  }
  if (notifications) {
    notifications.close();
    notifications = null;
  }
  for (const ex of executions.values()) {
    if (ex.stream) {
      ex.stream.close();
      ex.stream = null;
    }
    if (ex.state !== 'done') {
      ex.state = 'stopped';
      ex.link = 'error';
      view.renderCard(ex);
    }
  }
  queue.length = 0;
  setConnection('offline');
  view.notice(message);
  $('token-form').hidden = false;
  renderCounters();
}

// ---------------------------------------------------------------- executions

function newRecord(id) {
  const ex = {
    id, status: null, state: 'new', link: 'waiting', stream: null, resumeNext: false,
    seqs: new Set(), maxSeq: 0, events: [], closedSeen: false, duplicates: 0, gaps: 0,
    counters: countersOf(id), note: '', card: null, waited: false,
  };
  executions.set(id, ex);
  return ex;
}

/** Executions mode: a new execution gets a stream, or waits in line for one. */
function discover(id) {
  if (executions.has(id)) {
    return;
  }
  const ex = newRecord(id);
  ex.own = true;
  view.createCard(ex);
  if (ownStreams() < MAX_STREAMS) {
    open(ex);
  } else {
    ex.state = 'queued';
    ex.waited = true;
    ex.note = 'waits for a free stream';
    queue.push(id);
    view.renderCard(ex);
    peekStatus(ex);
  }
  renderCounters();
}

/** Executions being followed live, on their own streams or on the user stream. */
function streaming() {
  let n = 0;
  for (const ex of executions.values()) {
    if (ex.state === 'streaming') {
      n++;
    }
  }
  return n;
}

/** Open execution streams (each holds a connection): all of them in the executions mode, those followed by id otherwise. */
function ownStreams() {
  let n = 0;
  for (const ex of executions.values()) {
    if (ex.own && ex.state === 'streaming') {
      n++;
    }
  }
  return n;
}

/** Follows an execution from the highest seq rendered, so nothing is shown twice. */
function open(ex) {
  ex.state = 'streaming';
  ex.stream = followExecution(ex.id, {token, afterSeq: ex.maxSeq, resuming: ex.resumeNext, counters: ex.counters, on: handlers(ex)});
  ex.resumeNext = false;
  totals.maxConcurrent = Math.max(totals.maxConcurrent, streaming());
  view.renderCard(ex);
}

function handlers(ex) {
  const update = () => {
    view.renderCard(ex);
    renderCounters();
  };
  return {
    event(envelope) {
      render(ex, envelope);
      update();
    },
    gap(from, to) {
      lost(ex, from, to);
    },
    repeat(seq) {
      repeated(ex, seq);
    },
    snapshot(snap) {
      seeSnapshot(ex, snap);
      update();
    },
    link(state) {
      ex.link = state;
      if (state === 'live') {
        ex.note = '';
      }
      if (state === 'done' && ex.state === 'streaming') {
        ex.state = 'settling'; // the stream's connection is free while stragglers are looked for
        pump();
      }
      update();
    },
    done() {
      ex.stream = null;
      ex.state = 'done';
      ex.link = 'done';
      view.renderCard(ex);
      view.pruneCards(executions);
      pump();
    },
    failed(reason) {
      ex.stream = null;
      if (reason === 'token_expired') {
        serverError(reason, 'execution');
      } else if (reason === 'connection_limit') {
        // Another stream of this user took our slot: wait in the queue instead of evicting someone else at once.
        ex.state = 'queued';
        ex.link = 'waiting';
        ex.resumeNext = true;
        queue.push(ex.id);
        setTimeout(pump, 3000);
      } else if (reason === 'unauthorized') {
        diagnose();
        fail(ex, 'token refused');
      } else {
        fail(ex, reason === 'forbidden' ? 'belongs to another user' : 'not found');
      }
      update();
    },
  };
}

function lost(ex, from, to) {
  ex.gaps += to - from + 1;
  totals.gaps += to - from + 1;
  ex.maxSeq = Math.max(ex.maxSeq, to);
  view.warn('events ' + from + '–' + to + ' of ' + ex.id + ' are lost');
  view.appendGapRow(ex, from, to);
  refresh(ex);
}

function repeated(ex, seq) {
  ex.duplicates++;
  totals.duplicates++;
  view.warn('repeat of seq ' + seq + ' in ' + ex.id);
  refresh(ex);
}

function seeSnapshot(ex, snap) {
  ex.status = snap.status || ex.status;
  ex.closedSeen = ex.closedSeen || snap.closed === true;
}

function render(ex, envelope) {
  const seq = Number(envelope.seq);
  if (ex.seqs.has(seq)) { // the stream module never delivers a seq twice; this would be a defect of the page
    ex.duplicates++;
    totals.duplicates++;
    view.warn('seq ' + seq + ' of ' + ex.id + ' rendered twice');
    return;
  }
  const previous = ex.status;
  ex.seqs.add(seq);
  ex.maxSeq = Math.max(ex.maxSeq, seq);
  const event = {seq, type: envelope.event_type, time: envelope.timestamp || null, status: envelope.status || null};
  ex.events.push(event);
  ex.status = event.status || ex.status;
  totals.events++;
  view.appendEvent(ex, event, previous);
}

function fail(ex, note) {
  if (ex.stream) {
    ex.stream.close();
    ex.stream = null;
  }
  ex.state = 'failed';
  ex.link = 'error';
  ex.note = note;
  view.renderCard(ex);
  pump();
}

/** Gives free stream slots to queued executions, oldest first. */
function pump() {
  while (queue.length > 0 && ownStreams() < MAX_STREAMS) {
    const ex = executions.get(queue.shift());
    if (ex && ex.state === 'queued') {
      open(ex);
    }
  }
  renderCounters();
}

async function peekStatus(ex) {
  try {
    const answer = await statusOf(ex.id);
    if (answer.status === 200 && answer.body && ex.state === 'queued' && ex.events.length === 0) {
      ex.status = answer.body.status;
      ex.note = 'waits for a free stream (at seq ' + answer.body.last_seq + ')';
      view.renderCard(ex);
    }
  } catch (ignored) {
    // the stream will tell when it opens
  }
}

function resumes() {
  let n = 0;
  for (const ex of executions.values()) {
    n += ex.counters.resumes;
  }
  return n;
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
  view.renderCounters({executions: executions.size, streaming: streaming(), queued, finished, events: totals.events,
    resumes: MODE === 'user' ? userCounters.resumes : resumes(), duplicates: totals.duplicates, gaps: totals.gaps});
}

// ---------------------------------------------------------------- token and start

function start() {
  $('c-cap').textContent = MAX_STREAMS;
  $('about-cap').textContent = MAX_STREAMS;
  document.querySelectorAll('[data-mode]').forEach((node) => {
    node.hidden = node.dataset.mode !== MODE;
  });
  const other = new URL(location.href);
  if (MODE === 'user') {
    other.searchParams.set('mode', 'executions');
  } else {
    other.searchParams.delete('mode');
  }
  $('mode-link').href = other.toString();
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
  const admin = view.showUser(claims(token), token);
  if (!token) {
    $('token-form').hidden = false;
    view.notice('Paste a token (./run-local prints one per demo user, and a ready-to-open link) to start.');
    return;
  }
  if (admin) {
    view.notice('An admin token reads every execution, but its streams carry the executions of its own user: '
        + 'open the page with a user\'s token to see theirs arrive, or follow an execution by id (Token ▸ Follow).');
  }
  if (MODE === 'user') {
    connectUserStream();
  } else {
    connectNotifications();
  }
}

/** For tests and the curious: what this page rendered, per execution. */
window.sseDemo = {
  mode: MODE,
  maxStreams: MODE === 'executions' ? MAX_STREAMS : null,
  stats() {
    const perExecution = {};
    for (const ex of executions.values()) {
      perExecution[ex.id] = Object.assign({
        status: ex.status, state: ex.state, closedSeen: ex.closedSeen,
        seqs: Array.from(ex.seqs).sort((a, b) => a - b), maxSeq: ex.maxSeq,
        duplicates: ex.duplicates, gaps: ex.gaps, waited: ex.waited,
      }, ex.counters);
    }
    return {
      mode: MODE, connection: connectionState, streaming: streaming(), queued: queue.length, userStream: Object.assign({}, userCounters),
      totals: Object.assign({executions: executions.size, resumes: resumes()}, totals), warnings: view.warningList(),
      executions: perExecution,
    };
  },
};

start();
