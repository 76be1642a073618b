package io.llumnix.sim.experiment;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;

/**
 * The validation's load generator: a minimal HTTP/1.1 client that POSTs a JSON body to one server and hands the
 * streamed answer to the caller line by line, on the caller's own thread, over a blocking socket.
 *
 * <p>The problem it solves: the JDK {@code HttpClient} delivers every response through its one selector thread and
 * then an executor thread before the caller's thread sees a line, three thread hand-offs per chunk. On a busy two-core
 * machine each hand-off is a wake-up that may wait for a core, and the validation measured those waits as the
 * cluster's TTFT (≈ 2 ms per request, more under load). Here the kernel wakes the reading thread itself when the
 * chunk arrives: the client adds one syscall to what the server costs, as a client on another machine would.
 *
 * <p>Connections are kept alive and pooled (one per request in flight, reused afterwards); a connection whose
 * answer was not read to its end, or that the server asked to close, is closed instead. Handles what our servers
 * send: {@code Content-Length} or {@code Transfer-Encoding: chunked} bodies, no {@code 1xx}, no trailers.
 *
 * <p>Thread-safe: any number of threads may call {@link #post} at once, each on its own connection.
 */
final class StreamingHttpClient implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final InetSocketAddress address;
    private final int readTimeoutMs;
    private final String hostHeader;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** A client of the server at {@code host:port}; a read that waits longer than {@code readTimeoutMs} fails. */
    StreamingHttpClient(String host, int port, int readTimeoutMs) {
        requireNonNull(host, "host is null");
        if (port <= 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
        if (readTimeoutMs <= 0) {
            throw new IllegalArgumentException("readTimeoutMs must be positive, got " + readTimeoutMs);
        }
        this.address = new InetSocketAddress(host, port);
        this.readTimeoutMs = readTimeoutMs;
        this.hostHeader = host + ":" + port;
    }

    /**
     * POSTs {@code jsonBody} to {@code path} with the extra {@code headers} and passes every line of a 200 answer's body
     * (without its line end) to {@code onLine} as soon as it has arrived; returns when the body has ended.
     *
     * @throws IOException on a transport failure, or with the status and body when the answer is not 200
     */
    void post(String path, Map<String, String> headers, String jsonBody, Consumer<String> onLine) throws IOException {
        requireNonNull(path, "path is null");
        requireNonNull(headers, "headers is null");
        requireNonNull(jsonBody, "jsonBody is null");
        requireNonNull(onLine, "onLine is null");
        if (closed) {
            throw new IOException("client closed");
        }
        byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(160).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(hostHeader).append("\r\n");
        headers.forEach((name, value) -> {
            if (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("header " + name + " contains a line break");
            }
            h.append(name).append(": ").append(value).append("\r\n");
        });
        h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] message = new byte[head.length + body.length];
        System.arraycopy(head, 0, message, 0, head.length);
        System.arraycopy(body, 0, message, head.length, body.length);

        Connection pooled = idle.pollFirst();
        if (pooled != null) {
            try {
                exchange(pooled, message, onLine);
                return;
            } catch (ClosedBeforeAnswerException e) {
                // The server had closed the idle connection: nothing of the request was processed, so resend it.
            }
        }
        exchange(open(), message, onLine);
    }

    private void exchange(Connection c, byte[] message, Consumer<String> onLine) throws IOException {
        boolean reusable = false;
        try {
            c.out.write(message);
            c.out.flush();
            reusable = c.readAnswer(onLine);
        } catch (IOException e) {
            if (c.answered || e instanceof java.net.SocketTimeoutException) {
                throw e;
            }
            throw new ClosedBeforeAnswerException(e);
        } finally {
            if (reusable && !closed) {
                idle.addFirst(c);
            } else {
                c.close();
            }
        }
    }

    /**
     * Opens {@code connections} connections now and pools them, so that the first requests sent concurrently do not
     * pay for TCP and the server's connection set-up.
     */
    void preconnect(int connections) throws IOException {
        for (int i = 0; i < connections; i++) {
            idle.addLast(open());
        }
    }

    private Connection open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, CONNECT_TIMEOUT_MS);
            s.setSoTimeout(readTimeoutMs);
            return new Connection(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
            c.close();
        }
    }

    /** The connection failed before the server sent a byte of its answer (a kept-alive connection the server dropped). */
    private static final class ClosedBeforeAnswerException extends IOException {

        ClosedBeforeAnswerException(IOException cause) {
            super("connection closed before an answer: " + cause.getMessage(), cause);
        }
    }

    /** One kept-alive socket; used by one request at a time. */
    private static final class Connection {

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** The body line being assembled across reads (a line may span chunks). */
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        /** Whether a byte of the current answer has arrived. */
        private boolean answered;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            this.out = socket.getOutputStream();
        }

        /** Reads one answer; true when the connection may carry another request. */
        boolean readAnswer(Consumer<String> onLine) throws IOException {
            answered = false;
            int firstByte = in.read();
            if (firstByte < 0) {
                throw new IOException("connection closed by the server");
            }
            answered = true;
            String statusLine = (char) firstByte + readHeaderLine();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad status line: " + statusLine, e);
            }
            long contentLength = -1;
            boolean chunked = false;
            boolean keepAlive = !parts[0].equals("HTTP/1.0");
            for (String h = readHeaderLine(); !h.isEmpty(); h = readHeaderLine()) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            StringBuilder errorBody = status == 200 ? null : new StringBuilder();
            Consumer<String> sink = errorBody == null ? onLine : l -> errorBody.append(l).append('\n');
            line.reset();
            if (chunked) {
                for (long size = chunkSize(); size > 0; size = chunkSize()) {
                    copyLines(size, sink);
                    expectCrlf();
                }
                // no trailers: the last chunk is followed by an empty line
                expectCrlf();
            } else if (contentLength >= 0) {
                copyLines(contentLength, sink);
            } else {
                throw new IOException("an answer with neither Content-Length nor chunked encoding");
            }
            if (line.size() > 0) {
                sink.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            if (errorBody != null) {
                throw new IOException("HTTP " + status + ": " + errorBody.toString().strip());
            }
            return keepAlive;
        }

        /** Reads {@code n} body bytes, passing on every line they complete. */
        private void copyLines(long n, Consumer<String> sink) throws IOException {
            for (long i = 0; i < n; i++) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed inside a body");
                }
                if (b == '\n') {
                    int len = line.size();
                    String s = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    sink.accept(len > 0 && s.charAt(s.length() - 1) == '\r' ? s.substring(0, s.length() - 1) : s);
                } else {
                    line.write(b);
                }
            }
        }

        private long chunkSize() throws IOException {
            String l = readHeaderLine();
            int semicolon = l.indexOf(';');
            String hex = (semicolon >= 0 ? l.substring(0, semicolon) : l).trim();
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: " + l, e);
            }
        }

        private void expectCrlf() throws IOException {
            String l = readHeaderLine();
            if (!l.isEmpty()) {
                throw new IOException("expected the end of a chunk, got: " + l);
            }
        }

        /** A CRLF- (or LF-) terminated line of the head or of chunk framing, without its end. */
        private String readHeaderLine() throws IOException {
            StringBuilder sb = new StringBuilder(32);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
        }
    }
}
