/*
 * Following every execution of the token's user on one connection, each exactly once and in order, across drops,
 * restarts and draining servers, with the user's notifications and the system broadcasts: a client of the edge's
 * user stream, GET /api/v1/events, with nothing of this page's rendering in it. A frontend can copy this file (with
 * execution-stream.js, whose fetch helper and learned event types it shares).
 *
 *   const stream = followUser({token, on: {event: (envelope) => render(envelope), notification: (n) => show(n)}});
 *
 * The protocol:
 * - One EventSource on /api/v1/events?token=… carries every event of every execution the user owns, including
 *   executions that start later, in the order of the user's log. Each execution event is its envelope
 *   (execution_id, seq, event_type, status, data …), named by its type, with an `id:` that is a position in that log
 *   (`{ms}-{n}`, opaque). Notifications and broadcasts carry no `id:`; they are not retained, so they arrive at most
 *   once, live.
 * - The stream's position is the last `id:` received. When the connection drops, the browser reconnects by itself
 *   with a Last-Event-ID header, and the server sends every event after it, exactly once and in the same order, on
 *   whichever instance the reconnect lands. When this file reopens the stream itself, it passes ?lastEventId=<last id>.
 * - A connect without a position starts with one `status` event per recently active execution (up to 20): its
 *   snapshot, standing for every event up to its last_seq; then live events. An execution first seen in a snapshot
 *   either starts at that last_seq or, if `backfill(snapshot)` says so, has its earlier events fetched.
 * - EventSource hands a named event only to a listener for that name, and the types are open-ended. This file
 *   listens from the start to the execution event types of the contract, and to every type learned since (from
 *   fetched envelopes and snapshots, page-wide, shared with execution-stream.js). An event of a type nobody listens
 *   to is dropped by the browser, yet it still moves the EventSource's position: it shows up as a jump in that
 *   execution's seq, and the missing seqs are read from GET /api/v1/executions/{id}/events?after=<last seq> and
 *   delivered in order before the rest. Only seqs below the answer's first_retained_seq are a real loss (`gap`).
 *   Since no later event reveals a jump at an execution's end, an execution whose status turned terminal has its
 *   snapshot looked at (GET …/status) once it has been quiet for 2 s, and what is beyond the last seq is fetched.
 *   An execution none of whose events is of a listened type stays unseen.
 * - Control events: `status` (a snapshot, above), `replay_gap` (the position is older than what the log retains:
 *   `{last_event_id, first_retained_id, snapshots}`; for each execution in `snapshots` what follows our last seq is
 *   fetched from its own retained events, and only what those no longer hold is reported as a `gap`), `shutdown`
 *   (the server drains: reopen after `reconnect_after_ms` from the position) and `error` (a reason: token_expired,
 *   connection_limit …; the stream is over).
 * - A refused connect (503 while the server drains or Redis is away, 429) makes the browser give up: the stream is
 *   reopened from the position with a growing delay (3 s up to 15 s). A 401 or 403 (found by asking the executions
 *   list route, since an EventSource hides the status) ends the stream as failed.
 *
 * Options: token, cursor (a position to resume after, e.g. kept from an earlier page; none for a fresh connect),
 * backfill(snapshot) (fetch the earlier events of an execution first seen in a snapshot; default no), types (more
 * event names to listen to, e.g. notification types), on, counters, countersFor(executionId). Callbacks (all
 * optional) in `on`: event(envelope) per execution in seq order, each seq once; gap(executionId, from, to) seqs the
 * server no longer holds; repeat(executionId, seq) the server sent a seq twice (never expected); snapshot(snap);
 * notification(envelope) a notification or a broadcast (user_id null); link(state) 'connecting', 'live',
 * 'reconnecting', 'closed'; failed(reason) token_expired, connection_limit, unauthorized, forbidden … (the stream is
 * over). `counters`, if given, is incremented: opens, reconnects, resumes, replayGaps; the object countersFor(id)
 * returns for an execution: fills (missing seqs fetched while streaming), catchUps (fetched after a look at the
 * snapshot), settleLooks. stream.cursor is the position; stream.close() stops.
 */
import {SeqTracker, getJson, learn, listenToLearned} from './execution-stream.js';

/** The execution event types of the contract: until one of its events is heard, an execution is not known at all. */
const CONTRACT_TYPES = ['execution_requested', 'execution_accepted', 'execution_queued', 'pod_created', 'pod_scheduled',
  'execution_started', 'execution_running', 'pod_running', 'execution_completed', 'pod_succeeded', 'result_stored',
  'execution_failed', 'pod_failed', 'result_failed', 'execution_timeout', 'execution_cancelled', 'pod_terminated'];
