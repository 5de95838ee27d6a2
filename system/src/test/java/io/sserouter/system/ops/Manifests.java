package io.sserouter.system.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.sserouter.system.docker.Compose;
import io.sserouter.system.docker.Dockerfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Kubernetes manifests of {@code deploy/kubernetes}, as kustomize would take them: the files its kustomization lists. */
public record Manifests(JsonNode kustomization, List<JsonNode> objects) {
    public static Manifests load() throws IOException {
        JsonNode kustomization = Compose.YAML.readTree(OpsKit.KUBERNETES.resolve("kustomization.yaml").toFile());
        List<JsonNode> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            objects.addAll(documents(OpsKit.KUBERNETES.resolve(resource.asText())));
        }
        return new Manifests(kustomization, objects);
    }

    /** Every YAML document of a file; fails on invalid YAML. */
    public static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = Compose.YAML.getFactory().createParser(file.toFile());
             MappingIterator<JsonNode> it = Compose.YAML.readValues(parser, JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    public JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/kubernetes"));
    }

    public Optional<JsonNode> find(String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name)).findFirst();
    }

    public List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    /** The only container of a workload's pod template. */
    public static JsonNode container(JsonNode workload) {
        JsonNode containers = workload.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), workload.path("metadata").path("name").asText() + " runs one container");
        return containers.get(0);
    }

    public static Map<String, String> podLabels(JsonNode workload) {
        return strings(workload.path("spec").path("template").path("metadata").path("labels"));
    }

    public static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** True when every label of the selector is on the pod. */
    public static boolean selects(Map<String, String> selector, Map<String, String> podLabels) {
        return !selector.isEmpty() && podLabels.entrySet().containsAll(selector.entrySet());
    }

    /**
     * The environment the container's process sees, as Kubernetes builds it: the image's ENV, then envFrom
     * (ConfigMaps and Secrets of this kustomization), then env. A {@code fieldRef} to the pod name resolves to
     * {@code podName}; {@code sources} records where each variable was set, for the messages.
     */
    public Map<String, String> environment(JsonNode container, Path dockerfile, String podName, Map<String, String> sources) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        Dockerfile.read(dockerfile).env().forEach((k, v) -> {
            env.put(k, v);
            sources.put(k, "the image's ENV");
        });
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                String name = from.path("configMapRef").path("name").asText();
                strings(get("ConfigMap", name).path("data")).forEach((k, v) -> {
                    env.put(k, v);
                    sources.put(k, "ConfigMap " + name);
                });
            }
            if (from.has("secretRef")) {
                String name = from.path("secretRef").path("name").asText();
                JsonNode secret = get("Secret", name);
                strings(secret.path("stringData")).forEach((k, v) -> {
                    env.put(k, v);
                    sources.put(k, "Secret " + name);
                });
                strings(secret.path("data")).forEach((k, v) -> {
                    env.put(k, new String(java.util.Base64.getDecoder().decode(v), java.nio.charset.StandardCharsets.UTF_8));
                    sources.put(k, "Secret " + name);
                });
            }
        }
        for (JsonNode var : container.path("env")) {
            String name = var.path("name").asText();
            sources.put(name, "env of container " + container.path("name").asText());
            if (var.has("value")) {
                env.put(name, var.path("value").asText());
            } else {
                JsonNode from = var.path("valueFrom");
                if (from.path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
                    env.put(name, podName);
                } else if (from.has("secretKeyRef")) {
                    JsonNode ref = from.path("secretKeyRef");
                    JsonNode secret = get("Secret", ref.path("name").asText());
                    String key = ref.path("key").asText();
                    String value = secret.path("stringData").path(key).asText(null);
                    assertTrue(value != null || secret.path("data").has(key), name + ": Secret " + ref.path("name").asText() + " has no key " + key);
                    env.put(name, value != null ? value : new String(java.util.Base64.getDecoder().decode(secret.path("data").path(key).asText()),
                            java.nio.charset.StandardCharsets.UTF_8));
                } else if (from.has("configMapKeyRef")) {
                    JsonNode ref = from.path("configMapKeyRef");
                    String value = get("ConfigMap", ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText(null);
                    assertTrue(value != null, name + ": ConfigMap " + ref.path("name").asText() + " has no key " + ref.path("key").asText());
                    env.put(name, value);
                } else {
                    throw new AssertionError(name + ": a valueFrom this check does not know: " + from);
                }
            }
        }
        return env;
    }

    /** A container port by name or number: its number. */
    public static int port(JsonNode container, JsonNode port) {
        if (port.isInt() || port.asText().matches("\\d+")) {
            return port.asInt();
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return declared.path("containerPort").asInt();
            }
        }
        throw new AssertionError("container " + container.path("name").asText() + " has no port named " + port.asText());
    }

    public static List<Path> yamlFiles() throws IOException {
        try (var files = Files.list(OpsKit.KUBERNETES)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
    }
}
