package io.sserouter.system.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns every CSV in the results directory (whichever benchmarks wrote them) into {@code RESULTS.md}, a Markdown
 * table per CSV with its PNG chart ({@link Plots}), prints the tables, and ends with a one-line summary. Given a
 * second path, it also writes the same tables there with the date and the machine they were measured on: the
 * documentation's page of figures, so that no figure is ever copied into the docs by hand.
 * Usage: {@code Report [results-dir [docs-page]]}.
 */
public final class Report {
    /** A CSV: its header and rows, as text. */
    record Table(List<String> header, List<List<String>> rows) {
        /** Columns where every row holds a number (or n/a). */
        List<Integer> numericColumns() {
            List<Integer> columns = new ArrayList<>();
            for (int c = 0; c < header.size(); c++) {
                int col = c;
                boolean any = rows.stream().anyMatch(r -> col < r.size() && !Double.isNaN(number(r.get(col))));
                boolean all = rows.stream().allMatch(r -> col < r.size() && (isNumber(r.get(col)) || r.get(col).isBlank()));
                if (any && all) {
                    columns.add(c);
                }
            }
            return columns;
        }

        /** Each row's label: its text columns joined. */
        List<String> labels() {
            List<Integer> numeric = numericColumns();
            List<String> labels = new ArrayList<>();
            for (List<String> row : rows) {
                List<String> parts = new ArrayList<>();
                for (int c = 0; c < row.size(); c++) {
                    if (!numeric.contains(c)) {
                        parts.add(row.get(c));
                    }
                }
                labels.add(String.join(" / ", parts));
            }
            return labels;
        }

        static boolean isNumber(String text) {
            String t = text.trim();
            return t.equalsIgnoreCase("NaN") || t.equalsIgnoreCase("n/a") || !Double.isNaN(number(t));
        }

