package io.sserouter.edge;

/** An open SSE stream, as the edge's timers and shutdown see it. */
interface LiveStream {
    /** Subscribes (confirmed by Redis) and begins; throws when Redis does not answer. */
    void start() throws RedisFanout.UnavailableException;

    void heartbeat();

    /** Tell the client why ({@code token_expired}, {@code connection_limit}), then end. */
    void end(String reason);

    /**
     * This instance is draining: tell the client to reconnect (elsewhere) after {@code reconnectAfterMillis}, with a
     * {@code retry:} hint of the same delay for clients that only reconnect when the stream ends. Keeps relaying.
     */
    void shutdown(long reconnectAfterMillis);

    /** End it (client gone, shutdown). */
    void stop();
}
