package io.sserouter.system.docker;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sserouter.contract.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The instructions of a Dockerfile (continuation lines joined, comments dropped), split into stages. */
public record Dockerfile(Path path, List<List<String>> stages) {
    public static Dockerfile read(Path path) throws IOException {
        List<List<String>> stages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(path)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String instruction = current.toString().strip();
            current.setLength(0);
            if (instruction.isEmpty()) {
                continue;
            }
            if (keyword(instruction).equals("FROM")) {
                stages.add(new ArrayList<>());
            }
            if (stages.isEmpty()) {
                throw new IllegalStateException(path + ": instruction before FROM: " + instruction);
            }
            stages.get(stages.size() - 1).add(instruction);
        }
        return new Dockerfile(path, stages);
    }

    private static String keyword(String instruction) {
        return instruction.split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
    }

    private static String arguments(String instruction) {
        String[] parts = instruction.split("\\s+", 2);
        return parts.length > 1 ? parts[1].strip() : "";
    }

    public List<String> build() {
        return stages.get(0);
    }

    /** The last stage: what the image is. */
    public List<String> runtime() {
        return stages.get(stages.size() - 1);
    }

    public static List<String> all(List<String> stage, String keyword) {
        return stage.stream().filter(i -> keyword(i).equals(keyword)).map(Dockerfile::arguments).toList();
    }

    public static Optional<String> last(List<String> stage, String keyword) {
        List<String> found = all(stage, keyword);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }

    /** A JSON-array (exec form) command at the end of {@code arguments}, e.g. of {@code HEALTHCHECK --interval=10s CMD [...]}. */
    public static Optional<List<String>> execForm(String arguments) {
        int start = arguments.indexOf('[');
        if (start < 0 || !arguments.endsWith("]")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readValue(arguments.substring(start), new TypeReference<List<String>>() { }));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The runtime stage's ENV variables ({@code ENV A=1 B=2} form). */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String arguments : all(runtime(), "ENV")) {
            for (String pair : arguments.split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalStateException(path + ": ENV without '=' (legacy form): " + arguments);
                }
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    /** Paths copied into the runtime stage from the build stage: image path → path relative to the build's WORKDIR. */
    public Map<String, String> copiedFromBuild() {
        String workdir = last(build(), "WORKDIR").orElse("/");
        String prefix = workdir.endsWith("/") ? workdir : workdir + "/";
        Map<String, String> copied = new LinkedHashMap<>();
        for (String arguments : all(runtime(), "COPY")) {
            String[] parts = arguments.split("\\s+");
            if (parts.length == 3 && parts[0].startsWith("--from=")) {
                if (!parts[1].startsWith(prefix)) {
                    throw new IllegalStateException(path + ": copies " + parts[1] + " from outside the build's WORKDIR " + workdir);
                }
                copied.put(parts[2], parts[1].substring(prefix.length()));
            }
        }
        return copied;
    }
}