        static double number(String text) {
            try {
                return Double.parseDouble(text.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    /** Known tables first, with their titles; any other CSV follows under its file name. */
    private static final List<String[]> KNOWN = List.of(
            new String[] {"edge-vs-nchan.csv", "Edge and nginx + nchan under the same SSE load"},
            new String[] {"edge-vs-nchan-latency.csv", "Publish-to-receive latency at a fixed delivery rate"},
            new String[] {"edge-vs-nchan-goals.csv", "The edge against nchan (in memory) of the same run, and its goals"},
            new String[] {"edge-resume.csv", "Edge resume cost (reconnect with Last-Event-ID, 100 events replayed)"});

    /** Titles of timestamped CSVs by how their names start, the longer start first; the stamp follows the title. */
    private static final List<String[]> KNOWN_STARTS = List.of(
            new String[] {"edge-vs-nchan-latency-", "Publish-to-receive latency at a fixed delivery rate"},
            new String[] {"edge-vs-nchan-goals-", "The edge against nchan (in memory) of the same run, and its goals"},
            new String[] {"edge-vs-nchan-", "Edge and nginx + nchan under the same SSE load"},
            new String[] {"redis-deployments-edge-", "The edge by Redis deployment"},
            new String[] {"topology-start-", "The topology restarted after kill -9, with and without the class-data archive"},
            new String[] {"redis-deployments-", "The topology by Redis deployment, and the failover safeguard's cost"});

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/results");
        List<Path> csvs;
        try (Stream<Path> files = Files.list(dir)) {
            csvs = files.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted(Comparator.comparing(Report::order)).toList();
        }
        StringBuilder md = new StringBuilder("# Benchmark results\n\nWritten " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                + " by `bench/run`; one section per CSV in this directory.\n");
        for (Path csv : csvs) {
            Table table = read(csv);
            String title = title(csv);
            md.append("\n## ").append(title).append("\n\n").append(markdown(table));
            String png = csv.getFileName().toString().replaceAll("\\.csv$", ".png");
            if (Plots.draw(title, table, dir.resolve(png))) {
                md.append("\n![").append(title).append("](").append(png).append(")\n");
            }
        }
        Files.writeString(dir.resolve("RESULTS.md"), md);
        if (args.length > 1) {
            writeDocsPage(csvs, Path.of(args[1]));
        }
        System.out.print(md);
        System.out.println();
        System.out.println(summary(dir));
    }

    /**
     * The figures for the documentation: each table with the time its CSV was written (a partial run leaves older
     * tables in place) and the machine it was measured on, since every figure depends on it. One section per kind of
     * table, the latest: a table measured again (the same title but for its time stamp) replaces the earlier one
     * where it stood, and of several CSVs of one kind in the results directory only the newest is shown. A section
     * of the page that no CSV here replaces (measured on another machine, or before its results directory was
     * emptied) is kept, so one benchmark run does not erase the others' figures. Charts stay in the results
     * directory, which is not part of the repository.
     */
    static void writeDocsPage(List<Path> csvs, Path page) throws IOException {
        Map<String, String> measured = new LinkedHashMap<>();
        Map<String, FileTime> measuredAt = new HashMap<>();
        String machine = Runtime.getRuntime().availableProcessors() + " cores" + cpuModel() + ", Java " + System.getProperty("java.version");
        for (Path csv : csvs) {
            String title = title(csv);
            FileTime written = Files.getLastModifiedTime(csv);
            FileTime newer = measuredAt.get(kind(title));
            if (newer != null && newer.compareTo(written) > 0) {
                continue;
            }
            measuredAt.put(kind(title), written);
            measured.put(kind(title), "## " + title + "\n\nMeasured " + written.toInstant().truncatedTo(ChronoUnit.SECONDS)
                    + " on " + machine + " (`" + csv.getFileName() + "`).\n\n" + markdown(read(csv)));
        }
        Map<String, String> kept = new LinkedHashMap<>();
        if (Files.exists(page)) {
            for (String earlier : Files.readString(page).split("(?m)^(?=## )")) {
                if (earlier.startsWith("## ")) {
                    String kind = kind(earlier.lines().findFirst().orElseThrow().substring(3).trim());
                    // a kind measured now takes the place of its first section; of several old ones, the last is the newest
                    kept.put(kind, measured.containsKey(kind) ? measured.get(kind) : earlier.stripTrailing() + "\n");
                }
            }
        }
        kept.keySet().forEach(measured::remove);
        kept.putAll(measured);
        List<String> sections = new ArrayList<>(kept.values());
        StringBuilder md = new StringBuilder("# Benchmark figures\n\n");
        if (sections.isEmpty()) {
            md.append("No results yet: `bench/run` writes them here (see [benchmarks.md](../benchmarks.md)).\n");
        } else {
            md.append("Written by `bench/run`, last on ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" on a machine with ")
                    .append(machine).append(". A run rewrites the sections it measured and keeps the others, each with the time it was ")
                    .append("measured; what each figure means is in [benchmarks.md](../benchmarks.md). The load generator, the broker, ")
                    .append("Redis and the server under test share the machine, so figures from machines with other core counts are not ")
                    .append("comparable.\n");
            for (String section : sections) {
                md.append('\n').append(section);
            }
        }
        Files.createDirectories(page.toAbsolutePath().getParent());
        Files.writeString(page, md);
    }

    /** The processor's name from /proc/cpuinfo, where there is one. */
    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> " (" + l.substring(l.indexOf(':') + 1).trim() + ")").findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String order(Path csv) {
        String name = csv.getFileName().toString();
        for (int i = 0; i < KNOWN.size(); i++) {
            if (KNOWN.get(i)[0].equals(name)) {
                return i + name;
            }
        }
        return "9" + name;
    }

    /** A section's title without the time stamp a timestamped CSV gives it: what a later run of the same table replaces. */
    static String kind(String title) {
        return title.replaceAll("(, |-)\\d{8}T\\d{6}Z$", "");
    }

    private static String title(Path csv) {
        String name = csv.getFileName().toString();
        String base = name.replaceAll("\\.csv$", "");
        return KNOWN.stream().filter(k -> k[0].equals(name)).map(k -> k[1]).findFirst()
                .or(() -> KNOWN_STARTS.stream().filter(k -> base.startsWith(k[0])).map(k -> k[1] + ", " + base.substring(k[0].length())).findFirst())
                .orElse(base);
    }

    /** One line: where the edge stands against nchan, and its resume cost, from whatever of that was measured. */
    static String summary(Path dir) throws IOException {
        List<String> parts = new ArrayList<>();
        Path comparison = dir.resolve("edge-vs-nchan.csv");
        if (Files.exists(comparison)) {
            Table t = read(comparison);
            List<String> servers = t.rows().stream().map(r -> r.get(0)).toList();
            parts.add(String.join(" / ", servers) + ": " + column(t, 2, "KB/connection") + "; p99 " + column(t, 7, "ms") + "; "
                    + column(t, 5, "deliveries/s at saturation") + "; " + column(t, 8, "µs CPU/delivery"));
        }
        Path resume = dir.resolve("edge-resume.csv");
        if (Files.exists(resume)) {
            Table t = read(resume);
            List<String> one = t.rows().get(0);
            List<String> storm = t.rows().get(1);
            parts.add("edge resume of 100 events p50 " + Plots.format(Table.number(one.get(2))) + " ms, p99 " + Plots.format(Table.number(one.get(3)))
                    + " ms; storm of " + storm.get(1) + " at " + Plots.format(Table.number(storm.get(4))) + " resumes/s");
        }
        return "Summary: " + (parts.isEmpty() ? "no edge results" : String.join("; ", parts));
    }

    private static String column(Table t, int column, String unit) {
        return String.join(" / ", t.rows().stream().map(r -> Plots.format(Table.number(r.get(column)))).toList()) + " " + unit;
    }

    static String markdown(Table table) {
        StringBuilder md = new StringBuilder("| " + String.join(" | ", table.header()) + " |\n|");
        List<Integer> numeric = table.numericColumns();
        for (int c = 0; c < table.header().size(); c++) {
            md.append(numeric.contains(c) ? "---:|" : "---|");
        }
        md.append('\n');
        for (List<String> row : table.rows()) {
            List<String> cells = new ArrayList<>();
            for (int c = 0; c < row.size(); c++) {
                cells.add(numeric.contains(c) && Table.isNumber(row.get(c)) ? Plots.format(Table.number(row.get(c))) : row.get(c));
            }
            md.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        return md.toString();
    }

    static void writeCsv(Path file, List<String> header, List<List<Object>> rows) throws IOException {
        StringBuilder csv = new StringBuilder(line(header));
        for (List<Object> row : rows) {
            csv.append(line(row.stream().map(v -> v instanceof Double d ? (Double.isNaN(d) ? "" : String.format("%.3f", d)) : String.valueOf(v)).toList()));
        }
        Files.writeString(file, csv);
    }

    private static String line(List<String> cells) {
        return String.join(",", cells.stream().map(c -> c.contains(",") || c.contains("\"") ? "\"" + c.replace("\"", "\"\"") + "\"" : c).toList()) + "\n";
    }

    static Table read(Path csv) throws IOException {
        List<List<String>> lines = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            if (!line.isBlank()) {
                lines.add(split(line));
            }
        }
        return lines.isEmpty() ? new Table(List.of(), List.of()) : new Table(lines.get(0), lines.subList(1, lines.size()));
    }

    private static List<String> split(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }
}
