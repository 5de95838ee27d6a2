package io.sserouter.system.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documentation's page of figures after a partial benchmark run on a machine with none of the earlier CSVs. */
class ReportTest {
    @TempDir
    Path dir;

    @Test
    void aRunReplacesTheSectionsItMeasuredAndKeepsTheOthersInPlace() throws Exception {
        Path page = dir.resolve("results.md");
        Files.writeString(page, """
                # Benchmark figures

                Written by `bench/run` on 2026-01-01T00:00:00Z on a machine with 2 cores, Java 17.

                ## Edge and nginx + nchan under the same SSE load

                Measured 2026-01-01T00:00:00Z (`edge-vs-nchan.csv`).

                | server | memory KB/connection (RSS) |
                |---|---:|
                | edge | 99.9 |

                ## legacy-20260101T000000Z

                Measured 2026-01-01T00:00:00Z (`legacy-20260101T000000Z.csv`).

                | design | events |
                |---|---:|
                | legacy | 12345 |
                """);
        Path edge = dir.resolve("edge-vs-nchan.csv");
        Files.writeString(edge, "server,memory KB/connection (RSS)\nedge,10.5\nnchan-memory,10.1\n");
        Path start = dir.resolve("topology-start-20261130T230647Z.csv");
        Files.writeString(start, "start,restarts,ready_ms_median\nwith the class-data archive,4,3590\n");

        Report.writeDocsPage(List.of(edge, start), page);

        String written = Files.readString(page);
        List<String> titles = written.lines().filter(l -> l.startsWith("## ")).toList();
        assertEquals(List.of("## Edge and nginx + nchan under the same SSE load", "## legacy-20260101T000000Z",
                "## The topology restarted after kill -9, with and without the class-data archive, 20261130T230647Z"), titles);
        assertFalse(written.contains("99.9"), "the edge section measured again is replaced");
        assertTrue(written.contains("| edge | 10.5 |"), written);
        assertTrue(written.contains("| legacy | 12345 |") && written.contains("Measured 2026-01-01T00:00:00Z (`legacy-20260101T000000Z.csv`)"),
                "a section this run did not measure is kept with its date: " + written);
        assertTrue(written.contains("(`topology-start-20261130T230647Z.csv`)") && written.contains("| with the class-data archive | 4 | 3,590 |"),
                "a section new to the page follows the others: " + written);
        assertTrue(written.contains(" cores") && written.contains("Java " + System.getProperty("java.version") + " (`edge-vs-nchan.csv`)"),
                "a measured section names its machine: " + written);
    }

    @Test
    void eachKindOfTableAppearsOnceWithItsLatestFigures() throws Exception {
        Path page = dir.resolve("results.md");
        Files.writeString(page, """
                # Benchmark figures

                ## topology-20261129T225623Z

                | pipeline | events_per_s |
                |---|---:|
                | topology | 1111 |

                ## topology-restore-20261130T061449Z

                | store | seconds |
                |---|---:|
                | 20000 | 2.5 |

                ## topology-20261130T231527Z

                | pipeline | events_per_s |
                |---|---:|
                | topology | 2222 |
                """);
        Path older = dir.resolve("topology-20261201T010000Z.csv");
        Files.writeString(older, "pipeline,events_per_s\ntopology,3333\n");
        Files.setLastModifiedTime(older, FileTime.from(Instant.parse("2026-12-01T01:00:00Z")));
        Path newest = dir.resolve("topology-20261201T020000Z.csv");
        Files.writeString(newest, "pipeline,events_per_s\ntopology,4444\n");
        Files.setLastModifiedTime(newest, FileTime.from(Instant.parse("2026-12-01T02:00:00Z")));

        Report.writeDocsPage(List.of(newest, older), page);

        String written = Files.readString(page);
        List<String> titles = written.lines().filter(l -> l.startsWith("## ")).toList();
        assertEquals(List.of("## topology-20261201T020000Z", "## topology-restore-20261130T061449Z"), titles,
                "the newest topology table, where the first stood; another kind kept: " + written);
        assertTrue(written.contains("| topology | 4,444 |"), written);
        assertFalse(written.contains("1,111") || written.contains("1111") || written.contains("2222") || written.contains("3,333"), written);
    }

    @Test
    void withNothingMeasuredAndNoPageItSaysSo() throws Exception {
        Path page = dir.resolve("docs").resolve("results.md");
        Report.writeDocsPage(List.of(), page);
        assertTrue(Files.readString(page).contains("No results yet"));
    }
}
