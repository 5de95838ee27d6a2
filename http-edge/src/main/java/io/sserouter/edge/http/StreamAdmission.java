package io.sserouter.edge.http;

import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.redis.UserLimits;
import io.sserouter.edge.relay.Relay;
import io.sserouter.edge.relay.StreamRegistry;
import io.sserouter.edge.sse.HttpSseSink;
import io.sserouter.edge.sse.SseResponses;
import io.sserouter.edge.sse.SseSink;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The steps every stream request takes, in the order a handler calls them: {@link #admit} (nothing written yet),
 * {@link #subscribe}, the handler's own checks, then {@link #open}. A refusal at any step is a JSON error, and leaves
 * nothing subscribed or registered.
 */
public final class StreamAdmission {
    private final Authenticator authenticator;
    private final BooleanSupplier redisUp;
    private final BooleanSupplier draining;
    private final UserLimits limits;
    private final StreamRegistry registry;
    private final SseResponses responses;
    private final EdgeMetrics metrics;

    public StreamAdmission(Authenticator authenticator, BooleanSupplier redisUp, BooleanSupplier draining, UserLimits limits,
                           StreamRegistry registry, SseResponses responses, EdgeMetrics metrics) {
        this.authenticator = authenticator;
        this.redisUp = redisUp;
        this.draining = draining;
        this.limits = limits;
        this.registry = registry;
        this.responses = responses;
        this.metrics = metrics;
    }

    /**
     * This instance is not shutting down (503), the token (401), Redis is reachable (503 with Retry-After), and the
     * user's connection rate across all instances (429 with Retry-After beyond it).
     */
    Principal admit(Exchange exchange) {
        if (draining.getAsBoolean()) {
            metrics.rejected("draining");
            exchange.header("Retry-After", "1");
            throw ApiError.of(503, "draining", "this instance is shutting down; reconnect to another one");
        }
        Principal principal = authenticator.authenticate(exchange);
        if (!redisUp.getAsBoolean()) {
            throw unavailable(exchange);
        }
        try {
            limits.attempt(principal);
        } catch (UserLimits.RateLimitedException e) {
            metrics.rejected("rate_limited");
            exchange.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
            throw ApiError.of(429, "rate_limited", "too many connection attempts; retry in " + e.retryAfterSeconds() + " s");
        }
        return principal;
    }

    /** Subscribes the stream, confirmed by Redis, before anything is read: nothing published from now on is missed. */
    void subscribe(Exchange exchange, Relay relay) {
        try {
            relay.subscribe();
        } catch (EventStore.UnavailableException e) {
            throw unavailable(exchange);
        }
    }

    /**
     * Takes the user's slot (a 5xx when Redis refuses it), opens the event-stream response, registers the stream
     * until the response ends, and hands the response to {@code start}.
     */
    void open(StreamExchange exchange, Principal principal, Relay relay, Consumer<SseSink> start) {
        StreamRegistry.Registration registration;
        try {
            registration = registry.register(principal, relay);
        } catch (RuntimeException e) {
            relay.abandon();
            throw e;
        }
        HttpSseSink sink;
        try {
            sink = responses.open(exchange.request(), exchange.response(), exchange.callback());
        } catch (RuntimeException e) {
            registration.release();
            relay.abandon();
            throw e;
        }
        registration.until(sink.done());
        try {
            start.accept(sink);
        } catch (RuntimeException e) {
            sink.abort(e); // the response is already open: end it, which also releases the registration
            relay.abandon();
            throw e;
        }
    }

    private RuntimeException unavailable(Exchange exchange) {
        metrics.rejected("redis_unavailable");
        exchange.header("Retry-After", "5");
        return ApiError.of(503, "unavailable", "event storage is unreachable; retry shortly");
    }
}
