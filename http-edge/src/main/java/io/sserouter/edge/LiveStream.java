package io.sserouter.edge;

/** An open SSE stream, as the edge's timers and shutdown see it. */
interface LiveStream {
    void heartbeat();

    /** Its token expired: say so, then end. */
    void expire();

    /** End it (client gone, shutdown). */
    void stop();
}
