package io.sserouter.testkit;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/** Records every message published on channels matching a pattern, for tests that check what was published. */
public final class PubSubRecorder implements AutoCloseable {
    public record Message(String channel, String body) {
    }

    private final List<Message> messages = new ArrayList<>();
    private final JedisPubSub pubSub;
    private final Thread thread;

    public PubSubRecorder(URI redis, String pattern) {
        CountDownLatch subscribed = new CountDownLatch(1);
        pubSub = new JedisPubSub() {
            @Override
            public void onPSubscribe(String p, int count) {
                subscribed.countDown();
            }

            @Override
            public void onPMessage(String p, String channel, String message) {
                synchronized (messages) {
                    messages.add(new Message(channel, message));
                    messages.notifyAll();
                }
            }
        };
        thread = new Thread(() -> {
            try (Jedis jedis = new Jedis(redis)) {
                jedis.psubscribe(pubSub, pattern);
            } catch (RuntimeException ignored) {
                // closed
            }
        }, "pubsub-recorder");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!subscribed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not subscribe to " + pattern);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Message> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    public List<String> on(String channel) {
        return messages().stream().filter(m -> m.channel().equals(channel)).map(Message::body).toList();
    }

    /** Waits until at least {@code count} messages were recorded on {@code channel}; returns them. */
    public List<String> await(String channel, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (on(channel).size() < count && System.nanoTime() < deadline) {
                try {
                    messages.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return on(channel);
    }

    @Override
    public void close() {
        try {
            pubSub.punsubscribe();
        } catch (RuntimeException ignored) {
            // not subscribed
        }
    }
}
