package io.llumnix.sim.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class TestStreamingHttpClient {

    /** Answers one request on {@code out}; {@code index} counts requests over all connections. */
    private interface Responder {
        void answer(int index, String head, String body, OutputStream out, Socket socket) throws Exception;
    }

    /** A loopback HTTP/1.1 server that reads requests (head + Content-Length body) and answers them as scripted. */
    private static final class ScriptedServer implements AutoCloseable {

        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final BlockingQueue<String> heads = new LinkedBlockingQueue<>();
        final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        private final AtomicInteger requests = new AtomicInteger();
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread acceptor;

        ScriptedServer(Responder responder) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().daemon(true).start(() -> {
                while (!socket.isClosed()) {
                    Socket s;
                    try {
                        s = socket.accept();
                    } catch (IOException e) {
                        return;
                    }
                    connections.incrementAndGet();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread.ofPlatform().daemon(true).start(() -> serve(s, responder));
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(Socket s, Responder responder) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring("content-length:".length()).trim());
                        }
                    }
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    heads.add(head);
                    bodies.add(body);
                    responder.answer(requests.getAndIncrement(), head, body, out, s);
                    if (s.isClosed()) {
                        return;
                    }
                }
            } catch (Exception e) {
                // the test closed the server or the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            for (int b = in.read(); b >= 0; b = in.read()) {
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == end.length) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private ScriptedServer server(Responder responder) throws IOException {
        ScriptedServer s = new ScriptedServer(responder);
        toClose.add(s);
        return s;
    }

    private StreamingHttpClient client(ScriptedServer s) {
        StreamingHttpClient c = new StreamingHttpClient("127.0.0.1", s.port(), 10_000);
        toClose.add(c);
        return c;
    }

    private static void write(OutputStream out, String ascii) throws IOException {
        out.write(ascii.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    @Test
    void post_chunkedStream_handsEachLineOverBeforeTheNextChunkIsSent() throws Exception {
        CountDownLatch firstLineSeen = new CountDownLatch(1);
        ScriptedServer s = server((i, head, body, out, socket) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            write(out, chunk("data: {\"token_ids\":[7]}\n\n"));
            // the rest only once the client has handed the first line to its caller: no buffering until the end
            if (!firstLineSeen.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("the client did not pass the first line on while the stream was open");
            }
            write(out, chunk("data: {\"tok") + chunk("en_ids\":[8]}\n\n") + chunk("data: [DONE]\n\n") + "0\r\n\r\n");
        });
        List<String> lines = new ArrayList<>();
        client(s).post("/v1/completions", Map.of(), "{\"prompt\":[1]}", line -> {
            lines.add(line);
            firstLineSeen.countDown();
        });

        assertThat(lines).containsExactly("data: {\"token_ids\":[7]}", "", "data: {\"token_ids\":[8]}", "", "data: [DONE]", "");
    }

    @Test
    void post_sendsTheBodyAndExtraHeaders() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"));
        List<String> lines = new ArrayList<>();
        client(s).post("/v1/completions", Map.of("X-Llumnix-Request-Id", "r42"), "{\"prompt\":\"é\"}", lines::add);

        String head = s.heads.take();
        assertThat(head).startsWith("POST /v1/completions HTTP/1.1\r\n").contains("\r\nX-Llumnix-Request-Id: r42\r\n")
                .contains("\r\nContent-Type: application/json\r\n").contains("\r\nContent-Length: 15\r\n");
        assertThat(s.bodies.take()).isEqualTo("{\"prompt\":\"é\"}");
        assertThat(lines).containsExactly("ok");
    }

    @Test
    void post_twice_reusesTheKeptAliveConnection() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk("data: " + i + "\n") + "0\r\n\r\n"));
        StreamingHttpClient c = client(s);
        List<String> lines = new ArrayList<>();
        c.post("/a", Map.of(), "{}", lines::add);
        c.post("/a", Map.of(), "{}", lines::add);

        assertThat(lines).containsExactly("data: 0", "data: 1");
        assertThat(s.connections).hasValue(1);
    }

    @Test
    void post_afterTheServerDroppedTheIdleConnection_resendsOnANewOne() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok " + i + "\n");
            if (i == 0) {
                socket.close(); // without "Connection: close": the client learns it only on its next request
            }
        });
        StreamingHttpClient c = client(s);
        List<String> lines = new ArrayList<>();
        c.post("/a", Map.of(), "{}", lines::add);
        c.post("/a", Map.of(), "{}", lines::add);

        assertThat(lines).containsExactly("ok 0", "ok 1");
        assertThat(s.connections).hasValue(2);
    }

    @Test
    void post_connectionClose_opensANewConnectionNextTime() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> {
            write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nok\n");
            socket.close();
        });
        StreamingHttpClient c = client(s);
        c.post("/a", Map.of(), "{}", line -> { });
        c.post("/a", Map.of(), "{}", line -> { });

        assertThat(s.connections).hasValue(2);
    }

    @Test
    void post_errorStatus_throwsWithStatusAndBody() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> write(out,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"error\":\"prompt too long\"}"));
        List<String> lines = new ArrayList<>();

        assertThatThrownBy(() -> client(s).post("/a", Map.of(), "{}", lines::add)).isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 400").hasMessageContaining("prompt too long");
        assertThat(lines).isEmpty();
    }

    @Test
    void post_serverClosesInsideTheBody_fails() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("data: 1\n"));
            socket.close();
        });
        List<String> lines = new ArrayList<>();

        assertThatThrownBy(() -> client(s).post("/a", Map.of(), "{}", lines::add)).isInstanceOf(IOException.class);
        assertThat(lines).containsExactly("data: 1");
    }

    @Test
    void post_headerWithALineBreak_isRejectedBeforeSending() throws Exception {
        ScriptedServer s = server((i, head, body, out, socket) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));

        assertThatThrownBy(() -> client(s).post("/a", Map.of("X-Evil", "a\r\nHost: b"), "{}", line -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(s.heads).isEmpty();
    }
}
