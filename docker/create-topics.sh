#!/bin/sh
# Creates the topics the topology reads and writes, as the topology itself does at start when
# SSE_CREATE_TOPICS=true: every source topic and the dead-letter topic with SSE_PARTITIONS partitions, the
# dead-letter topic accepting records of SSE_DLQ_MAX_RECORD_BYTES plus 256 KiB of headers. Existing topics are
# left as they are. Reads the same variables as the topology; KAFKA_BIN is where kafka-topics.sh is.
set -eu

bin=${KAFKA_BIN:-/opt/kafka/bin}
bootstrap=${BOOTSTRAP_SERVERS:-kafka:9092}
partitions=${SSE_PARTITIONS:-24}
dlq=${SSE_DLQ_TOPIC:-sse_router_dlq}
dlq_bytes=$(( ${SSE_DLQ_MAX_RECORD_BYTES:-8388608} + 262144 ))
sources=$(printf '%s' "${SSE_SOURCE_TOPICS:-execution_events,pod_events,execution_results}" | tr ',' ' ')

create() {
    topic=$1
    shift
    "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
        --topic "$topic" --partitions "$partitions" "$@"
}

for topic in $sources "${SSE_NOTIFICATION_TOPIC:-notification_events}" "${SSE_SYSTEM_TOPIC:-system_events}"; do
    create "$topic"
done
create "$dlq" --config "max.message.bytes=$dlq_bytes"
echo "Topics ready on $bootstrap ($partitions partitions): $sources ${SSE_NOTIFICATION_TOPIC:-notification_events} ${SSE_SYSTEM_TOPIC:-system_events} $dlq"
