package io.sserouter.testkit;

import io.sserouter.contract.EventTypes;
import io.sserouter.contract.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Realistic execution lifecycles as producers write them: the contract's event types spread over
 * {@code execution_events}, {@code pod_events} and {@code execution_results}, the owner in {@code metadata.user_id}
 * of every event, the closing event of the chosen outcome, optionally a straggler after it and an unknown type.
 * Every event carries {@code n}, its place in the execution (1..size), so what a client or Redis holds can be
 * compared with what was sent. Records are keyed by execution id, as producers usually do.
 */
public final class ExecutionScenario {
    public static final String EXECUTION_EVENTS = "execution_events";
    public static final String POD_EVENTS = "pod_events";
    public static final String EXECUTION_RESULTS = "execution_results";

    /** How an execution ends. */
    public enum Outcome {
        COMPLETED, FAILED, TIMEOUT, CANCELLED;

        /** Mostly completed, as on a real cluster: 70 % completed, 15 % failed, 8 % timed out, 7 % cancelled. */
        public static Outcome pick(Random random) {
            int r = random.nextInt(100);
            return r < 70 ? COMPLETED : r < 85 ? FAILED : r < 93 ? TIMEOUT : CANCELLED;
        }
    }

    /**
     * Which events carry an {@code event_id} (the others are identified by their source record), and its form:
     * {@code <execution>-<index>}, or with {@code UUIDS} a UUID as many producers make them (derived from the same).
     */
    public enum EventIds { EVERY, EVERY_OTHER, UUIDS }

    /** One step of the lifecycle: its topic (without any prefix) and its event type. */
    public record Step(String topic, String eventType) {
        public boolean closing() {
            return EventTypes.closes(EventTypes.normalise(eventType));
        }
    }

    /** One Kafka record of an execution. */
    public record Event(String topic, String key, String value, String eventType, int n) {
        public ProducerRecord<String, byte[]> record() {
            return new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final List<Step> steps;
    private final String topicPrefix;
    private final EventIds eventIds;
    private final String serviceName;
    private final Map<String, Object> fields;

    private ExecutionScenario(Builder builder) {
        this.steps = List.copyOf(builder.steps());
        this.topicPrefix = builder.topicPrefix;
        this.eventIds = builder.eventIds;
        this.serviceName = builder.serviceName;
        this.fields = Map.copyOf(builder.fields);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A successful execution of nine events, the last one {@code result_stored}. */
    public static ExecutionScenario completed(String topicPrefix) {
        return builder().topicPrefix(topicPrefix).build();
    }

    public List<Step> steps() {
        return steps;
    }

    public int size() {
        return steps.size();
    }

    /** The topics the steps use, each with the prefix. */
    public List<String> sourceTopics() {
        return steps.stream().map(s -> topicPrefix + s.topic()).distinct().toList();
    }

    /** The event id of step {@code index} of {@code executionId}, null when it has none. */
    public String eventId(String executionId, int index) {
        return switch (eventIds) {
            case EVERY -> executionId + "-" + index;
            case EVERY_OTHER -> index % 2 == 1 ? executionId + "-" + index : null;
            case UUIDS -> UUID.nameUUIDFromBytes((executionId + "-" + index).getBytes(StandardCharsets.UTF_8)).toString();
        };
    }

    /** Every event of one execution owned by {@code owner}, in order. */
    public List<Event> events(String executionId, String owner) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            events.add(event(executionId, owner, i));
        }
        return events;
    }

    public Event event(String executionId, String owner, int index) {
        return event(executionId, owner, index, Map.of());
    }

    /** Step {@code index} with {@code extra} top-level fields, e.g. a send time stamped now. */
    public Event event(String executionId, String owner, int index, Map<String, ?> extra) {
        return event(steps.get(index), executionId, owner, index + 1, eventId(executionId, index), extra);
    }

    /**
     * An event outside the lifecycle (a log line, a late straggler), in the same shape as the lifecycle's; {@code n} of
     * 0 or less and a null {@code eventId} are left out.
     */
    public Event event(Step step, String executionId, String owner, int n, String eventId, Map<String, ?> extra) {
        StringBuilder json = new StringBuilder(256).append("{\"event_type\":").append(Json.write(step.eventType()))
                .append(",\"execution_id\":").append(Json.write(executionId));
        if (n > 0) {
            json.append(",\"n\":").append(n);
        }
        if (eventId != null) {
            json.append(",\"event_id\":").append(Json.write(eventId));
        }
        json.append(",\"timestamp\":\"").append(Instant.now()).append("\",\"metadata\":{\"user_id\":").append(Json.write(owner));
        if (serviceName != null) {
            json.append(",\"service_name\":").append(Json.write(serviceName));
        }
        json.append('}');
        switch (step.eventType()) {
            case "pod_running" -> json.append(",\"pod_name\":").append(Json.write("pod-" + executionId));
            case "result_stored" -> json.append(",\"stdout\":").append(Json.write("hello from " + executionId + "\n")).append(",\"exit_code\":0");
            default -> {
            }
        }
        fields.forEach((name, value) -> json.append(',').append(Json.write(name)).append(':').append(Json.write(value)));
        extra.forEach((name, value) -> json.append(',').append(Json.write(name)).append(':').append(Json.write(value)));
        return new Event(topicPrefix + step.topic(), executionId, json.append('}').toString(), step.eventType(), n);
    }

