package io.sserouter.system.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The load generator every server under test gets: SSE connections on one selector thread, spread over several
 * 127.0.0.x source addresses. It counts delivered events (frames with a {@code data:} line), records the latency
 * of events stamped with {@code "sent_ns":} (this JVM's nanoTime at publish), and times how long a connection
 * takes to receive its first N events (resume). It reads with a byte-level state machine of its own rather than the
 * testkit's SseParser: at hundreds of thousands of deliveries a second, on cores it shares with the server under test,
 * a String per line would take CPU from the server it measures.
 */
final class SseLoad implements AutoCloseable {
    private static final byte[] SENT = "\"sent_ns\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final int SOURCE_ADDRESSES = 8;

    private final Selector selector;
    private final Thread thread;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<Long> latencies = new ArrayList<>();
    private final Map<Integer, Long> refusedByStatus = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private int nextPort = 10_000;
    private int nextAddress;

    SseLoad() throws IOException {
        selector = Selector.open();
        thread = new Thread(this::loop, "sse-load");
        thread.setDaemon(true);
        thread.start();
    }

    /** Opens {@code count} connections that stay open, pacing itself so the server keeps up with the connect storm. */
    void hold(int port, int count, IntFunction<String> request) throws IOException, InterruptedException {
        long base = live.get();
        long refusedBase = refused.get();
        for (int i = 0; i < count; i++) {
            connect(port, request.apply(i), null);
            if (i % 500 == 499) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (live.get() - base < i + 1 - 50 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (live.get() - base + refused.get() - refusedBase < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * Opens one connection per request at once; each is done when it has received {@code events} events (and is then
     * closed when {@code closeWhenDone}).
     */
    Burst burst(int port, List<String> requests, int events, boolean closeWhenDone) throws IOException {
        Burst burst = new Burst(requests.size(), events, closeWhenDone);
        for (String request : requests) {
            connect(port, request, burst);
        }
        return burst;
    }

    long live() {
        return live.get();
    }

    long delivered() {
        return delivered.get();
    }

    /** Connections answered with anything but 200. */
    long refused() {
        return refused.get();
    }

    /** The refused connections by the status they got, e.g. "{503=2}". */
    String refusedByStatus() {
        return refusedByStatus.toString();
    }

    void clearLatencies() {
        synchronized (latencies) {
            latencies.clear();
        }
    }

    long[] sortedLatencies() {
        return sorted(latencies);
    }

    /** A sorted copy of a list other threads add to (under its own lock). */
    private static long[] sorted(List<Long> values) {
        long[] copy;
        synchronized (values) {
            copy = values.stream().mapToLong(Long::longValue).toArray();
        }
        Arrays.sort(copy);
        return copy;
    }

    /** Connections waiting for their first N events; durations are from just before connect to the Nth event. */
    static final class Burst {
        final int size;
        final int events;
        final boolean closeWhenDone;
        final long startNanos = System.nanoTime();
        private final List<Long> durations = new ArrayList<>();
        private volatile long lastDoneNanos;

        Burst(int size, int events, boolean closeWhenDone) {
            this.size = size;
            this.events = events;
            this.closeWhenDone = closeWhenDone;
        }

        private void done(long startedNanos, long now) {
            synchronized (durations) {
                durations.add(now - startedNanos);
                lastDoneNanos = now;
                durations.notifyAll();
            }
        }

        /** Waits until every connection is done or the timeout passes; returns how many are done. */
        int await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (durations) {
                while (durations.size() < size && System.nanoTime() < deadline) {
                    durations.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
                return durations.size();
            }
        }

        long[] sortedDurations() {
            return sorted(durations);
        }

        /** From the first connect to the last connection done. */
        long elapsedNanos() {
            return lastDoneNanos - startNanos;
        }
    }

    private void connect(int port, String request, Burst burst) throws IOException {
        Conn conn = new Conn(burst);
        SocketChannel channel = bound();
        conn.startedNanos = System.nanoTime();
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        channel.configureBlocking(false);
        channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        channel.register(selector, SelectionKey.OP_READ, conn);
        selector.wakeup(); // so the new channel joins the next select at once
    }

    /**
     * A client socket on the next of several 127.0.0.x source addresses (about 28k ports each), on an explicit
     * port: letting the kernel pick one for a bound socket gets slower with every connection already open.
     */
    private SocketChannel bound() throws IOException {
        while (true) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.bind(new InetSocketAddress("127.0.0." + (2 + nextAddress), nextPort));
                return channel;
            } catch (IOException inUse) {
                channel.close();
            } finally {
                nextAddress = (nextAddress + 1) % SOURCE_ADDRESSES;
                if (nextAddress == 0) {
                    nextPort = nextPort >= 60_000 ? 10_000 : nextPort + 1;
                }
            }
        }
    }

    private static final class Conn {
        final Burst burst;
        long startedNanos;
        boolean headersDone;
        int headerBytes; // of the status line, to read the code
        int status;
        int sentMatched; // bytes of "sent_ns": matched so far
        long number = -1;
        int newlines; // consecutive '\n' (ignoring '\r')
        int dataMatched; // bytes of "data:" matched at the start of the line; -1 when the line is something else
        boolean frameHasData;
        int events;

        Conn(Burst burst) {
            this.burst = burst;
        }
    }

    private void loop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
        while (running) {
            try {
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    SocketChannel channel = (SocketChannel) key.channel();
                    Conn conn = (Conn) key.attachment();
                    buffer.clear();
                    int n;
                    try {
                        n = channel.read(buffer);
                    } catch (IOException e) {
                        n = -1;
                    }
                    boolean close = n < 0;
                    if (!close) {
                        buffer.flip();
                        close = parse(conn, buffer);
                    }
                    if (close) {
                        if (conn.headersDone && conn.status == 200) {
                            live.decrementAndGet();
                        }
                        key.cancel();
                        channel.close();
                    }
                }
            } catch (IOException | ClosedSelectorException e) {
                return;
            }
        }
    }

    /** Returns true when the connection should be closed (refused, or a burst connection that is done). */
    private boolean parse(Conn conn, ByteBuffer bytes) {
        long now = System.nanoTime();
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (!conn.headersDone) {
                if (conn.headerBytes >= 9 && conn.headerBytes < 12) {
                    conn.status = conn.status * 10 + (b - '0'); // "HTTP/1.1 200"
                }
                conn.headerBytes++;
                if (b == '\n' && ++conn.newlines == 2) {
                    conn.headersDone = true;
                    conn.newlines = 0;
                    conn.dataMatched = 0;
                    if (conn.status != 200) {
                        refused.incrementAndGet();
                        refusedByStatus.merge(conn.status, 1L, Long::sum);
                        return true;
                    }
                    live.incrementAndGet();
                } else if (b != '\n' && b != '\r') {
                    conn.newlines = 0;
                }
                continue;
            }
            if (conn.number >= 0) {
                if (b >= '0' && b <= '9') {
                    conn.number = conn.number * 10 + (b - '0');
                    continue;
                }
                synchronized (latencies) {
                    latencies.add(now - conn.number);
                }
                conn.number = -1;
            }
            if (b == SENT[conn.sentMatched]) {
                if (++conn.sentMatched == SENT.length) {
                    conn.sentMatched = 0;
                    conn.number = 0;
                }
            } else {
                conn.sentMatched = b == SENT[0] ? 1 : 0;
            }
            if (conn.dataMatched >= 0 && conn.dataMatched < DATA.length) {
                conn.dataMatched = b == DATA[conn.dataMatched] ? conn.dataMatched + 1 : -1;
                if (conn.dataMatched == DATA.length) {
                    conn.frameHasData = true;
                }
            }
            if (b == '\n') {
                conn.dataMatched = 0;
                if (++conn.newlines == 2 && conn.frameHasData) {
                    conn.frameHasData = false;
                    delivered.incrementAndGet();
                    conn.events++;
                    Burst burst = conn.burst;
                    if (burst != null && conn.events == burst.events) {
                        burst.done(conn.startedNanos, now);
                        if (burst.closeWhenDone) {
                            return true;
                        }
                    }
                }
            } else if (b != '\r') {
                conn.newlines = 0;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }
}
