package io.sserouter.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the source and dead-letter topics that do not exist yet (internal topics are Kafka Streams' job). */
final class TopicCreator {
    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    private TopicCreator() {
    }

    /**
     * A topic just created may not be in every broker's metadata yet; the routing decision that follows reads the
     * topics' partition counts, and must not take a topic it cannot see yet for one that does not match (two
     * instances starting together would then choose different paths).
     */
    private static void awaitDescribed(Admin admin, List<String> topics) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe the topics just created " + topics + ": " + e.getCause().getMessage(), e.getCause());
                }
                Thread.sleep(100);
            }
        }
    }

    static void createMissing(TopologySettings settings, Admin admin) throws InterruptedException, TimeoutException {
        try {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : settings.sourceTopics()) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(settings.partitions()), Optional.empty()));
                }
            }
            if (!existing.contains(settings.deadLetterTopic())) {
                missing.add(new NewTopic(settings.deadLetterTopic(), Optional.of(settings.partitions()), Optional.empty())
                        .configs(Map.of("max.message.bytes", String.valueOf(settings.dlqMaxRecordBytes() + (256 << 10)))));
            }
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                    LOG.info("Created topic {} with {} partitions", topic.name(), topic.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            if (!missing.isEmpty()) {
                awaitDescribed(admin, missing.stream().map(NewTopic::name).toList());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics at " + settings.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
