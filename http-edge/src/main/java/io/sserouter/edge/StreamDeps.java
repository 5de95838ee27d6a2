package io.sserouter.edge;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What every stream of an edge instance shares: settings, Redis access, timers, the writer pool and the meters. */
record StreamDeps(EdgeSettings settings, RedisReader reader, RedisFanout fanout, ScheduledExecutorService timers,
                  Executor writers, EdgeMetrics metrics, PipelineHealth pipeline) {
}