const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled'];
const QUIET_MS = 2000;
const LOOK_TRIES = 10;

export function followUser(options) {
  return new UserStream(options);
}

class UserStream {
  constructor({token, cursor = '', backfill = () => false, types = [], on = {}, counters = {}, countersFor = () => ({})}) {
    this.token = token;
    this.cursor = cursor || ''; // the last id: received (the EventSource's own position is never behind it)
    this.backfill = backfill;
    this.types = types;
    this.on = on;
    this.counters = counters;
    this.countersFor = countersFor;
    this.tracks = new Map(); // execution id -> Track
    this.es = null;
    this.unlisten = null;
    this.over = false;
    this.reconnecting = false;
    this.retryDelay = 3000;
    this.timer = null;
    this.onMessage = (e) => {
      if (e.target === this.es) {
        this.seen(e);
        this.message(e);
      }
    };
    CONTRACT_TYPES.forEach(learn);
    this.connect();
  }

  /** Stops following: the EventSource is closed and nothing more is delivered. */
  close() {
    if (this.over) {
      return;
    }
    this.over = true;
    clearTimeout(this.timer);
    this.tracks.forEach((t) => t.stop());
    this.release();
    this.emit('link', 'closed');
  }

  count(name) {
    this.counters[name] = (this.counters[name] || 0) + 1;
  }

  emit(name, ...args) {
    const handler = this.on[name];
    if (handler && (!this.over || name === 'link' || name === 'failed')) {
      handler(...args);
    }
  }

  connect() {
    const params = {token: this.token};
    if (this.cursor) {
      params.lastEventId = this.cursor;
    }
    const es = new EventSource('/api/v1/events?' + new URLSearchParams(params));
    this.es = es;
    this.count('opens');
    this.emit('link', this.reconnecting ? 'reconnecting' : 'connecting');
    this.unlisten = listenToLearned(this);
    this.types.forEach((type) => es.addEventListener(type, this.onMessage));
    es.onmessage = this.onMessage; // an event without a name
    es.onopen = () => es === this.es && this.opened();
    const control = (name, fn) => es.addEventListener(name, (e) => {
      if (e.target === this.es) {
        this.seen(e);
        fn(JSON.parse(e.data));
      }
    });
    control('status', (snap) => this.status(snap));
    control('replay_gap', (gap) => this.replayGap(gap));
    control('shutdown', (notice) => this.moveAway(notice));
    es.addEventListener('error', (e) => e.target === this.es && this.streamError(e));
  }

  /** Called for each learned type (listenToLearned); adding the same listener twice is a no-op. */
  listen(type) {
    if (this.es) {
      this.es.addEventListener(type, this.onMessage);
    }
  }

  release() {
    if (this.es) {
      this.es.close();
      this.es = null;
      this.unlisten();
    }
  }

  seen(e) {
    if (e.lastEventId) {
      this.cursor = e.lastEventId;
    }
  }

  opened() {
    if (this.reconnecting) {
      this.reconnecting = false;
      this.count('resumes');
    }
    this.retryDelay = 3000;
    this.emit('link', 'live');
  }

  message(e) {
    let envelope;
    try {
      envelope = JSON.parse(e.data);
    } catch (ignored) {
      return; // not JSON: nothing this client knows
    }
    if (envelope && typeof envelope.execution_id === 'string' && envelope.seq !== undefined && envelope.seq !== null) {
      this.track(envelope.execution_id).heard(envelope);
    } else {
      this.emit('notification', envelope);
    }
  }

  track(id) {
    let track = this.tracks.get(id);
    if (!track) {
      track = new Track(this, id, this.countersFor(id) || {});
      this.tracks.set(id, track);
    }
    return track;
  }

  /**
   * A snapshot of a fresh connect: the server sends none of the events up to its last_seq. A known execution
   * fetches what it lacks; a new one starts there, unless its earlier events are wanted.
   */
  status(snap) {
    if (!snap || typeof snap.execution_id !== 'string') {
      return;
    }
    const known = this.tracks.has(snap.execution_id);
    const track = this.track(snap.execution_id);
    if (!known && !this.backfill(snap)) {
      track.lastSeq = Math.max(track.lastSeq, Number(snap.last_seq) || 0);
    }
    track.snapshot(snap);
  }

  replayGap(gap) {
    this.count('replayGaps');
    (gap.snapshots || []).forEach((snap) => {
      if (snap && typeof snap.execution_id === 'string') {
        const known = this.tracks.has(snap.execution_id);
        const track = this.track(snap.execution_id);
        if (!known && !this.backfill(snap)) {
          track.lastSeq = Math.max(track.lastSeq, Number(snap.last_seq) || 0);
        }
        track.snapshot(snap); // fetches what follows our last seq; only what its route no longer holds is a gap
      }
    });
  }

