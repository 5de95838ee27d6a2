package io.sserouter.system.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The compose stack as {@code docker-compose config} resolves it (defaults applied, paths absolute). */
public record Compose(JsonNode root) {
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A bind or volume mount of a service. */
    public record Mount(String source, String target) {
    }

    /** Runs {@code docker-compose -f docker/compose.yaml config} from the repository root with no variable set. */
    public static Compose load(Path repository) throws IOException, InterruptedException {
        Path compose = Tools.require("docker-compose");
        Tools.Result result = Tools.run(List.of(compose.toString(), "-f", "docker/compose.yaml", "config"), repository,
                Map.of("HOME", System.getProperty("java.io.tmpdir")), 120);
        assertEquals(0, result.exitCode(), "docker-compose config rejects docker/compose.yaml:\n" + result.err());
        return new Compose(YAML.readTree(result.out()));
    }

    /** Every service of the file, those of profiles included. */
    public List<String> services() {
        List<String> names = new ArrayList<>();
        root.path("services").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The services a plain {@code up} starts: those of no profile. */
    public List<String> defaultServices() {
        return services().stream().filter(s -> service(s).path("profiles").isEmpty()).toList();
    }

    /** The services that only {@code --profile <profile>} starts, beside the default ones. */
    public List<String> profile(String profile) {
        return services().stream().filter(s -> profiles(s).contains(profile)).toList();
    }

    private List<String> profiles(String service) {
        List<String> profiles = new ArrayList<>();
        service(service).path("profiles").forEach(p -> profiles.add(p.asText()));
        return profiles;
    }

    public JsonNode service(String name) {
        JsonNode service = root.path("services").path(name);
        if (service.isMissingNode()) {
            throw new AssertionError("compose has no service " + name + "; it has " + services());
        }
        return service;
    }

    /** Services of the default stack built from the given Dockerfile (path relative to the repository). */
    public List<String> builtFrom(String dockerfile) {
        return builtFrom(dockerfile, defaultServices());
    }

    /** Those of {@code services} built from the given Dockerfile. */
    public List<String> builtFrom(String dockerfile, List<String> services) {
        return services.stream().filter(s -> service(s).path("build").path("dockerfile").asText().equals(dockerfile)).toList();
    }

    /** The command a service runs, its entrypoint's then its command's arguments. */
    public List<String> command(String name) {
        List<String> command = new ArrayList<>();
        for (String part : List.of("entrypoint", "command")) {
            JsonNode args = service(name).path(part);
            if (args.isTextual()) {
                command.addAll(List.of(args.asText().trim().split("\\s+")));
            }
            args.forEach(a -> command.add(a.asText()));
        }
        return command;
    }

    public Map<String, String> env(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode environment = service(name).path("environment");
        if (environment.isArray()) {
            environment.forEach(e -> {
                String[] kv = e.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
        } else {
            environment.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        }
        return env;
    }

    /** Short ({@code src:target[:mode]}, docker-compose 1.x) and long (Compose v2) mount syntax alike. */
    public List<Mount> mounts(String name) {
        List<Mount> mounts = new ArrayList<>();
        for (JsonNode volume : service(name).path("volumes")) {
            if (volume.isTextual()) {
                String[] parts = volume.asText().split(":");
                mounts.add(new Mount(parts[0], parts[1]));
            } else {
                mounts.add(new Mount(volume.path("source").asText(), volume.path("target").asText()));
            }
        }
        return mounts;
    }

    public Optional<Mount> mountAt(String name, String target) {
        return mounts(name).stream().filter(m -> m.target().equals(target)).findFirst();
    }

    /** depends_on as service → condition (a plain list means service_started). */
    public Map<String, String> dependsOn(String name) {
        Map<String, String> deps = new LinkedHashMap<>();
        JsonNode dependsOn = service(name).path("depends_on");
        if (dependsOn.isArray()) {
            dependsOn.forEach(d -> deps.put(d.asText(), "service_started"));
        } else {
            dependsOn.fields().forEachRemaining(e -> deps.put(e.getKey(), e.getValue().path("condition").asText("service_started")));
        }
        return deps;
    }

    /** Container port → published host port. */
    public Map<Integer, Integer> published(String name) {
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        for (JsonNode port : service(name).path("ports")) {
            if (port.isTextual()) {
                String[] parts = port.asText().split(":");
                ports.put(Integer.parseInt(parts[parts.length - 1]), Integer.parseInt(parts[parts.length - 2]));
            } else {
                ports.put(port.path("target").asInt(), Integer.parseInt(port.path("published").asText()));
            }
        }
        return ports;
    }
}
