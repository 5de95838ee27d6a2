package io.sserouter.topology;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' deserialization and processing exception handler: the failed source record goes, unchanged,
 * to the dead-letter topic ({@code errors.dead.letter.queue.topic.name}) with headers that say why and where
 * it came from, and processing resumes. Header names follow Kafka Streams' own dead-letter records
 * ({@code __streams.errors.*}), plus {@code sse.dlq.reason}, a stable code to filter and alert on.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    /** Config key under which {@code Main} and tests hand the metrics to the handler instances Kafka Streams creates. */
    public static final String METRICS_CONFIG = "sse.router.metrics";
    /** Config key: largest value written whole; larger ones are truncated and say so. */
    public static final String MAX_BYTES_CONFIG = "sse.router.dlq.max.record.bytes";

    public static final String REASON = "sse.dlq.reason";
    public static final String TRUNCATED = "sse.dlq.truncated.from.bytes";
    static final String EXCEPTION = "__streams.errors.exception";
    static final String MESSAGE = "__streams.errors.message";
    static final String STACKTRACE = "__streams.errors.stacktrace";
    public static final String TOPIC = "__streams.errors.topic";
    static final String PARTITION = "__streams.errors.partition";
    static final String OFFSET = "__streams.errors.offset";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String topic;
    private int maxBytes = 8 << 20;
    private TopologyMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        Object dlq = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        if (dlq == null) {
            throw new IllegalStateException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " must be set");
        }
        topic = dlq.toString();
        if (configs.get(MAX_BYTES_CONFIG) != null) {
            maxBytes = Integer.parseInt(configs.get(MAX_BYTES_CONFIG).toString());
        }
        metrics = (TopologyMetrics) configs.get(METRICS_CONFIG);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(deadLetter(context, exception));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        LOG.error("Processing failed at {} for {}/{}@{}; record dead-lettered", context.processorNodeId(),
                context.topic(), context.partition(), context.offset(), exception);
        return ProcessingExceptionHandler.Response.resume(deadLetter(context, exception));
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetter(ErrorHandlerContext context, Exception exception) {
        String reason = exception instanceof InvalidRecordException invalid ? invalid.reason() : "processing_error";
        LOG.debug("Dead-lettering {}/{}@{}: {}", context.topic(), context.partition(), context.offset(), exception.getMessage());
        if (metrics != null) {
            metrics.deadLettered(reason);
        }
        byte[] value = context.sourceRawValue();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, context.timestamp(), context.sourceRawKey(),
                value != null && value.length > maxBytes ? Arrays.copyOf(value, maxBytes) : value);
        if (context.headers() != null) {
            for (Header header : context.headers()) {
                out.headers().add(header);
            }
        }
        header(out, REASON, reason);
        header(out, EXCEPTION, exception.getClass().getName());
        header(out, MESSAGE, exception.getMessage());
        header(out, TOPIC, context.topic());
        header(out, PARTITION, String.valueOf(context.partition()));
        header(out, OFFSET, String.valueOf(context.offset()));
        if (!(exception instanceof InvalidRecordException)) {
            StringWriter trace = new StringWriter();
            exception.printStackTrace(new PrintWriter(trace));
            header(out, STACKTRACE, trace.toString());
        }
        if (value != null && value.length > maxBytes) {
            header(out, TRUNCATED, String.valueOf(value.length));
        }
        return List.of(out);
    }

    private static void header(ProducerRecord<byte[], byte[]> record, String name, String value) {
        record.headers().add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
