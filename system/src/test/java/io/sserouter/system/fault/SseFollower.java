package io.sserouter.system.fault;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A client that behaves like a browser's EventSource over a raw socket, following executions one after another.
 * It always sends {@code Last-Event-ID} (0 at first, so it gets every event from seq 1), reconnects on any close
 * after the server's {@code retry:} delay, or after the delay a {@code shutdown} event names, and treats the end of
 * a stream after the execution's closing event as final. An answer other than 200 (503 while an edge drains or
 * Redis is away, 502 while no edge is up) is retried after its {@code Retry-After}, as an application recreating
 * its EventSource does. Everything it receives is recorded for the check.
 */
public final class SseFollower implements Runnable {
    public static final Set<String> CLOSING = Set.of("result_stored", "result_failed", "execution_failed", "execution_timeout",
            "execution_cancelled");
    /** Error reasons a client simply retries after: the execution has not started yet, or Redis was away. */
    static final Set<String> BENIGN_ERRORS = Set.of("not_found", "unavailable");

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

        Followed(String executionId) {
            this.executionId = executionId;
        }
    }

    /** Makes the client stop reading for a while after some events of each execution, like a frozen browser tab. */
    public record Stall(int afterEvents, long millis) {
    }

    private final String host;
    private final int port;
    private final String token;
    private final List<String> executions;
    private final long deadlineMillis;
    private final int receiveBuffer;
    private final Stall stall;
    private final List<Followed> followed = new ArrayList<>();
    private volatile long retryMillis = 3_000;
    private volatile boolean stop;
    private final Set<String> stalled = new java.util.HashSet<>();

    public SseFollower(String host, int port, String token, List<String> executions, long deadlineMillis, int receiveBuffer, Stall stall) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.executions = executions;
        this.deadlineMillis = deadlineMillis;
        this.receiveBuffer = receiveBuffer;
        this.stall = stall;
    }

    public synchronized List<Followed> followed() {
        return List.copyOf(followed);
    }

    public void stop() {
        stop = true;
    }

    @Override
    public void run() {
        for (String execution : executions) {
            Followed f = new Followed(execution);
            synchronized (this) {
                followed.add(f);
            }
            while (!f.closed && !stop && System.currentTimeMillis() < deadlineMillis) {
                long delay = connectOnce(f);
                if (!f.closed) {
                    sleep(delay);
                }
            }
            if (!f.closed) {
                return; // out of time: the check reports it
            }
        }
    }

    private String lastEventId(Followed f) {
        synchronized (this) {
            return f.events.isEmpty() ? "0" : String.valueOf(f.events.get(f.events.size() - 1).seq());
        }
    }

    /** One connection; returns how long to wait before the next one. */
    private long connectOnce(Followed f) {
        f.connects++;
        try (Socket socket = new Socket()) {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
            }
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(60_000); // far above the heartbeat: silence this long means a dead path
            OutputStream out = socket.getOutputStream();
            String request = "GET /api/v1/events/executions/" + f.executionId + " HTTP/1.1\r\n"
                    + "Host: " + host + ":" + port + "\r\n"
                    + "Accept: text/event-stream\r\n"
                    + "Cache-Control: no-cache\r\n"
                    + "Authorization: Bearer " + token + "\r\n"
                    + "Last-Event-ID: " + lastEventId(f) + "\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), receiveBuffer > 0 ? 1024 : 8192);
            String status = line(in);
            if (status == null) {
                return retryMillis; // accepted, then closed by an instance going down: a network error to EventSource
            }
            int code = Integer.parseInt(status.split(" ")[1]);
            boolean chunked = false;
            long retryAfter = -1;
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("retry-after:")) {
                    retryAfter = Long.parseLong(header.substring(12).trim()) * 1000;
                }
            }
            if (code != 200) {
                f.refused++;
                if (code != 503 && code != 502 && code != 429) {
                    f.anomalies.add("HTTP " + code);
                }
                return retryAfter >= 0 ? retryAfter : retryMillis;
            }
            return readStream(f, chunked ? new Chunked(in) : in);
        } catch (IOException e) {
            return retryMillis; // reset, refused or timed out: EventSource reconnects
        }
    }

    private long readStream(Followed f, InputStream body) throws IOException {
        String id = null;
        String type = null;
        StringBuilder data = null;
        String line;
        while ((line = line(body)) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    Long reconnect = dispatch(f, id, type == null ? "message" : type, data.toString());
                    if (reconnect != null) {
                        return reconnect;
                    }
                }
                id = null;
                type = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                case "retry" -> {
                    if (value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
                        retryMillis = Long.parseLong(value);
                    }
                }
                default -> f.anomalies.add("unknown field " + field);
            }
        }
        if (!f.closed) {
            f.cutBeforeClose++;
        }
        return retryMillis;
    }

    /** Handles one event; returns a reconnect delay when the client should leave this connection now. */
    private Long dispatch(Followed f, String id, String type, String data) {
        long now = System.currentTimeMillis();
        switch (type) {
            case "shutdown" -> {
                f.shutdownEvents++;
                return Json.read(data, JsonNode.class).path("reconnect_after_ms").asLong(retryMillis);
            }
            case "error" -> {
                String reason = Json.read(data, JsonNode.class).path("reason").asText();
                if (!BENIGN_ERRORS.contains(reason)) {
                    f.anomalies.add("error event " + reason);
                }
                return null; // the server closes the stream next
            }
            case "status", "replay_gap" -> {
                f.anomalies.add(type + " " + data);
                return null;
            }
            default -> {
                JsonNode envelope;
                try {
                    envelope = Json.read(data, JsonNode.class);
                } catch (RuntimeException e) {
                    f.anomalies.add("data is not one JSON envelope: " + data);
                    return null;
                }
                long seq = Long.parseLong(id);
                if (envelope.path("seq").asLong() != seq || !type.equals(envelope.path("event_type").asText())
                        || !f.executionId.equals(envelope.path("execution_id").asText())) {
                    f.anomalies.add("frame and envelope disagree: id " + id + ", event " + type + ", data " + data);
                }
                JsonNode payload = envelope.path("data");
                synchronized (this) {
                    f.events.add(new Received(seq, type, payload.path("n").asInt(), payload.path("sent_at").asLong(), now));
                }
                if (CLOSING.contains(type)) {
                    f.closed = true;
                }
                if (stall != null && f.events.size() >= stall.afterEvents() && stalled.add(f.executionId)) {
                    sleep(stall.millis()); // the socket stays open, unread
                }
                return null;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A line ending in LF (CR stripped), or null at the end of the input. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = buffer.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            buffer.write(b);
        }
        return null;
    }

    /** HTTP/1.1 chunked transfer coding, as nginx sends a response of unknown length. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    done = true;
                    return -1;
                }
                if (size.isEmpty()) { // the CRLF after the previous chunk's data
                    size = line(in);
                    if (size == null) {
                        done = true;
                        return -1;
                    }
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) {
                done = true;
                return -1;
            }
            left--;
            return b;
        }
    }
}
