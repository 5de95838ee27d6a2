package io.sserouter.config;

/** A setting is missing or invalid; the message names every offending environment variable. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
