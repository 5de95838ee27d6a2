package io.sserouter.system.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's nginx running the stack's own server configuration, so that the configuration users deploy is the one
 * the tests stream through, drain edges behind and crash edges behind: a test-only copy could keep passing while
 * the deployed file lost something SSE needs. It is unchanged but for where it listens and where its upstream
 * servers are (the compose host names do not resolve here), inside a minimal main configuration like the image's,
 * with every file it writes in a directory of its own under {@code target/nginx}.
 */
public final class Nginx implements AutoCloseable {
    /** The server configuration compose mounts as {@code conf.d/default.conf}, relative to the repository. */
    public static final String STACK_CONF = "docker/nginx.conf";

    private static final Pattern LISTEN = Pattern.compile("(?m)^\\s*listen\\s+(\\d+);");
    private static final Pattern UPSTREAM_SERVER = Pattern.compile("(?m)^\\s*server\\s+([^\\s;{]+)[^;{]*;");

    private final Path binary;
    private final Path dir;
    private final int port;
    private Process process;

    private Nginx(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /** The {@code host:port} of every upstream server in a server configuration, in the file's order. */
    public static List<String> upstreamServers(String conf) {
        List<String> servers = new ArrayList<>();
        Matcher matcher = UPSTREAM_SERVER.matcher(conf);
        while (matcher.find()) {
            servers.add(matcher.group(1));
        }
        return servers;
    }

    /**
     * The stack's configuration in front of edges listening on {@code edgePorts}: its upstream servers, in the
     * file's order, moved to them.
     */
    public static Nginx inFrontOf(List<Integer> edgePorts, int port) throws IOException {
        Path conf = Tools.repository().resolve(STACK_CONF);
        String text = Files.readString(conf);
        List<String> servers = upstreamServers(text);
        assertEquals(servers.size(), edgePorts.size(), "one edge for each upstream server of " + conf + ": " + servers);
        Map<String, String> upstreams = new LinkedHashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            upstreams.put(servers.get(i), "127.0.0.1:" + edgePorts.get(i));
        }
        Matcher listen = LISTEN.matcher(text);
        if (!listen.find()) {
            fail(conf + " has no 'listen PORT;'");
        }
        return prepare(conf, Integer.parseInt(listen.group(1)), upstreams, port);
    }

    /**
     * @param serverConf the file compose mounts as {@code conf.d/default.conf}
     * @param listen     the port it listens on in the container
     * @param upstreams  {@code host:port} in the file → where that server really is
     */
    public static Nginx prepare(Path serverConf, int listen, Map<String, String> upstreams, int port) throws IOException {
        Path binary = Tools.require("nginx", "/usr/sbin/nginx");
        String conf = Files.readString(serverConf);
        conf = replaceOnce(conf, Pattern.compile("(?m)^(\\s*listen\\s+)" + listen + ";"), "$1127.0.0.1:" + port + ";", "listen " + listen);
        for (Map.Entry<String, String> upstream : upstreams.entrySet()) {
            conf = replaceOnce(conf, Pattern.compile("(?m)^(\\s*server\\s+)" + Pattern.quote(upstream.getKey()) + "(\\s|;)"),
                    "$1" + upstream.getValue() + "$2", "server " + upstream.getKey());
        }
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "nginx")), "run").toAbsolutePath();
        Files.writeString(dir.resolve("sse-router.conf"), conf);
        String user = "root".equals(System.getProperty("user.name")) ? "user root root;\n" : "";
        // One worker, where the image runs one per core with 1024 connections each: this one holds the fault
        // suite's long run, 400 streams and as many upstream connections, with room for reconnects.
        Files.writeString(dir.resolve("nginx.conf"), """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                %2$s
                events { worker_connections 8192; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    include %1$s/sse-router.conf;
                }
                """.formatted(dir, user));
        return new Nginx(binary, dir, port);
    }

    private static String replaceOnce(String conf, Pattern pattern, String replacement, String what) {
        Matcher matcher = pattern.matcher(conf);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        assertEquals(1, count, "the nginx configuration should have '" + what + "' exactly once");
        return pattern.matcher(conf).replaceFirst(replacement);
    }

    private List<String> command(String... extra) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-e", dir.resolve("error.log").toString()));
        command.addAll(List.of(extra));
        return command;
    }

    /** {@code nginx -t}: parses and checks every directive. */
    public Tools.Result test() throws IOException, InterruptedException {
        return Tools.run(command("-t"), dir, Map.of(), 30);
    }

    public void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("nginx exited with " + process.exitValue() + ":\n" + Files.readString(dir.resolve("error.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        fail("nginx does not listen on " + port + ":\n" + Files.readString(dir.resolve("error.log")));
    }

    public int port() {
        return port;
    }

    public String errorLog() throws IOException {
        return Files.readString(dir.resolve("error.log"));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy(); // SIGTERM: fast shutdown of master and workers
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
