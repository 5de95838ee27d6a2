/*
 * Following one execution's events exactly once and in order, across drops, restarts and draining servers: the
 * resume protocol of the sse-router edge, with nothing of this page's rendering in it. A frontend can copy this file.
 *
 *   const stream = followExecution('e-42', {token, afterSeq: 0, on: {event: (envelope) => render(envelope)}});
 *
 * The protocol:
 * - The stream is opened with ?lastEventId=<last seq delivered> (0 at first: the server replays from seq 1). When
 *   the connection drops, the browser's EventSource reconnects by itself after the server's `retry:` delay with a
 *   Last-Event-ID header, and the server sends exactly the events after it.
 * - EventSource hands a named event only to a listener for that name, and every execution event is named by its
 *   type. This file keeps no list of types: it listens to the types it has learned from envelopes it fetched (and
 *   from snapshots), page-wide. An event of a type not heard yet shows up as a jump in seq; the missing seqs are then
 *   read from GET /api/v1/executions/{id}/events?after=<last seq> and delivered in order before the rest. Only seqs
 *   below the server's first retained seq are a real loss (`gap`). After each (re)connect the same route is asked
 *   once, since the replay may consist of types not heard yet.
 * - Control events: `status` (the snapshot), `replay_gap` (events after our Last-Event-ID are no longer retained),
 *   `shutdown` (the server drains: reopen after the given delay) and `error` (a reason: token_expired,
 *   connection_limit, forbidden, not_found; the stream is over).
 * - The server ends the stream shortly after the execution's closing event; the browser would reconnect, so when a
 *   live stream ends the snapshot is asked: `closed` means the execution is over. Then the EventSource is closed and
 *   the snapshot is looked at right away and again a few seconds later; whenever its last_seq is beyond ours,
 *   the rest is fetched (stragglers of other topics can land after the stream ended).
 * - A refused connect (503 while the server drains or Redis is away, 429) makes the browser give up: the stream is
 *   reopened after the last seq, with a growing delay.
 *
 * Options: token, afterSeq (the last seq already shown; 0 for everything), resuming (true when taking a stream up
 * again), on, counters. Callbacks (all optional) in `on`: event(envelope) in seq order, each seq once; gap(from, to) seqs the server no
 * longer holds; repeat(seq) the server sent a seq twice (never expected); snapshot(snap); link(state) 'connecting',
 * 'live', 'reconnecting', 'done'; released() the EventSource is closed for good (its connection is free);
 * done() nothing more will come; failed(reason) token_expired, connection_limit, forbidden, not_found, unauthorized.
 * `counters`, if given, is an object whose fields are incremented: opens, reconnects, resumes, replayGaps, fills
 * (missing seqs fetched while streaming), catchUps (events fetched after the stream ended), settleLooks.
 */

const SETTLE_LOOKS = 2;
const STRAGGLER_WAIT_MS = 5000;
const MAX_CATCH_UPS = 3;
const FILL_TRIES = 5;
const CONTROL = ['status', 'replay_gap', 'shutdown', 'error'];

/**
 * Event types heard on any stream of this page (this file's and user-stream.js's), learned from envelopes and
 * snapshots; new ones are added to every open stream.
 */
const learned = new Set();
const openStreams = new Set();

/** Adds an event type to the page's learned set; every open stream starts listening to it. */
export function learn(type) {
  if (typeof type !== 'string' || !type || learned.has(type) || CONTROL.includes(type)) {
    return;
  }
  learned.add(type);
  openStreams.forEach((s) => s.listen(type));
}

/**
 * Has `stream.listen(type)` called for every type learned so far and for each one learned later, until the returned
 * function is called.
 */
export function listenToLearned(stream) {
  learned.forEach((type) => stream.listen(type));
  openStreams.add(stream);
  return () => openStreams.delete(stream);
}

/** The first seq the server still holds; none (null) means nothing after its last_seq is left. */
export function firstRetained(answer) {
  const first = answer.first_retained_seq;
  return first === null || first === undefined ? (Number(answer.last_seq) || 0) + 1 : Number(first);
}

