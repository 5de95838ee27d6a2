package io.sserouter.contract;

/**
 * How live messages travel through Redis. Every deployable of one installation must use the same kind: a message
 * published one way never reaches a subscriber of the other.
 */
public enum PubSub {
    /** PUBLISH and SUBSCRIBE: a Redis Cluster relays each message to every node, so one connection sees everything. */
    GLOBAL("PUBLISH"),
    /**
     * SPUBLISH and SSUBSCRIBE (Redis 7): a message stays within the shard that owns its channel's slot, so a cluster's
     * pub/sub grows with its masters instead of every node carrying every message; a subscriber needs a connection
     * per shard.
     */
    SHARDED("SPUBLISH");

    private final String publishCommand;

    PubSub(String publishCommand) {
        this.publishCommand = publishCommand;
    }

    public String publishCommand() {
        return publishCommand;
    }
}
