package io.sserouter.topology;

/** Names of every node, store and internal topic of the topology, in one place so tests can pin them. */
public final class Catalogue {
    public static final String STATUS_STORE = "execution-status";
    public static final String NOTIFICATION_OUTBOX = "redis-outbox-notifications";
    public static final String SYSTEM_OUTBOX = "redis-outbox-system";

    /**
     * Repartition topic: {@code <application.id>-unified-repartition}. Every execution event on the repartitioned
     * path, only misplaced ones on the direct path: one name for both, so a switch between them finds what the other
     * left unread (see {@link Routing}).
     */
    public static final String UNIFIED = "unified";

    /** Topic {@code <application.id>-direct-routing-marker}: exists while the pool runs the direct path ({@link Routing}). */
    public static final String DIRECT_MARKER = "direct-routing-marker";

    public static final String STAMP_EXECUTIONS = "stamp-executions";
    public static final String MERGE_EXECUTIONS = "merge-executions";
    public static final String KEY_BY_EXECUTION = "key-by-execution";
    /**
     * Direct path: the split between events sequenced where they are read and those rerouted through 'unified'
     * (read on another partition than their execution's, or while their task starts); branch names are prefixed.
     */
    public static final String ROUTE_EXECUTIONS = "route-executions-";
    public static final String WHERE_READ = "where-read";
    public static final String VIA_UNIFIED = "via-unified";
    public static final String COUNT_REROUTED = "count-rerouted";
    public static final String MERGE_REROUTED = "merge-rerouted";
    public static final String SEQUENCE = "sequence-executions";
    public static final String STAMP_NOTIFICATIONS = "stamp-notifications";
    public static final String SINK_NOTIFICATIONS = "sink-redis-notifications";
    public static final String STAMP_SYSTEM = "stamp-system";
    public static final String SINK_SYSTEM = "sink-redis-system";

    private Catalogue() {
    }

    /** The topic Kafka Streams names after {@link #UNIFIED}. */
    public static String unifiedTopic(String applicationId) {
        return applicationId + "-" + UNIFIED + "-repartition";
    }

    public static String sourceName(String topic) {
        return "source-" + topic;
    }
}