/** GET a JSON route of the edge; resolves to {status, body} (body null when there is none). */
export async function getJson(path, token) {
  const response = await fetch(path, {headers: {Authorization: 'Bearer ' + token}, cache: 'no-store'});
  let body = null;
  try {
    body = await response.json();
  } catch (ignored) {
    // an empty or non-JSON body says nothing more than the status
  }
  return {status: response.status, body};
}

export function followExecution(id, options) {
  return new ExecutionStream(id, options);
}

/**
 * One execution's seqs, delivered in order and each once: an event ahead of a missing seq is held while the missing
 * ones are fetched from the JSON route, and seqs the server no longer holds are reported as a gap. The execution
 * stream is one; the user stream keeps one per execution. A subclass says how to deliver an event, report a gap or
 * a repeat, which token to use and when it has stopped.
 */
export class SeqTracker {
  constructor(id, afterSeq, counters) {
    this.id = id;
    this.counters = counters;
    this.lastSeq = afterSeq; // every seq up to this one was delivered (or reported lost, or stood for by a snapshot)
    this.heardMax = afterSeq; // the highest seq the stream delivered itself
    this.pending = new Map(); // seq -> envelope heard ahead of a missing one
    this.fillTries = 0;
    this.filling = null;
  }

  count(name) {
    this.counters[name] = (this.counters[name] || 0) + 1;
  }

  path(suffix) {
    return '/api/v1/executions/' + encodeURIComponent(this.id) + suffix;
  }

  /** An event heard: delivered if it is the next seq, held while the missing ones are fetched otherwise. */
  accept(seq, envelope) {
    if (seq <= this.heardMax && seq <= this.lastSeq) {
      this.reportRepeat(seq);
      return;
    }
    this.heardMax = Math.max(this.heardMax, seq);
    if (seq <= this.lastSeq) {
      return; // fetched already, or stood for by a snapshot
    }
    this.pending.set(seq, envelope);
    this.drain();
    if (this.pending.size > 0) {
      this.fill();
    }
  }

  /** Delivers held events while they continue the sequence. */
  drain() {
    while (this.pending.has(this.lastSeq + 1)) {
      const envelope = this.pending.get(this.lastSeq + 1);
      this.pending.delete(this.lastSeq + 1);
      this.deliver(envelope);
    }
    for (const seq of this.pending.keys()) {
      if (seq <= this.lastSeq) {
        this.pending.delete(seq);
      }
    }
  }

  /** Lost for good: the server no longer holds these seqs. */
  lost(firstRetainedSeq) {
    if (firstRetainedSeq > this.lastSeq + 1) {
      this.reportGap(this.lastSeq + 1, firstRetainedSeq - 1);
      this.lastSeq = firstRetainedSeq - 1;
    }
  }

  /** Reads what follows the last delivered seq from the JSON route; resolves to its last_seq, or null if it failed. */
  fetchAfter() {
    if (!this.filling) {
      this.filling = getJson(this.path('/events?after=' + this.lastSeq), this.currentToken()).then((answer) => {
        this.filling = null;
        if (this.stopped() || answer.status !== 200 || !answer.body) {
          return answer.status === 404 ? 0 : null; // 404: no event exists yet
        }
        const body = answer.body;
        const events = (body.events || []).filter((e) => Number(e.seq) > this.lastSeq).sort((a, b) => a.seq - b.seq);
        this.lost(Math.min(firstRetained(body), events.length ? Number(events[0].seq) : Infinity));
        events.forEach((e) => {
          if (Number(e.seq) === this.lastSeq + 1) {
            this.deliver(e);
          }
        });
        this.drain();
        return Number(body.last_seq) || 0;
      }, () => {
        this.filling = null;
        return null;
      });
    }
    return this.filling;
  }

  /** Fetches the seqs missing before the held events; after several failed tries, reports them as lost. */
  fill() {
    const before = this.lastSeq;
    this.fetchAfter().then((lastSeq) => {
      if (this.lastSeq > before && this.pending.size === 0) {
        this.count('fills');
      }
      if (this.pending.size === 0 || this.stopped()) {
        this.fillTries = 0;
        return;
      }
      if (++this.fillTries >= FILL_TRIES && lastSeq !== null) {
        this.lost(Math.min(...this.pending.keys()));
        this.drain();
        this.fillTries = 0;
      } else {
        setTimeout(() => this.fill(), 500 * this.fillTries);
      }
    });
  }

}

