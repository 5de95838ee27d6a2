package io.sserouter.testkit.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** The bits of HTTP/1.1 an event-stream client speaks itself: the request, status and header lines, chunked and gzip bodies. */
final class HttpLines {
    private HttpLines() {
    }

    /** A line ending in LF (CR stripped), or null at the end of the input. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = buffer.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            buffer.write(b);
        }
        return null;
    }

    /** The response headers up to the blank line, names in lower case (a repeated header: its values joined by ", "). */
    static Map<String, String> headers(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.merge(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip(), (a, b) -> a + ", " + b);
            }
        }
        return headers;
    }

    /** A GET of an event stream; {@code lastEventId} (when not empty) as the header or as {@code ?lastEventId=}. */
    static String request(URI uri, int port, Map<String, String> headers, String lastEventId, boolean resumeByQuery) {
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery();
        if (resumeByQuery && lastEventId != null && !lastEventId.isEmpty()) {
            String param = "lastEventId=" + URLEncoder.encode(lastEventId, StandardCharsets.UTF_8);
            query = query == null ? param : query.replaceAll("(^|&)lastEventId=[^&]*", "") + "&" + param;
            query = query.startsWith("&") ? query.substring(1) : query;
        }
        StringBuilder request = new StringBuilder("GET ").append(target).append(query == null ? "" : "?" + query).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(port).append("\r\n")
                .append("Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (!resumeByQuery && lastEventId != null && !lastEventId.isEmpty()) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** The body as sent: chunked and gzip undone. */
    static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
        InputStream body = headers.getOrDefault("transfer-encoding", "").contains("chunked") ? new Chunked(in) : in;
        return headers.getOrDefault("content-encoding", "").equals("gzip") ? new GZIPInputStream(body, 512) : body;
    }

    /** HTTP/1.1 chunked transfer coding, as nginx sends a response of unknown length; reads never wait past a chunk. */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done || !nextChunk()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                done = true;
                return -1;
            }
            left -= n;
            return n;
        }

        private boolean nextChunk() throws IOException {
            if (left > 0) {
                return true;
            }
            String size = line(in);
            if (size != null && size.isEmpty()) { // the CRLF after the previous chunk's data
                size = line(in);
            }
            if (size == null) {
                done = true;
                return false;
            }
            int semicolon = size.indexOf(';');
            left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            done = left == 0;
            return !done;
        }
    }
}
