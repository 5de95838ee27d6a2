package io.sserouter.topology;

/** A source record the topology will not relay; {@link #reason()} is the code written to the dead-letter headers. */
final class InvalidRecordException extends RuntimeException {
    private final String reason;

    InvalidRecordException(String reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    String reason() {
        return reason;
    }
}
