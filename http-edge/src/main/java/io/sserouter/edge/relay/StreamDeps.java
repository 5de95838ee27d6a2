package io.sserouter.edge.relay;

import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.redis.PipelineHealth;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What every stream of an edge instance shares: settings, the event store, timers, the writer pool and the meters. */
public record StreamDeps(EdgeSettings settings, EventStore store, ScheduledExecutorService timers, Executor writers,
                         EdgeMetrics metrics, PipelineHealth pipeline) {
}
