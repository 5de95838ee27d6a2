package io.sserouter.system.fault;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseClientBuilder;
import io.sserouter.testkit.sse.SseEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A browser-like client following executions one after another, each with the testkit's {@link SseClient}: it
 * always sends {@code Last-Event-ID} (0 at first, so it gets every event from seq 1), reconnects on any close, and
 * treats the end of a stream after the execution's closing event as final. An answer other than 200 (503 while an
 * edge drains or Redis is away, 502 while no edge is up) is retried after its {@code Retry-After}, as an application
 * recreating its EventSource does. What it received is kept for the check, with what a browser would not expect.
 */
public final class SseFollower implements Runnable {
    public static final Set<String> CLOSING = Set.of("result_stored", "result_failed", "execution_failed", "execution_timeout",
            "execution_cancelled");
    /** Error reasons a client simply retries after: the execution has not started yet, or Redis was away. */
    static final Set<String> BENIGN_ERRORS = Set.of("not_found", "unavailable");
    /** Refusals that are part of the faults: a draining edge or an absent Redis (503), no edge up (502), a rate limit. */
    static final Set<Integer> EXPECTED_REFUSALS = Set.of(502, 503, 429);
    /** How long a user-stream client stays after the last closing event of its executions. */
    private static final Duration USER_STREAM_LINGER = Duration.ofSeconds(3);

    /** One execution event as received: its SSE id (the seq) and the producer's own numbering from the data. */
    public record Received(long seq, String type, int n, long sentAtMillis, long receivedAtMillis) {
    }

    /** What the client saw of one execution. */
    public static final class Followed {
        public final String executionId;
        public final List<Received> events = new ArrayList<>();
        public final List<String> anomalies = new ArrayList<>();
        public boolean closed;
        public int connects;
        public int refused;
        public int cutBeforeClose;
        public int shutdownEvents;

        private final boolean ofSet;
        private final boolean connectionFigures;

        Followed(String executionId, SseClient client) {
            this(executionId, client, false, true);
        }

        /**
         * @param ofSet             the client follows a stream of several executions (a set's, or the user's): each event is
         *                          this execution's only if its envelope or error names it, and the SSE id is the
         *                          stream's cursor, not the seq
         * @param connectionFigures count the connection's figures (connects, refusals, shutdowns) here: on a set stream
         *                          only one of its executions does, so that they are counted once
         */
        Followed(String executionId, SseClient client, boolean ofSet, boolean connectionFigures) {
            this.executionId = executionId;
            this.ofSet = ofSet;
            this.connectionFigures = connectionFigures;
            connects = connectionFigures ? client.attempts() : 1;
            cutBeforeClose = connectionFigures ? client.cutBeforeEnd() : 0;
            if (connectionFigures) {
                collectRefusals(client);
            }
            client.events().forEach(this::add);
        }

        private void collectRefusals(SseClient client) {
            for (int status : client.statuses()) {
                if (status != 200) {
                    refused++;
                    if (!EXPECTED_REFUSALS.contains(status)) {
                        anomalies.add("HTTP " + status);
                    }
                }
            }
            client.unknownLines().forEach(line -> anomalies.add("unknown field " + line));
        }

        private void add(SseEvent event) {
            JsonNode data;
            try {
                data = Json.read(event.data(), JsonNode.class);
            } catch (RuntimeException e) {
                anomalies.add("data is not one JSON object: " + event.data());
                return;
            }
            String about = data.path("execution_id").asText(null);
            if (ofSet && !(executionId.equals(about) || about == null && connectionFigures)) {
                return; // another execution of the set, or the connection's own event counted elsewhere
            }
            switch (event.event()) {
                case "shutdown" -> shutdownEvents++;
                case "error" -> {
                    String reason = data.path("reason").asText();
                    if (!BENIGN_ERRORS.contains(reason)) {
                        anomalies.add("error event " + reason);
                    }
                }
                case "status", "replay_gap" -> anomalies.add(event.event() + " " + event.data());
                default -> {
                    long seq = data.path("seq").asLong();
                    boolean idMatches = ofSet || String.valueOf(seq).equals(event.id());
                    if (!idMatches || !event.event().equals(data.path("event_type").asText()) || !executionId.equals(about)) {
                        anomalies.add("frame and envelope disagree: id " + event.id() + ", event " + event.event() + ", data " + event.data());
                    }
                    JsonNode payload = data.path("data");
                    events.add(new Received(seq, event.event(), payload.path("n").asInt(), payload.path("sent_at").asLong(), event.receivedAtMillis()));
                    closed |= CLOSING.contains(event.event());
                }
            }
        }
    }

    /** Makes the client stop reading for a while after some events of each execution, like a frozen browser tab. */
    public record Stall(int afterEvents, long millis) {
    }

    private final String base;
    private final String token;
    private final List<String> executions;
    private final long deadlineMillis;
    private final int receiveBuffer;
    private final Stall stall;
    private final List<SseClient> clients = new ArrayList<>();
    /** For a follower of one shared stream (a set's or the user's): when it connects (a little before its executions start), else 0. */
    private final long setStartMillis;
    /** One stream carries all the executions: a set stream or the user stream. */
    private final boolean set;
    /** The shared stream's first Last-Event-ID: every event from the start. */
    private final String firstCursor;

