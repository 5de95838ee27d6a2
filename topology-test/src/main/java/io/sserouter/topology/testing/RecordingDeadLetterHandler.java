package io.sserouter.topology.testing;

import io.sserouter.topology.DeadLetterHandler;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The product's {@link DeadLetterHandler}, also keeping each dead-letter record it hands to Kafka Streams.
 * TopologyTestDriver (4.3.1) never shows dead-letter records under {@code exactly_once_v2}, the product's
 * guarantee, so {@link SseRouterTestDriver} reads them here, in every mode. Public only because Kafka Streams
 * creates it by class name.
 */
public final class RecordingDeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    /** Config key of the list the records are added to. */
    static final String RECORDS_CONFIG = "sse.router.test.dead.letters";

    private final DeadLetterHandler handler = new DeadLetterHandler();
    private List<DeadLetter> records;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        handler.configure(configs);
        records = (List<DeadLetter>) configs.get(RECORDS_CONFIG);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        DeserializationExceptionHandler.Response response = handler.handleError(context, record, exception);
        keep(response.deadLetterQueueRecords());
        return response;
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        ProcessingExceptionHandler.Response response = handler.handleError(context, record, exception);
        keep(response.deadLetterQueueRecords());
        return response;
    }

    private void keep(List<ProducerRecord<byte[], byte[]>> produced) {
        for (ProducerRecord<byte[], byte[]> record : produced) {
            records.add(new DeadLetter(record.key(), record.value(), record.headers()));
        }
    }
}
