package io.sserouter.system.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes by HTTP POST on one keep-alive connection, pipelined: requests go out without waiting for their
 * answers, which a reader thread counts. At most {@code maxInFlight} requests wait for an answer at a time.
 */
final class HttpPublisher implements ServerUnderTest.Publisher {
    private static final byte[] STATUS = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);

    private final SocketChannel channel;
    private final String pathPrefix;
    private final int maxInFlight;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread reader;
    private long sent;

    HttpPublisher(int port, String pathPrefix, int maxInFlight) throws IOException {
        this.channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        this.pathPrefix = pathPrefix;
        this.maxInFlight = maxInFlight;
        reader = new Thread(this::read, "http-publisher");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void publishStamped(int channel, long seq) throws IOException {
        send(request(channel, ServerUnderTest.envelope("b" + channel, seq, true)), 1);
    }

    @Override
    public void publishRound(int channels, long[] next) throws IOException {
        StringBuilder batch = new StringBuilder();
        for (int c = 0; c < channels; c++) {
            batch.append(request(c, ServerUnderTest.envelope("b" + c, next[c]++, false)));
            if (c % 64 == 63) {
                send(batch.toString(), 64);
                batch.setLength(0);
            }
        }
        if (!batch.isEmpty()) {
            send(batch.toString(), channels % 64);
        }
    }

    long answered() {
        return answered.get();
    }

    /** Answers that were not 2xx. */
    long failed() {
        return failed.get();
    }

    private String request(int channel, String body) {
        return "POST " + pathPrefix + "b" + channel + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private void send(String requests, int count) throws IOException {
        while (sent - answered.get() + count > maxInFlight) {
            LockSupport.parkNanos(20_000);
            if (!reader.isAlive()) {
                throw new IOException("publisher connection closed");
            }
        }
        ByteBuffer bytes = ByteBuffer.wrap(requests.getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        sent += count;
    }

    /** Counts answers by their status lines ("HTTP/1.1 " never occurs in a publisher's answer body). */
    private void read() {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        int matched = 0;
        int code = -1;
        try {
            while (channel.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (code >= 0) {
                        if (b != '2') {
                            failed.incrementAndGet();
                        }
                        answered.incrementAndGet();
                        code = -1;
                    }
                    matched = b == STATUS[matched] ? matched + 1 : (b == STATUS[0] ? 1 : 0);
                    if (matched == STATUS.length) {
                        matched = 0;
                        code = 0;
                    }
                }
            }
        } catch (IOException closed) {
            // the publisher is done
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