class ExecutionStream extends SeqTracker {
  constructor(id, {token, afterSeq = 0, resuming = false, on = {}, counters = {}}) {
    super(id, afterSeq, counters);
    this.token = token;
    this.on = on;
    this.es = null;
    this.over = false;
    this.reconnecting = resuming; // a stream taken up again after the last seq: its open counts as a resume
    this.checking = false;
    this.retryDelay = 3000;
    this.timer = null;
    this.onEvent = (e) => {
      if (e.target === this.es) {
        this.heard(JSON.parse(e.data), e.lastEventId);
      }
    };
    this.connect();
  }

  /** Stops following: the EventSource is closed and nothing more is delivered. */
  close() {
    this.over = true;
    clearTimeout(this.timer);
    this.release();
  }

  emit(name, ...args) {
    if (!this.over || name === 'done' || name === 'released') {
      const handler = this.on[name];
      if (handler) {
        handler(...args);
      }
    }
  }

  currentToken() {
    return this.token;
  }

  stopped() {
    return this.over;
  }

  reportGap(from, to) {
    this.emit('gap', from, to);
  }

  reportRepeat(seq) {
    this.emit('repeat', seq); // this connection, or the one it resumed, sent it already
  }

  connect() {
    const query = new URLSearchParams({token: this.token, lastEventId: String(this.lastSeq)});
    const es = new EventSource('/api/v1/events/executions/' + encodeURIComponent(this.id) + '?' + query);
    this.es = es;
    this.heardMax = this.lastSeq;
    this.count('opens');
    openStreams.add(this);
    this.emit('link', this.reconnecting ? 'reconnecting' : 'connecting');
    learned.forEach((type) => es.addEventListener(type, this.onEvent));
    es.onmessage = this.onEvent; // an event without a name
    es.onopen = () => this.opened(es);
    es.addEventListener('status', (e) => e.target === this.es && this.snapshot(JSON.parse(e.data)));
    es.addEventListener('replay_gap', (e) => e.target === this.es && this.replayGap(JSON.parse(e.data)));
    es.addEventListener('shutdown', (e) => e.target === this.es && this.moveAway(JSON.parse(e.data)));
    es.addEventListener('error', (e) => e.target === this.es && this.streamError(e));
  }

  listen(type) {
    if (this.es) {
      this.es.addEventListener(type, this.onEvent);
    }
  }

  release() {
    if (this.es) {
      this.es.close();
      this.es = null;
      openStreams.delete(this);
      this.emit('released');
    }
  }

  opened(es) {
    if (es !== this.es) {
      return;
    }
    if (this.reconnecting) {
      this.countDrop();
      this.reconnecting = false;
      this.count('resumes');
    }
    this.live = true;
    this.retryDelay = 3000;
    this.emit('link', 'live');
    this.fill(); // the replay may hold types not heard yet
  }

  /** An event from the stream (its seq in the envelope, else in the SSE id). */
  heard(envelope, lastEventId) {
    const seq = Number(envelope.seq !== undefined ? envelope.seq : lastEventId);
    envelope.seq = seq;
    this.accept(seq, envelope);
  }

  deliver(envelope) {
    this.lastSeq = Number(envelope.seq);
    learn(envelope.event_type);
    this.emit('event', envelope);
  }

  snapshot(snap) {
    if (!snap) {
      return;
    }
    learn(snap.last_event_type);
    this.closedKnown = this.closedKnown || snap.closed === true;
    this.emit('snapshot', snap);
  }

  replayGap(gap) {
    this.count('replayGaps');
    this.lost(firstRetained(gap.snapshot ? Object.assign({last_seq: gap.snapshot.last_seq}, gap) : gap));
    this.drain();
    this.snapshot(gap.snapshot);
  }

  /** The server drains and asks us to reconnect after its own delay (spread over its clients). */
  moveAway(notice) {
    const es = this.es;
    this.emit('link', 'reconnecting');
    this.timer = setTimeout(() => {
      if (es === this.es && !this.over) {
        this.release();
        this.markReconnect();
        this.connect();
      }
    }, Number(notice.reconnect_after_ms) || 0);
  }

