package io.llumnix.gateway.batch;

import static java.util.Objects.requireNonNull;

import io.llumnix.core.Clock;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.LlumnixException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI Files and Batches API, served by the gateway for the paths {@link #owns} accepts:
 * <ul>
 *   <li>{@code POST /v1/files} (multipart: {@code file}, {@code purpose=batch}), {@code GET /v1/files},
 *       {@code GET|DELETE /v1/files/{id}}, {@code GET /v1/files/{id}/content};</li>
 *   <li>{@code POST /v1/batches} ({@code input_file_id}, {@code endpoint}, {@code completion_window=24h},
 *       {@code metadata}), {@code GET /v1/batches} ({@code limit}, {@code after}), {@code GET /v1/batches/{id}},
 *       {@code POST /v1/batches/{id}/cancel}.</li>
 * </ul>
 * Lines run through the gateway's own front door at low priority ({@link LoopbackLineExecutor}). Every fault a client
 * can cause is an OpenAI error object with status 400 (404 for an unknown id in the path), never a 5xx.
 *
 * <p>Thread-safe. Handlers run on the event loop and move all disk work to virtual threads.
 */
public final class BatchApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchApi.class);

    /** Multipart framing around the file: a declared body this much over the file limit is refused unread. */
    private static final long MULTIPART_SLACK = 64 * 1024;
    private static final int MAX_JSON_BODY = 1024 * 1024;
    private static final int MAX_METADATA_PAIRS = 16;

    private final BatchService service;
    private final LineExecutor executor;
    private final JsonMapper json = JsonMapper.builder().build();

    private BatchApi(BatchService service, LineExecutor executor) {
        this.service = service;
        this.executor = executor;
    }

    /**
     * Opens (locks) the batch directory and resumes its unfinished batches, whose lines go to {@code gatewayUrl} with
     * {@code lineHeaders} (the priority class) and the owner's key from {@code bearerOf}. Blocking.
     */
    public static BatchApi start(BatchConfig config, URI gatewayUrl, Map<String, String> lineHeaders,
            Function<String, Optional<String>> bearerOf, Clock clock) {
        LineExecutor executor = new LoopbackLineExecutor(gatewayUrl, lineHeaders, bearerOf, Duration.ofMinutes(10));
        try {
            return new BatchApi(new BatchService(config, executor, clock, JsonMapper.builder().build()), executor);
        } catch (RuntimeException e) {
            executor.close();
            throw e;
        }
    }

    /** Whether {@code path} belongs to this API. */
    public static boolean owns(String path) {
        return path.equals("/v1/files") || path.startsWith("/v1/files/") || path.equals("/v1/batches") || path.startsWith("/v1/batches/");
    }

    /** Serves a request for one of {@link #owns}'s paths on behalf of {@code owner} (API key name; empty when open). */
    public void handle(HttpServerRequest req, String owner) {
        String[] parts = req.path().substring("/v1/".length()).split("/", -1);
        HttpMethod m = req.method();
        boolean files = parts[0].equals("files");
        switch (parts.length) {
            case 1 -> {
                if (m.equals(HttpMethod.POST)) {
                    if (files) {
                        upload(req, owner);
                    } else {
                        createBatch(req, owner);
                    }
                } else if (m.equals(HttpMethod.GET)) {
                    offload(req, () -> files ? listFiles(req, owner) : listBatches(req, owner));
                } else {
                    notAllowed(req, "GET, POST");
                }
            }
            case 2 -> {
                String id = parts[1];
                if (files && m.equals(HttpMethod.GET)) {
                    offload(req, () -> findFile(id, owner).toApiJson(json));
                } else if (files && m.equals(HttpMethod.DELETE)) {
                    offload(req, () -> {
                        StoredFile f = findFile(id, owner);
                        service.deleteFile(f);
                        ObjectNode o = json.createObjectNode();
                        o.put("id", f.id());
                        o.put("object", "file");
                        o.put("deleted", true);
                        return o;
                    });
                } else if (!files && m.equals(HttpMethod.GET)) {
                    offload(req, () -> service.batch(id, owner).orElseThrow(() -> noSuch("batch", id)).toApiJson(json));
                } else {
                    notAllowed(req, files ? "GET, DELETE" : "GET");
                }
            }
            case 3 -> {
                String id = parts[1];
                if (files && parts[2].equals("content")) {
                    if (m.equals(HttpMethod.GET)) {
                        content(req, id, owner);
                    } else {
                        notAllowed(req, "GET");
                    }
                } else if (!files && parts[2].equals("cancel")) {
                    if (m.equals(HttpMethod.POST)) {
                        offload(req, () -> service.cancel(id, owner).orElseThrow(() -> noSuch("batch", id)).toApiJson(json));
                    } else {
                        notAllowed(req, "POST");
                    }
                } else {
                    error(req.response(), ErrorCode.NOT_FOUND, "No route " + m + " " + truncate(req.path()), null);
                }
            }
            default -> error(req.response(), ErrorCode.NOT_FOUND, "No route " + m + " " + truncate(req.path()), null);
        }
    }

    /** Stops the running batches where they are (journaled lines stay done) and releases the directory. */
    @Override
    public void close() {
        try {
            service.close();
        } finally {
            executor.close();
        }
    }

    private StoredFile findFile(String id, String owner) {
        return service.file(id, owner).orElseThrow(() -> noSuch("file", id));
    }

    private static LlumnixException noSuch(String what, String id) {
        return new LlumnixException(ErrorCode.NOT_FOUND, "No such " + what + ": '" + truncate(id) + "'");
    }

    private void upload(HttpServerRequest req, String owner) {
        long limit = service.config().maxFileBytes();
        long declared = declaredLength(req);
        if (declared > limit + MULTIPART_SLACK) {
            refuseUnread(req, "The file exceeds the limit of " + limit + " bytes");
            return;
        }
        String type = req.getHeader("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            refuseUnread(req, "POST /v1/files expects multipart/form-data with the fields 'file' and 'purpose'");
            return;
        }
        BatchService.UploadSlot slot = service.newUpload();
        List<Future<Void>> written = new ArrayList<>();
        String[] filename = {null};
        req.setExpectMultipart(true);
        req.uploadHandler(upload -> {
            if (!upload.name().equals("file") || !written.isEmpty()) {
                upload.handler(ignored -> {});
                return;
            }
            filename[0] = upload.filename();
            written.add(upload.streamToFileSystem(slot.path().toString()));
        });
        req.exceptionHandler(t -> {
            log.debug("file upload failed: {}", t.toString());
            refuseUnread(req, "The upload could not be read: " + truncate(String.valueOf(t.getMessage()))
                    + " (send the file as a multipart file part: -F file=@path)");
            Thread.ofVirtual().start(() -> deleteQuietly(slot.path()));
        });
        req.endHandler(v -> {
            String purpose = req.getFormAttribute("purpose");
            Future<Void> done = written.isEmpty() ? Future.succeededFuture() : written.getFirst();
            done.onComplete(ar -> offload(req, () -> {
                try {
                    if (ar.failed()) {
                        throw new LlumnixException(ErrorCode.INVALID_REQUEST, "The upload failed: " + ar.cause().getMessage(), "file");
                    }
                    if (written.isEmpty()) {
                        throw new LlumnixException(ErrorCode.INVALID_REQUEST, "Missing the multipart field 'file'", "file");
                    }
                    if (purpose == null) {
                        throw new LlumnixException(ErrorCode.INVALID_REQUEST, "Missing the multipart field 'purpose'", "purpose");
                    }
                    if (Files.size(slot.path()) > limit) {
                        throw new LlumnixException(ErrorCode.INVALID_REQUEST, "The file exceeds the limit of " + limit + " bytes", "file");
                    }
                    String name = filename[0] == null || filename[0].isBlank() ? slot.id() + ".jsonl" : filename[0];
                    return service.adoptUpload(slot, name, purpose, owner).toApiJson(json);
                } finally {
                    Files.deleteIfExists(slot.path());
                }
            }));
        });
    }

    private void createBatch(HttpServerRequest req, String owner) {
        if (declaredLength(req) > MAX_JSON_BODY) {
            refuseUnread(req, "The request body exceeds the limit of " + MAX_JSON_BODY + " bytes");
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (!refused[0] && body.length() + chunk.length() > MAX_JSON_BODY) {
                refused[0] = true;
                refuseUnread(req, "The request body exceeds the limit of " + MAX_JSON_BODY + " bytes");
            } else if (!refused[0]) {
                body.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(t -> {
            log.debug("batch request body failed: {}", t.toString());
            refused[0] = true;
            refuseUnread(req, "The request body could not be read: " + truncate(String.valueOf(t.getMessage())));
        });
        req.endHandler(v -> {
            if (refused[0]) {
                return;
            }
            offload(req, () -> {
                JsonNode root;
                try {
                    root = json.readTree(body.getBytes());
                } catch (JacksonException e) {
                    throw new LlumnixException(ErrorCode.INVALID_REQUEST, "The body is not valid JSON: " + e.getOriginalMessage());
                }
                if (root == null || !root.isObject()) {
                    throw new LlumnixException(ErrorCode.INVALID_REQUEST, "The body must be a JSON object");
                }
                return service.create(owner, requiredString(root, "input_file_id"), requiredString(root, "endpoint"),
                        requiredString(root, "completion_window"), metadata(root.get("metadata"))).toApiJson(json);
            });
        });
    }

    private static String requiredString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isString()) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "'" + field + "' must be a string", field);
        }
        return n.asString();
    }

    private static Map<String, String> metadata(@Nullable JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject() || n.size() > MAX_METADATA_PAIRS) {
            throw new LlumnixException(ErrorCode.INVALID_REQUEST, "metadata must be an object of at most " + MAX_METADATA_PAIRS
                    + " string values", "metadata");
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (e.getKey().length() > 64 || !e.getValue().isString() || e.getValue().asString().length() > 512) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "metadata keys must be at most 64 characters and values strings of "
                        + "at most 512", "metadata");
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    private ObjectNode listFiles(HttpServerRequest req, String owner) {
        Optional<String> purpose = Optional.ofNullable(req.getParam("purpose"));
        List<ObjectNode> all = service.files(owner, purpose).stream().map(f -> f.toApiJson(json)).toList();
        return page(all, req, 10_000, 10_000);
    }

    private ObjectNode listBatches(HttpServerRequest req, String owner) {
        return page(service.batches(owner).stream().map(b -> b.toApiJson(json)).toList(), req, 20, 100);
    }

    /** A cursor page: the objects after {@code ?after=id}, at most {@code ?limit}. */
    private ObjectNode page(List<ObjectNode> all, HttpServerRequest req, int defaultLimit, int maxLimit) {
        int limit = defaultLimit;
        String limitParam = req.getParam("limit");
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > maxLimit) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "limit must be an integer in 1.." + maxLimit + ", got '"
                        + truncate(limitParam) + "'", "limit");
            }
        }
        int from = 0;
        String after = req.getParam("after");
        if (after != null) {
            from = -1;
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).get("id").asString().equals(after)) {
                    from = i + 1;
                }
            }
            if (from < 0) {
                throw new LlumnixException(ErrorCode.INVALID_REQUEST, "after: no object with id '" + truncate(after) + "'", "after");
            }
        }
        List<ObjectNode> page = all.subList(from, Math.min(all.size(), from + limit));
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        page.forEach(data::add);
        o.put("first_id", page.isEmpty() ? null : page.getFirst().get("id").asString());
        o.put("last_id", page.isEmpty() ? null : page.getLast().get("id").asString());
        o.put("has_more", from + page.size() < all.size());
        return o;
    }

    private void content(HttpServerRequest req, String id, String owner) {
        Context context = Vertx.currentContext();
        Thread.ofVirtual().start(() -> {
            Optional<StoredFile> f = service.file(id, owner);
            Optional<Path> path = f.map(service::content);
            context.runOnContext(v -> {
                HttpServerResponse resp = req.response();
                if (path.isEmpty()) {
                    error(resp, ErrorCode.NOT_FOUND, "No such file: '" + truncate(id) + "'", null);
                    return;
                }
                resp.putHeader("Content-Type", "application/jsonl").sendFile(path.get().toString()).onFailure(t -> {
                    if (!resp.headWritten()) {
                        error(resp, ErrorCode.NOT_FOUND, "No such file: '" + truncate(id) + "'", null);
                    }
                });
            });
        });
    }

    /** Work that touches the disk. */
    private interface Blocking {
        ObjectNode run() throws IOException;
    }

    /** Runs {@code work} on a virtual thread and answers with its object, or with the OpenAI error it threw. */
    private void offload(HttpServerRequest req, Blocking work) {
        Context context = Vertx.currentContext();
        Thread.ofVirtual().start(() -> {
            String body;
            ErrorCode code = null;
            String message = "";
            Optional<String> param = Optional.empty();
            try {
                body = json.writeValueAsString(work.run());
            } catch (LlumnixException e) {
                body = "";
                code = e.code();
                message = String.valueOf(e.getMessage());
                param = e.param();
            } catch (IOException | RuntimeException e) {
                log.error("batch API: {} {} failed", req.method(), req.path(), e);
                body = "";
                code = ErrorCode.INTERNAL;
                message = "internal error: " + e.getClass().getSimpleName();
            }
            String answer = body;
            ErrorCode failure = code;
            String why = message;
            String p = param.orElse(null);
            context.runOnContext(v -> {
                if (failure == null) {
                    req.response().putHeader("Content-Type", "application/json").end(answer);
                } else {
                    error(req.response(), failure, why, p);
                }
            });
        });
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("cannot delete {}: {}", path, e.toString());
        }
    }

    private static long declaredLength(HttpServerRequest req) {
        String contentLength = req.getHeader("Content-Length");
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Answers 400 without reading the body, and closes the connection (the rest of the body would have to be read). */
    private void refuseUnread(HttpServerRequest req, String message) {
        HttpServerResponse resp = req.response();
        boolean http1 = req.version() != HttpVersion.HTTP_2;
        if (http1 && !resp.headWritten()) {
            resp.putHeader("Connection", "close");
        }
        error(resp, ErrorCode.INVALID_REQUEST, message, "file");
        if (http1) {
            req.connection().close();
        }
    }

    private void notAllowed(HttpServerRequest req, String allow) {
        req.response().putHeader("Allow", allow);
        error(req.response(), ErrorCode.METHOD_NOT_ALLOWED, "Method " + req.method() + " is not allowed on " + truncate(req.path()), null);
    }

    private void error(HttpServerResponse resp, ErrorCode code, String message, @Nullable String param) {
        if (resp.ended() || resp.closed() || resp.headWritten()) {
            return;
        }
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", code.openAiType());
        error.put("param", param);
        error.put("code", code.openAiCode());
        resp.setStatusCode(code.httpStatus()).putHeader("Content-Type", "application/json").end(json.writeValueAsString(root));
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
