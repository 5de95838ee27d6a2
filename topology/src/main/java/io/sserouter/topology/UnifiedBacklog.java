package io.sserouter.topology;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a partition of 'unified' holds records the application has not processed yet, asked when the direct
 * path's task of that partition starts ({@link DirectHandover}): the group's committed offset against the
 * partition's last stable offset. Producers that key every record by execution id never write there, and a starting
 * task then sequences where it reads from its first event on.
 */
class UnifiedBacklog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnifiedBacklog.class);

    /** For a topology without a broker to ask (TopologyTestDriver): a new driver's 'unified' holds nothing. */
    static final UnifiedBacklog NONE = new UnifiedBacklog(null, null, null);

    private final Admin admin;
    private final String group;
    private final String topic;

    UnifiedBacklog(Admin admin, String group, String topic) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
    }

    /** True unless the broker says the partition holds nothing unread; also when it cannot say, which is safe. */
    boolean mayHoldUnread(int partition) {
        if (admin == null) {
            return false;
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        try {
            // both requests at once: this runs on a stream thread, in a task's start
            KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> committed = admin.listConsumerGroupOffsets(
                    Map.of(group, new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(tp)))).partitionsToOffsetAndMetadata(group);
            KafkaFuture<Long> end = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(tp).thenApply(info -> info.offset());
            OffsetAndMetadata position = committed.get(10, TimeUnit.SECONDS).get(tp);
            return end.get(10, TimeUnit.SECONDS) > (position == null ? 0 : position.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            LOG.warn("Cannot tell whether {} holds unread records ({}); its task sends its events through it until it has read them", tp, e.toString());
            return true;
        }
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
