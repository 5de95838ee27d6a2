package io.sserouter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** TCP ports for servers a test or a local run starts: any free one, or a preferred one when it is free. */
public final class FreePorts {
    private FreePorts() {
    }

    /** A port the OS had free a moment ago (another process may still take it before it is bound). */
    public static int any() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code preferred} when nothing listens there, else any free port: a local run keeps its usual ports when it can. */
    public static int preferredOrAny(int preferred) {
        try (ServerSocket socket = new ServerSocket(preferred)) {
            return preferred;
        } catch (IOException taken) {
            return any();
        }
    }
}
