package io.sserouter.edge;

/** An open SSE stream, as the edge's timers and shutdown see it. */
interface LiveStream {
    /** Subscribes (confirmed by Redis) and begins; throws when Redis does not answer. */
    void start() throws RedisFanout.UnavailableException;

    void heartbeat();

    /** Tell the client why ({@code token_expired}, {@code connection_limit}), then end. */
    void end(String reason);

    /** End it (client gone, shutdown). */
    void stop();
}
