package io.sserouter.edge.redis;

/** One retained event of an execution's replay log: its seq (the entry id) and its envelope JSON. */
public record LoggedEvent(long seq, String envelope) {
}
