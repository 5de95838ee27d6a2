package io.sserouter.system.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The metric names taken from a query: names only, not functions, labels, keywords, durations or Grafana variables. */
class PromQlTest {
    @Test
    void findsTheMetricsOfAQueryAndNothingElse() {
        assertEquals(Set.of("sse_router_redis_write_latency_seconds_bucket"), PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(sse_router_redis_write_latency_seconds_bucket{instance=~\"$topology\"}[$__rate_interval])))"));
        assertEquals(Set.of("sse_shutdown_phase", "sse_shutdown_deadline_timestamp_seconds"), PromQl.metricNames(
                "sse_shutdown_phase > 0 and on (job, instance) sse_shutdown_deadline_timestamp_seconds < time()"));
        assertEquals(Set.of("sse_router_events_dead_lettered_total", "sse_router_redis_up"), PromQl.metricNames(
                "sum by (job, reason) (increase(sse_router_events_dead_lettered_total[10m])) > 0 or sum by (job, reason) ("
                        + "(sse_router_events_dead_lettered_total unless sse_router_events_dead_lettered_total offset 10m)"
                        + " and on (job, instance) (sse_router_redis_up offset 10m))"));
        assertEquals(Set.of("a_total", "b"), PromQl.metricNames("rate(a_total[5m]) / ignoring (reason) group_left (x) b * 1e3 + 2"));
        assertEquals(Set.of("kafka_consumer_fetch_manager_records_lag"), PromQl.metricNames(
                "sum by (instance) (kafka_consumer_fetch_manager_records_lag{client_id!~\".*restore-consumer.*\", topic=\"sse_router_dlq\"})"));
    }

    @Test
    void findsTheLabelsEachSelectorMatchesOn() {
        assertEquals(Map.of("kafka_consumer_fetch_manager_records_lag", Set.of("client_id", "instance"),
                        "sse_delivery_latency_seconds", Set.of("quantile")),
                PromQl.matchedLabels("sum(kafka_consumer_fetch_manager_records_lag{instance=~\"$topology\", client_id!~\".*{restore}.*\"})"
                        + " + max(sse_delivery_latency_seconds{quantile=\"0.99\"})"));
    }

    @Test
    void aTemplateVariableNamesTheMetricItsLabelsComeFrom() {
        assertEquals(Set.of("sse_connections_active"), OpsKit.metricNames("label_values(sse_connections_active, instance)"));
    }
}
