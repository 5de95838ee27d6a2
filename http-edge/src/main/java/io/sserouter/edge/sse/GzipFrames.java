package io.sserouter.edge.sse;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip encoding of one event stream, flushed after every frame so each event reaches the client as soon as it is
 * written (a plain GZIPOutputStream would hold it back). One deflater per stream keeps its 32 KB window, so later
 * envelopes compress against earlier ones; it also costs about 256 KB of native memory, which is why the edge
 * bounds how many streams are compressed at once. Not thread-safe: the owning sink serialises calls.
 */
final class GzipFrames {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final CRC32 crc = new CRC32();
    private boolean headerSent;
    private boolean ended;

    /** The compressed bytes of {@code frame}, decodable by the client up to its last byte. */
    byte[] encode(byte[] frame) {
        crc.update(frame);
        deflater.setInput(frame);
        return drain(Deflater.SYNC_FLUSH, frame.length);
    }

    /** The end of the gzip member (remaining output, CRC and length); nothing can be encoded after it. */
    byte[] finish() {
        deflater.finish();
        byte[] body = drain(Deflater.NO_FLUSH, 0);
        byte[] out = Arrays.copyOf(body, body.length + 8);
        int crcValue = (int) crc.getValue();
        int size = (int) deflater.getBytesRead();
        for (int i = 0; i < 4; i++) {
            out[body.length + i] = (byte) (crcValue >>> (8 * i));
            out[body.length + 4 + i] = (byte) (size >>> (8 * i));
        }
        return out;
    }

    /** Frees the native memory; idempotent. */
    void end() {
        if (!ended) {
            ended = true;
            deflater.end();
        }
    }

    private byte[] drain(int flush, int inputLength) {
        int offset = headerSent ? 0 : HEADER.length;
        byte[] out = new byte[offset + 64 + inputLength / 2];
        if (!headerSent) {
            System.arraycopy(HEADER, 0, out, 0, HEADER.length);
            headerSent = true;
        }
        int length = offset;
        while (true) {
            length += deflater.deflate(out, length, out.length - length, flush);
            boolean full = length == out.length;
            if (!full && (flush != Deflater.NO_FLUSH || deflater.finished())) {
                return Arrays.copyOf(out, length);
            }
            if (full) {
                out = Arrays.copyOf(out, out.length * 2);
            }
        }
    }
}
