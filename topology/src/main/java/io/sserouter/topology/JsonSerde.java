package io.sserouter.topology;

import io.sserouter.contract.Json;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** JSON serdes of the source topics and of the repartition topic; the stores have theirs in {@link StoreSerde}. */
final class JsonSerde {
    private JsonSerde() {
    }

    static <T> Serde<T> of(Class<T> type) {
        Serializer<T> serializer = (topic, value) -> value == null ? null : Json.bytes(value);
        Deserializer<T> deserializer = (topic, bytes) -> bytes == null ? null : Json.read(bytes, type);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static Serde<Inbound> inbound(InboundDeserializer.Kind kind, int maxBytes) {
        Serializer<Inbound> serializer = (topic, value) -> Json.bytes(value);
        return Serdes.serdeFrom(serializer, new InboundDeserializer(kind, maxBytes));
    }
}
