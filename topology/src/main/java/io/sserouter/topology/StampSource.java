package io.sserouter.topology;

import java.time.Instant;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Records where each event was read (topic/partition/offset) before it is repartitioned: that place is its
 * identity when the producer gave no event_id, so a re-read after a crash is recognised as a repeat.
 * Also fills in the record time for events without a timestamp.
 */
final class StampSource implements FixedKeyProcessor<byte[], Inbound, Inbound> {
    private FixedKeyProcessorContext<byte[], Inbound> context;

    @Override
    public void init(FixedKeyProcessorContext<byte[], Inbound> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], Inbound> record) {
        String source = context.recordMetadata()
                .map(m -> m.topic() + "/" + m.partition() + "/" + SinkWrite.padded(m.offset()))
                .orElseThrow(() -> new IllegalStateException("no source metadata"));
        Inbound event = record.value();
        context.forward(record.withValue(event.stamped(source, event.timestamp() != null ? event.timestamp() : Instant.ofEpochMilli(record.timestamp()).toString())));
    }

}
