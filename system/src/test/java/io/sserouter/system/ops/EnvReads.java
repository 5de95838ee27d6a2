package io.sserouter.system.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The environment variables a deployable reads, found in its modules' main sources: every name passed to an
 * {@code Env} read ({@code env.integer("SSE_…", …)}, {@code seconds(env, "SSE_…", …)}), every {@code getenv} of a
 * name, and every {@code ${NAME}} in its logging configuration.
 */
public final class EnvReads {
    private static final String NAME = "\"([A-Z][A-Z0-9]*_[A-Z0-9_]+)\"";
    private static final List<Pattern> JAVA = List.of(
            Pattern.compile("\\benv\\.\\w+\\(\\s*" + NAME),
            Pattern.compile("\\w+\\(\\s*env\\s*,\\s*" + NAME),
            Pattern.compile("getenv\\(\\)\\.getOrDefault\\(\\s*" + NAME),
            Pattern.compile("getenv\\(\\s*" + NAME));
    private static final Pattern RESOURCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9]*_[A-Z0-9_]+)(:-[^}]*)?}");

    private EnvReads() {
    }

    /** The variables read by the main code of these modules (directories under the repository root). */
    public static Set<String> of(String... modules) {
        Set<String> names = new TreeSet<>();
        for (String module : modules) {
            Path main = OpsKit.REPO.resolve(module).resolve("src/main");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String text = Files.readString(file);
                    if (file.toString().endsWith(".java")) {
                        JAVA.forEach(p -> collect(p.matcher(text), names));
                    } else if (file.toString().endsWith(".xml") || file.toString().endsWith(".properties")) {
                        collect(RESOURCE.matcher(text), names);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    private static void collect(Matcher m, Set<String> into) {
        while (m.find()) {
            into.add(m.group(1));
        }
    }
}
