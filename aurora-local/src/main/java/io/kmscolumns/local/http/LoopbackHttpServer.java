package io.kmscolumns.local.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Creates the JDK HTTP servers of the local stack, bound to the loopback address only.
 *
 * <p>Note: the JDK server leaves Nagle's algorithm on unless {@code sun.net.httpserver.nodelay} is true, and it
 * writes a response's headers and body separately; against a client that delays its ACKs (Python's http.client,
 * the AWS SDK's URL-connection client) every small request then stalls for about 40 ms. The property is read
 * once per JVM, when the first server is created, so it is set here, before any.
 *
 * @see <a href="https://docs.oracle.com/en/java/javase/17/docs/api/jdk.httpserver/module-summary.html">
 *     jdk.httpserver system properties</a>
 */
public final class LoopbackHttpServer {

    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private LoopbackHttpServer() {
    }

    /**
     * An unstarted server on {@code 127.0.0.1:port}.
     *
     * @param port    the port, or 0 for any free one
     * @param backlog the TCP accept backlog
     */
    public static HttpServer create(int port, int backlog) throws IOException {
        return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), backlog);
    }
}
