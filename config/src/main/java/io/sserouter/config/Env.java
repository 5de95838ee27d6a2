package io.sserouter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Typed, validated reads of environment variables. Problems are collected rather than thrown one by one,
 * so an operator sees every bad variable in a single start-up failure; call {@link #check()} when done.
 */
public final class Env {
    private final Map<String, String> vars;
    private final List<String> problems = new ArrayList<>();

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    public Map<String, String> all() {
        return vars;
    }

    /** The raw value, blank treated as absent. */
    public String raw(String name) {
        String value = vars.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String string(String name, String fallback) {
        String value = raw(name);
        return value == null ? fallback : value;
    }

    public String required(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required but not set");
            return "";
        }
        return value;
    }

    public String matching(String name, String fallback, Predicate<String> valid, String rule) {
        String value = string(name, fallback);
        if (value != null && !valid.test(value)) {
            problems.add(name + " must be " + rule + ", got '" + value + "'");
            return fallback;
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) {
        return (int) number(name, fallback, min, max);
    }

    public long number(String name, long fallback, long min, long max) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                problems.add(name + " must be between " + min + " and " + max + ", got " + parsed);
                return fallback;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(name + " must be an integer between " + min + " and " + max + ", got '" + value + "'");
            return fallback;
        }
    }

    public boolean bool(String name, boolean fallback) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        switch (value.toLowerCase()) {
            case "true", "1", "yes", "on" -> {
                return true;
            }
            case "false", "0", "no", "off" -> {
                return false;
            }
            default -> {
                problems.add(name + " must be true or false, got '" + value + "'");
                return fallback;
            }
        }
    }

    public List<String> list(String name, List<String> fallback) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        List<String> items = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            problems.add(name + " must be a comma-separated list with at least one entry, got '" + value + "'");
            return fallback;
        }
        return items;
    }

    public URI uri(String name, String fallback, String... schemes) {
        String value = string(name, fallback);
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || !List.of(schemes).contains(uri.getScheme())) {
                problems.add(name + " must be a URL like " + schemes[0] + "://host:port, got '" + value + "'");
                return new URI(fallback);
            }
            return uri;
        } catch (URISyntaxException e) {
            problems.add(name + " is not a valid URL: '" + value + "'");
            return URI.create(fallback);
        }
    }

    /** Records a cross-field problem found by the caller. */
    public void problem(String message) {
        problems.add(message);
    }

    /** Throws one {@link ConfigException} listing every problem found so far. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new ConfigException("Invalid configuration: " + String.join("; ", problems));
        }
    }
}