  markReconnect() {
    if (!this.reconnecting) {
      this.reconnecting = true;
      this.count('reconnects');
    }
  }

  /** A drop whose cause is not known yet counts as a reconnect only once it is not the end of the execution. */
  countDrop() {
    if (this.dropUncounted) {
      this.dropUncounted = false;
      this.count('reconnects');
    }
  }

  streamError(e) {
    if (e instanceof MessageEvent) { // the server's own `event: error`: this stream is over
      this.fail(JSON.parse(e.data).reason);
      return;
    }
    const wasLive = this.live;
    this.live = false;
    if (this.es.readyState === EventSource.CONNECTING) {
      // The browser reconnects by itself with Last-Event-ID. A live stream that ended may have ended because the
      // execution closed: the snapshot says so.
      if (!this.reconnecting) {
        this.reconnecting = true;
        this.dropUncounted = true;
      }
      this.emit('link', 'reconnecting');
      if (wasLive || this.closedKnown) {
        this.checkEnd(false);
      } else {
        this.countDrop();
      }
      return;
    }
    // The browser gave up (an HTTP error such as 503 or 429): reopen after the last seq ourselves.
    this.release();
    this.countDrop();
    this.markReconnect();
    this.emit('link', 'reconnecting');
    this.checkEnd(true);
  }

  /** Asks the snapshot whether the execution has closed; reopens or lets the browser reconnect if it has not. */
  checkEnd(reopen) {
    this.reopenAfterCheck = this.reopenAfterCheck || reopen; // the EventSource may give up while we ask
    if (this.checking) {
      return;
    }
    this.checking = true;
    const done = () => {
      this.checking = false;
      const again = this.reopenAfterCheck;
      this.reopenAfterCheck = false;
      return again;
    };
    getJson(this.path('/status'), this.token).then((answer) => {
      const again = done();
      if (this.over) {
        return;
      }
      if (answer.status === 200 && answer.body) {
        this.snapshot(answer.body);
        if (answer.body.closed) {
          this.end();
          return;
        }
      } else if (answer.status === 401 || answer.status === 403) {
        this.fail(answer.status === 401 ? 'unauthorized' : 'forbidden');
        return;
      }
      this.countDrop();
      if (again) {
        this.reopenLater();
      }
    }, () => {
      const again = done();
      this.countDrop();
      if (again) {
        this.reopenLater();
      }
    });
  }

  reopenLater() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => !this.over && !this.es && this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 15000);
  }

  /** The execution has closed: no reconnect; what the stream did not bring is fetched, then stragglers are looked for. */
  end() {
    this.reconnecting = false;
    this.dropUncounted = false;
    this.release();
    this.emit('link', 'done');
    this.looksLeft = SETTLE_LOOKS;
    this.lookTries = 0;
    this.look();
  }

  look() {
    getJson(this.path('/status'), this.token).then((answer) => {
      if (this.over) {
        return;
      }
      if (answer.status === 200 && answer.body) {
        this.count('settleLooks');
        this.snapshot(answer.body);
        if (Number(answer.body.last_seq) > this.lastSeq && (this.counters.catchUps || 0) < MAX_CATCH_UPS) {
          this.count('catchUps');
          this.fetchAfter().then(() => this.later(() => this.look(), 0));
        } else if (--this.looksLeft > 0) {
          this.later(() => this.look(), STRAGGLER_WAIT_MS);
        } else {
          this.finish();
        }
      } else if (answer.status >= 500) { // an instance that is stopping or cannot reach Redis: ask again
        this.lookLater();
      } else {
        this.finish(); // 401, 403, 404: there is nothing more to see
      }
    }, () => this.lookLater());
  }

  lookLater() {
    if (++this.lookTries < 10) {
      this.later(() => this.look(), 2000);
    } else {
      this.finish();
    }
  }

  later(fn, ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
  }

  /** This stream is over for a reason the page has to act on; nothing more is delivered. */
  fail(reason) {
    this.release();
    this.emit('failed', reason);
    this.close();
  }

  finish() {
    this.emit('done');
    this.over = true;
  }
}