    /** What a scenario holds; every option defaults to the plain successful execution. */
    public static final class Builder {
        private String topicPrefix = "";
        private Outcome outcome = Outcome.COMPLETED;
        private boolean accepted;
        private boolean dotted;
        private boolean straggler;
        private String unknownType;
        private int unknownTypeCount = 1;
        private EventIds eventIds = EventIds.EVERY;
        private String serviceName;
        private final Map<String, Object> fields = new LinkedHashMap<>();

        /** Topic names behind a run's prefix ({@code run-execution_events}). */
        public Builder topicPrefix(String prefix) {
            this.topicPrefix = prefix;
            return this;
        }

        public Builder outcome(Outcome outcome) {
            this.outcome = outcome;
            return this;
        }

        /** {@code execution_accepted} after the request. */
        public Builder accepted() {
            this.accepted = true;
            return this;
        }

        /** The dotted spelling {@code execution.completed}, which is the same type. */
        public Builder dotted() {
            this.dotted = true;
            return this;
        }

        /** A pod event after the closing event (pod_terminated or pod_deleted), as clusters send them. */
        public Builder straggler() {
            this.straggler = true;
            return this;
        }

        /** An event of a type the contract does not name, before the outcome: it is relayed like any other. */
        public Builder unknownType(String type) {
            return unknownType(type, 1);
        }

        /** {@code count} events of a type the contract does not name (progress or log lines of a long execution). */
        public Builder unknownType(String type, int count) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1: " + count);
            }
            this.unknownType = type;
            this.unknownTypeCount = count;
            return this;
        }

        public Builder eventIds(EventIds eventIds) {
            this.eventIds = eventIds;
            return this;
        }

        /** {@code metadata.service_name} of every event. */
        public Builder serviceName(String name) {
            this.serviceName = name;
            return this;
        }

        /** A constant top-level field of every event (a payload of some size, say). */
        public Builder field(String name, Object value) {
            fields.put(name, value);
            return this;
        }

        public ExecutionScenario build() {
            return new ExecutionScenario(this);
        }

        private List<Step> steps() {
            List<Step> steps = new ArrayList<>();
            steps.add(new Step(EXECUTION_EVENTS, "execution_requested"));
            if (accepted) {
                steps.add(new Step(EXECUTION_EVENTS, "execution_accepted"));
            }
            steps.add(new Step(EXECUTION_EVENTS, "execution_queued"));
            steps.add(new Step(POD_EVENTS, "pod_created"));
            steps.add(new Step(POD_EVENTS, "pod_scheduled"));
            steps.add(new Step(POD_EVENTS, "pod_running"));
            steps.add(new Step(EXECUTION_EVENTS, "execution_started"));
            for (int i = 0; unknownType != null && i < unknownTypeCount; i++) {
                steps.add(new Step(EXECUTION_EVENTS, unknownType));
            }
            switch (outcome) {
                case COMPLETED -> {
                    steps.add(new Step(POD_EVENTS, "pod_succeeded"));
                    steps.add(new Step(EXECUTION_EVENTS, dotted ? "execution.completed" : "execution_completed"));
                    steps.add(new Step(EXECUTION_RESULTS, "result_stored"));
                }
                case FAILED -> {
                    steps.add(new Step(POD_EVENTS, "pod_failed"));
                    steps.add(new Step(EXECUTION_EVENTS, "execution_failed"));
                }
                case TIMEOUT -> steps.add(new Step(EXECUTION_EVENTS, "execution_timeout"));
                case CANCELLED -> steps.add(new Step(EXECUTION_EVENTS, "execution_cancelled"));
            }
            if (straggler && outcome != Outcome.FAILED) {
                steps.add(new Step(POD_EVENTS, outcome == Outcome.COMPLETED ? "pod_terminated" : "pod_deleted"));
            }
            return steps;
        }
    }
}