  /** The server drains and asks us to reconnect after its own delay (spread over its clients); it relays until then. */
  moveAway(notice) {
    const es = this.es;
    this.emit('link', 'reconnecting');
    clearTimeout(this.timer);
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

  streamError(e) {
    if (e instanceof MessageEvent) { // the server's own `event: error`: the stream is over
      this.seen(e);
      let reason = 'error';
      try {
        reason = JSON.parse(e.data).reason || reason;
      } catch (ignored) {
        // no reason given
      }
      this.fail(reason);
      return;
    }
    this.markReconnect();
    this.emit('link', 'reconnecting');
    if (this.es.readyState === EventSource.CONNECTING) {
      return; // the browser reconnects by itself after the server's `retry:` delay, with Last-Event-ID
    }
    // The browser gave up (an HTTP error such as 503 or 429): find out whether the token is refused, else reopen.
    this.release();
    getJson('/api/v1/executions?limit=1', this.token).then((answer) => {
      if (answer.status === 401 || answer.status === 403) {
        this.fail(answer.status === 401 ? 'unauthorized' : 'forbidden');
      } else {
        this.reopenLater();
      }
    }, () => this.reopenLater());
  }

  reopenLater() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => !this.over && !this.es && this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 15000);
  }

  /** The stream is over for a reason the page has to act on; nothing more is delivered. */
  fail(reason) {
    if (this.over) {
      return;
    }
    this.release();
    this.close();
    this.emit('failed', reason);
  }
}

/** One execution on the user stream: its seqs delivered in order, each once, the missing ones fetched. */
class Track extends SeqTracker {
  constructor(stream, id, counters) {
    super(id, 0, counters);
    this.stream = stream;
    this.lookTimer = null;
    this.lookTries = 0;
  }

  currentToken() {
    return this.stream.token;
  }

  stopped() {
    return this.stream.over;
  }

  reportGap(from, to) {
    this.stream.emit('gap', this.id, from, to);
  }

  reportRepeat(seq) {
    this.stream.emit('repeat', this.id, seq); // the position resumes exactly, on every connection: the server sent it twice
  }

  stop() {
    clearTimeout(this.lookTimer);
  }

  /** An event from the stream. */
  heard(envelope) {
    this.accept(Number(envelope.seq), envelope);
  }

  deliver(envelope) {
    this.lastSeq = Number(envelope.seq);
    learn(envelope.event_type);
    this.stream.emit('event', envelope);
    if (TERMINAL.includes(envelope.status)) {
      this.lookWhenQuiet();
    }
  }

  /** A snapshot (a `status` or `replay_gap` event, or a look): reported, then what it counts beyond our last seq is fetched. */
  snapshot(snap) {
    learn(snap.last_event_type);
    this.stream.emit('snapshot', snap);
    if ((Number(snap.last_seq) || 0) > this.lastSeq) {
      this.fill();
    }
    if (TERMINAL.includes(snap.status)) {
      this.lookWhenQuiet();
    }
  }

  /**
   * An execution whose status is terminal sends little more, so a trailing event of a type nobody listens to would
   * show as no jump: once it has been quiet for a while, its snapshot says whether anything is beyond our last seq.
   */
  lookWhenQuiet() {
    clearTimeout(this.lookTimer);
    this.lookTries = 0;
    this.lookTimer = setTimeout(() => this.look(), QUIET_MS);
  }

  async look() {
    let answer = null;
    try {
      answer = await getJson(this.path('/status'), this.stream.token);
    } catch (ignored) {
      // the edge is unreachable: look again below
    }
    if (this.stream.over) {
      return;
    }
    if (answer && answer.status === 200 && answer.body) {
      const snap = answer.body;
      if (Number(snap.last_seq) > this.lastSeq) {
        this.count('catchUps');
        await this.fetchAfter();
      }
      this.count('settleLooks');
      learn(snap.last_event_type);
      this.stream.emit('snapshot', snap);
      if (snap.closed && Number(snap.last_seq) <= this.lastSeq) {
        return; // settled: anything later arrives on the stream (or shows as a jump)
      }
    } else if (answer && answer.status < 500 && answer.status !== 429) {
      return; // 401, 403, 404: there is nothing more to see
    }
    if (++this.lookTries < LOOK_TRIES) {
      this.lookTimer = setTimeout(() => this.look(), Math.min(QUIET_MS * this.lookTries, 5000));
    }
  }
}