    public SseFollower(String host, int port, String token, List<String> executions, long deadlineMillis, int receiveBuffer, Stall stall) {
        this.base = "http://" + host + ":" + port + "/api/v1/events/executions/";
        this.token = token;
        this.executions = executions;
        this.deadlineMillis = deadlineMillis;
        this.receiveBuffer = receiveBuffer;
        this.stall = stall;
        this.set = false;
        this.setStartMillis = 0;
        this.firstCursor = null;
    }

    private SseFollower(String url, String firstCursor, String token, List<String> executions, long startAtMillis, long deadlineMillis) {
        this.base = url;
        this.firstCursor = firstCursor;
        this.token = token;
        this.executions = executions;
        this.deadlineMillis = deadlineMillis;
        this.receiveBuffer = 0;
        this.stall = null;
        this.set = true;
        this.setStartMillis = startAtMillis;
    }

    /**
     * A client that follows all of {@code executions} on one stream of the set
     * ({@code /api/v1/events/executions?id=a&id=b…}) from {@code startAtMillis}, as a page of a user's running
     * executions does: cursor 0 for each at first (every event from seq 1), the server's composite id on reconnect.
     */
    public static SseFollower ofSet(String host, int port, String token, List<String> executions, long startAtMillis, long deadlineMillis) {
        StringBuilder query = new StringBuilder();
        for (String id : executions) {
            query.append(query.isEmpty() ? "?" : "&").append("id=").append(id);
        }
        return new SseFollower("http://" + host + ":" + port + "/api/v1/events/executions" + query,
                String.join(".", java.util.Collections.nCopies(executions.size(), "0")), token, executions, startAtMillis, deadlineMillis);
    }

    /**
     * A client of its user's stream ({@code /api/v1/events}) from {@code startAtMillis}, before the user's {@code
     * executions} start, as a dashboard of a user's work does: cursor {@code 0-0} at first (every event of the user's
     * log), the server's log id on reconnect; done once every one of {@code executions} has closed.
     */
    public static SseFollower ofUser(String host, int port, String token, List<String> executions, long startAtMillis, long deadlineMillis) {
        return new SseFollower("http://" + host + ":" + port + "/api/v1/events", "0-0", token, executions, startAtMillis, deadlineMillis);
    }

    /** What kind of stream it follows: {@code execution} (one at a time), {@code set} or {@code user}. */
    public String kind() {
        return !set ? "execution" : base.endsWith("/api/v1/events") ? "user" : "set";
    }

    /** What it saw of each execution it has started to follow. */
    public List<Followed> followed() {
        List<Followed> followed = new ArrayList<>();
        synchronized (clients) {
            if (set) {
                for (int i = 0; i < executions.size() && !clients.isEmpty(); i++) {
                    followed.add(new Followed(executions.get(i), clients.get(0), true, i == 0));
                }
                return followed;
            }
            for (int i = 0; i < clients.size(); i++) {
                followed.add(new Followed(executions.get(i), clients.get(i)));
            }
        }
        return followed;
    }

    public void stop() {
        synchronized (clients) {
            clients.forEach(SseClient::close);
        }
    }

    @Override
    public void run() {
        if (set) {
            followSet();
            return;
        }
        for (String execution : executions) {
            SseClientBuilder builder = SseClient.to(URI.create(base + execution)).bearer(token).lastEventId("0")
                    .receiveBuffer(receiveBuffer).endsWith(e -> CLOSING.contains(e.event()));
            if (stall != null) {
                builder.stallAfter(stall.afterEvents(), Duration.ofMillis(stall.millis()));
            }
            SseClient client = builder.build();
            synchronized (clients) {
                clients.add(client);
            }
            client.follow(Duration.ofMillis(Math.max(0, deadlineMillis - System.currentTimeMillis())));
            if (!new Followed(execution, client).closed) {
                return; // out of time or stopped: the check reports it
            }
        }
    }

    private void followSet() {
        try {
            Thread.sleep(Math.max(0, setStartMillis - System.currentTimeMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Set<String> closedExecutions = new java.util.HashSet<>();
        SseClientBuilder builder = SseClient.to(URI.create(base)).bearer(token).lastEventId(firstCursor)
                .endsWith(e -> {
                    if (CLOSING.contains(e.event())) {
                        closedExecutions.add(e.json().path("execution_id").asText());
                    }
                    return closedExecutions.size() == executions.size();
                });
        if (kind().equals("user")) {
            // the user stream goes on for the user's next executions: done once these have closed, after the edge's own
            // linger for events of other topics that come after a closing event (1 s by default)
            builder.leaveAtEnd(USER_STREAM_LINGER);
        }
        SseClient client = builder.build();
        synchronized (clients) {
            clients.add(client);
        }
        client.follow(Duration.ofMillis(Math.max(0, deadlineMillis - System.currentTimeMillis())));
    }
}
