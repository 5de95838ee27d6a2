package io.sserouter.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The lifecycle of an execution, in the only order it may move. The last four are terminal: once reached,
 * the status stays, whatever arrives later from other topics.
 */
public enum ExecutionStatus {
    REQUESTED, QUEUED, SCHEDULED, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED;

    public boolean terminal() {
        return ordinal() >= COMPLETED.ordinal();
    }

    /** The status after an event that maps to {@code next}: never backwards, terminal sticky. */
    public ExecutionStatus advance(ExecutionStatus next) {
        if (next == null || terminal() || next.ordinal() <= ordinal()) {
            return this;
        }
        return next;
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ExecutionStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
