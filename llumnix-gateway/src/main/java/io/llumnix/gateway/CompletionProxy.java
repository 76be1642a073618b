package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.ErrorCode;
import io.llumnix.core.InferType;
import io.llumnix.engine.kv.PrefixHash;
import io.llumnix.engine.server.OpenAiServer;
import io.llumnix.scheduler.DispatchLedger;
import io.llumnix.scheduler.ScheduleRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One client completion request on its way through the gateway: admission, then attempts on instances chosen by
 * the {@link InstancePicker}, and the relay of the answer to the client. What keeps the request alive:
 * <ul>
 *   <li><b>Retry</b>: a connection error, a 5xx, a 429 or a silent instance before the first byte reached the
 *       client sends the request to another instance (the failed ones are excluded).</li>
 *   <li><b>Migration</b> (native protocol): a stream that ends with {@code event: migrated}, or a 503 of type
 *       {@code migrated}, continues from the destination's {@code /internal/attach} at the next token index.</li>
 *   <li><b>Resume</b> (native protocol, streams): when the instance dies or falls silent mid-stream, the prompt plus
 *       the token ids generated so far (the gateway asks upstream for {@code return_token_ids}) go to another
 *       instance as a completion with the remaining {@code max_tokens}; its chunks are rewritten into the client's
 *       format (same id, chat or completion), so with greedy decoding the client reads exactly the text of a run
 *       without the fault.</li>
 * </ul>
 * Token ids are stripped from what the client sees unless it asked for them. A client that goes away resets the
 * upstream request (the engine aborts it). Every path ends in {@link #finish} exactly once, which releases the
 * scheduler's ledger entry, the admission slot and charges the key's token budget.
 *
 * <p>Confined to the Vert.x context of the client's connection, except {@link #admitFromQueue()}.
 */
final class CompletionProxy {

    /** Fields carried over from the client's body into a resumed request. */
    private static final List<String> RESUMED_FIELDS = List.of("model", "temperature", "top_p", "top_k", "seed", "stop", "ignore_eos",
            "priority", "user");
    private static final String DONE = "data: [DONE]\n\n";
    private static final int MAX_FOLLOWS = 64;
    /** The engine's extension naming the decode instance a prefill instance hands the request to. */
    private static final String PD_DECODE_FIELD = "pd_decode_llumlet";

    /** What every request shares: the upstream client, the picker, configuration and bookkeeping. */
    record Shared(HttpClientAgent client, InstancePicker picker, GatewayConfig config, GatewayMetrics metrics, JsonMapper json,
            ModelCatalog catalog, AdmissionQueue admission, RateLimiter limiter, io.llumnix.core.Clock clock, MigrationLog migrations) {}

    /** One upstream exchange; callbacks of a superseded leg are ignored. */
    private static final class Leg {
        final boolean attach;
        HttpClientRequest request;
        String upstreamRequestId;
        boolean over;
        JsonNode migratedTo;
        /** Plain-stream bytes received in this event-loop turn, written to the client together at its end. */
        Buffer pending;

        Leg(boolean attach) {
            this.attach = attach;
        }
    }

    private final Shared shared;
    private final Context context;
    private final HttpServerResponse resp;
    private final ClientRequest request;
    private final String requestId;
    private final Optional<ApiKeys.Key> key;
    private final long arrivalNanos;
    private final String route;

    // Confined to the context.
    private final Set<String> excluded = new HashSet<>();
    private AdmissionQueue.Waiter waiter;
    private boolean admitted;
    private boolean started;
    private boolean done;
    private boolean clientGone;
    private boolean headSent;
    private int attempts;
    private int follows;
    private String lastFailure = "";
    private InstancePicker.Pick.Chosen chosen;
    /** With prefill/decode disaggregation: the decode instance the chosen (prefill) instance hands the request to. */
    private Optional<InstancePicker.Pick.Chosen> decodeChosen = Optional.empty();
    /** The resumed request's body, before the placement adds its decode instance. */
    private ObjectNode resumeBody;
    /** The instance the current leg reads from: the chosen one, then each migration's destination. */
    private String currentInstanceId = "";
    private boolean nativeProtocol;
    private Leg leg;
    private Buffer upstreamBody;
    private String upstreamPath;
    private boolean resumed;
    private int resumeOffset;
    private int legTokens;
    private int[] generated = new int[64];
    private int numGenerated;
    private final StringBuilder delivered = new StringBuilder();
    private String pendingText = "";
    private boolean roleSent;
    private String clientId;
    private long created;
    private String modelName = "";
    private int completionTokens;

    CompletionProxy(Shared shared, Context context, HttpServerResponse resp, ClientRequest request, String requestId,
            Optional<ApiKeys.Key> key, long arrivalNanos, Set<String> outsidePool) {
        this.shared = requireNonNull(shared, "shared is null");
        excluded.addAll(outsidePool); // the weighted split's pool: the scheduler chooses among the others only
        this.context = requireNonNull(context, "context is null");
        this.resp = requireNonNull(resp, "resp is null");
        this.request = requireNonNull(request, "request is null");
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.key = requireNonNull(key, "key is null");
        this.arrivalNanos = arrivalNanos;
        this.route = request.endpoint().path;
        resp.closeHandler(v -> clientLeft());
        resp.exceptionHandler(t -> clientLeft());
    }

    /** Asks for admission; starts now, later (queued), or answers 429 when the queue is full. */
    void enter() {
        int priority = request.priority().orElse(0);
        AdmissionQueue.Waiter[] holder = new AdmissionQueue.Waiter[1];
        switch (shared.admission().enter(priority, this::admitFromQueue, holder)) {
            case ADMITTED -> {
                admitted = true;
                shared.metrics().enter();
                start();
            }
            case QUEUED -> waiter = holder[0];
            case REFUSED -> {
                shared.metrics().admissionRefused();
                resp.putHeader("Retry-After", "1");
                answerError(ErrorCode.RATE_LIMITED, "The gateway's admission queue is full; retry shortly");
            }
        }
    }

    /** Called by the thread that freed a slot. */
    private void admitFromQueue() {
        context.runOnContext(v -> {
            admitted = true;
            waiter = null;
            shared.metrics().enter();
            start();
        });
    }

    private void start() {
        if (clientGone) {
            finish(499);
            return;
        }
        started = true;
        attempt();
    }

    // ---- attempts -------------------------------------------------------------------------------------------

    private void attempt() {
        if (done) {
            return;
        }
        if (attempts >= shared.config().maxAttempts()) {
            giveUp("no instance could serve the request in " + attempts + " attempts; last failure: " + lastFailure);
            return;
        }
        attempts++;
        int[] prompt = currentPrompt();
        int blockSize = shared.catalog().profile(request.model()).kvBlockSize();
        long[] hashes = PrefixHash.chain(prompt, prompt.length, blockSize);
        ScheduleRequest sr = new ScheduleRequest(requestId, InferType.NEUTRAL, prompt.length, Arrays.stream(hashes).boxed().toList(), "",
                excluded, request.priority().orElse(0));
        InstancePicker picker = shared.picker();
        if (picker.blocking()) {
            context.<Placement>executeBlocking(() -> place(sr), false).onComplete(ar -> {
                if (ar.succeeded()) {
                    onPick(ar.result());
                } else {
                    onPick(new Placement(new InstancePicker.Pick.None("scheduling failed: " + ar.cause()), Optional.empty()));
                }
            });
        } else {
            onPick(place(sr));
        }
    }

    /** Where an attempt goes: one instance, or with disaggregation a prefill instance and the decode instance it hands over to. */
    private record Placement(InstancePicker.Pick pick, Optional<InstancePicker.Pick.Chosen> decode) {}

    /**
     * Asks the scheduler for the attempt's instance. With {@link GatewayConfig.PdDisagg#STAGED}: a prefill instance, then a
     * decode instance (under its own ledger key); without a prefill instance the request runs on a neutral one, and without a
     * decode instance it decodes where it was prefilled. May block on a remote scheduler.
     */
    private Placement place(ScheduleRequest sr) {
        InstancePicker picker = shared.picker();
        if (shared.config().pdDisagg() == GatewayConfig.PdDisagg.NONE || shared.config().forwarding() == GatewayConfig.Forwarding.OPENAI) {
            return new Placement(picker.pick(sr), Optional.empty());
        }
        InstancePicker.Pick prefill = picker.pick(sr.withTargetType(InferType.PREFILL));
        if (!(prefill instanceof InstancePicker.Pick.Chosen p)) {
            InstancePicker.Pick neutral = picker.pick(sr);
            return new Placement(neutral instanceof InstancePicker.Pick.Chosen ? neutral : prefill, Optional.empty());
        }
        if (p.instance().llumletPort() <= 0 || p.instance().inferType() != InferType.PREFILL) {
            return new Placement(p, Optional.empty());
        }
        ScheduleRequest decode = new ScheduleRequest(DispatchLedger.decodeKey(requestId), InferType.DECODE, sr.promptTokens(), List.of(), "",
                sr.excludedInstanceIds(), sr.priority());
        return new Placement(p, picker.pick(decode) instanceof InstancePicker.Pick.Chosen d && d.instance().llumletPort() > 0
                ? Optional.of(d) : Optional.empty());
    }

    private void releaseDecode() {
        decodeChosen.ifPresent(d -> shared.picker().release(DispatchLedger.decodeKey(requestId), d));
        decodeChosen = Optional.empty();
    }

    private void onPick(Placement placement) {
        InstancePicker.Pick pick = placement.pick();
        if (done || !(pick instanceof InstancePicker.Pick.Chosen)) {
            placement.decode().ifPresent(d -> shared.picker().release(DispatchLedger.decodeKey(requestId), d));
        } else {
            decodeChosen = placement.decode();
        }
        switch (pick) {
            case InstancePicker.Pick.None none -> {
                if (!done) {
                    if (headSent || attempts > 1) {
                        // Every instance that could take it failed: the failure is theirs, not a lack of capacity.
                        giveUp(attempts > 1 ? "no instance could serve the request; last failure: " + lastFailure + " (" + none.reason() + ")"
                                : none.reason());
                    } else {
                        answerError(ErrorCode.OVERLOADED, "No instance can take the request: " + none.reason());
                    }
                }
            }
            case InstancePicker.Pick.Chosen c -> {
                if (done) {
                    shared.picker().release(requestId, c);
                    return;
                }
                chosen = c;
                InstanceMetadata instance = c.instance();
                currentInstanceId = instance.instanceId();
                nativeProtocol = switch (shared.config().forwarding()) {
                    case NATIVE -> true;
                    case OPENAI -> false;
                    case AUTO -> instance.llumletPort() > 0;
                };
                if (resumed) {
                    upstreamBody = Buffer.buffer(shared.json().writeValueAsBytes(withDecode(resumeBody.deepCopy())));
                } else {
                    upstreamPath = route;
                    upstreamBody = initialBody();
                }
                legTokens = 0;
                send(new Leg(false), instance.host(), instance.apiPort(), upstreamPath);
            }
        }
    }

    private void send(Leg l, String host, int port, String uri) {
        leg = l;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI(uri)
                .setConnectTimeout(shared.config().connectTimeout().toMillis())
                .setIdleTimeout(shared.config().idleTimeout().toMillis())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (nativeProtocol && !l.attach) {
            // The engine runs it under the gateway's id, which its status reports back to the scheduler's ledger.
            options.putHeader(OpenAiServer.REQUEST_ID_HEADER, requestId);
        }
        Buffer body = upstreamBody;
        shared.client().request(options).compose(r -> {
            l.request = r;
            if (l != leg || done) {
                r.reset();
                return Future.failedFuture("superseded");
            }
            return r.send(body);
        }).onComplete(ar -> {
            if (l != leg || done || l.over) {
                if (ar.succeeded()) {
                    ar.result().request().reset();
                }
                return;
            }
            if (ar.failed()) {
                legFailed(l, "instance " + host + ":" + port + " failed: " + ar.cause());
            } else {
                onResponse(l, ar.result());
            }
        });
    }

    private void onResponse(Leg l, HttpClientResponse answer) {
        int status = answer.statusCode();
        l.upstreamRequestId = answer.getHeader("X-Request-Id");
        String type = Optional.ofNullable(answer.getHeader(HttpHeaders.CONTENT_TYPE)).orElse("");
        if (status == 200 && type.startsWith("text/event-stream")) {
            if (nativeProtocol) {
                relayNativeStream(l, answer);
            } else {
                relayPlainStream(l, answer);
            }
            return;
        }
        answer.body().onComplete(b -> {
            if (l != leg || done || l.over) {
                return;
            }
            if (b.failed()) {
                legFailed(l, "reading the answer failed: " + b.cause());
                return;
            }
            Buffer body = b.result();
            if (status == 200) {
                l.over = true;
                relayWhole(body, type);
            } else if (status == 503 && nativeProtocol && migratedOf(body).isPresent()) {
                l.over = true;
                follow(migratedOf(body).get(), false);
            } else if (l.attach || status == 429 || status >= 500) {
                legFailed(l, "instance answered HTTP " + status + ": " + truncate(body.toString(StandardCharsets.UTF_8)));
            } else {
                // The request itself is at fault (4xx): relay the instance's verdict.
                l.over = true;
                if (headSent) {
                    giveUp("instance refused the resumed request with HTTP " + status + ": " + truncate(body.toString(StandardCharsets.UTF_8)));
                    return;
                }
                finish(status);
                resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, type.isEmpty() ? "application/json" : type).end(body);
            }
        });
    }

    /** The attempt failed: retry before the first byte, resume mid-stream (native), else cut the stream. */
    private void legFailed(Leg l, String reason) {
        if (l != leg || done || l.over) {
            return;
        }
        l.over = true;
        if (l.request != null) {
            l.request.reset();
        }
        lastFailure = reason;
        if (clientGone) {
            return;
        }
        if (chosen != null) {
            excluded.add(chosen.instance().instanceId());
            shared.picker().release(requestId, chosen);
            chosen = null;
        }
        releaseDecode();
        if (!headSent) {
            shared.metrics().retry();
            attempt();
        } else if (nativeProtocol && request.stream() && shared.catalog().profile(request.model()).tokenizer().exact()) {
            resume();
        } else {
            giveUp(reason);
        }
    }

    private void giveUp(String reason) {
        answerError(ErrorCode.UPSTREAM_UNAVAILABLE, reason);
    }

    // ---- migration ----------------------------------------------------------------------------------------------

    private void follow(JsonNode migrated, boolean stream) {
        if (++follows > MAX_FOLLOWS) {
            giveUp("the request migrated more than " + MAX_FOLLOWS + " times");
            return;
        }
        shared.metrics().migrationFollowed();
        String engineRequestId = migrated.path("request_id").asString("");
        URI dst;
        try {
            dst = URI.create(migrated.path("dst_address").asString(""));
        } catch (IllegalArgumentException e) {
            giveUp("a migration named an unusable destination: " + migrated);
            return;
        }
        String named = migrated.path("dst_instance_id").asString("");
        String to = named.isEmpty() ? dst.getHost() + ":" + dst.getPort() : named;
        shared.migrations().followed(requestId, currentInstanceId, to, shared.clock().currentTimeMillis());
        currentInstanceId = to;
        int from = stream ? legTokens : 0;
        String kind = resumed ? "completion" : request.endpoint().attachKind;
        String uri = "/internal/attach?request_id=" + URLEncoder.encode(engineRequestId, StandardCharsets.UTF_8) + "&from=" + from
                + "&kind=" + kind;
        send(new Leg(true), dst.getHost(), dst.getPort(), uri);
    }

    // ---- resume -------------------------------------------------------------------------------------------------

    private void resume() {
        shared.metrics().resume();
        int n = numGenerated;
        int[] prompt = request.promptIds();
        if (n > 0 && prompt.length > 0) {
            Optional<String> text = shared.catalog().profile(request.model()).tokenizer()
                    .decode(prompt[prompt.length - 1], Arrays.copyOf(generated, n));
            String sent = delivered.toString();
            // Text the dead instance held back (a possible stop string, an incomplete character) but had
            // already generated: it precedes whatever the next instance releases.
            if (text.isPresent() && text.get().startsWith(sent)) {
                pendingText = text.get().substring(sent.length());
            }
        }
        OptionalInt max = request.effectiveMaxTokens();
        int remaining;
        if (max.isPresent()) {
            remaining = max.getAsInt() - n;
        } else {
            int maxModelLen = shared.catalog().profile(request.model()).maxModelLen();
            if (maxModelLen <= 0) {
                giveUp("the instance failed mid-stream and the model's context length is unknown, so the request cannot be resumed");
                return;
            }
            remaining = maxModelLen - prompt.length - n;
        }
        if (remaining <= 0) {
            finishLocally("length");
            return;
        }
        ObjectNode body = shared.json().createObjectNode();
        for (String f : RESUMED_FIELDS) {
            JsonNode v = request.body().get(f);
            if (v != null && !v.isNull()) {
                body.set(f, v.deepCopy());
            }
        }
        ArrayNode ids = body.putArray("prompt");
        for (int t : prompt) {
            ids.add(t);
        }
        for (int i = 0; i < n; i++) {
            ids.add(generated[i]);
        }
        body.put("max_tokens", remaining);
        body.put("stream", true);
        if (request.includeUsage()) {
            body.putObject("stream_options").put("include_usage", true);
        }
        body.put("return_token_ids", true);
        request.priority().ifPresent(p -> body.put("priority", p));
        resumeBody = body;
        upstreamPath = ClientRequest.Endpoint.COMPLETIONS.path;
        resumed = true;
        resumeOffset = n;
        attempt();
    }

    /** The prompt of the next attempt: the client's, plus what was generated when resuming. */
    private int[] currentPrompt() {
        int[] prompt = request.promptIds();
        if (!resumed || numGenerated == 0) {
            return prompt;
        }
        int[] all = Arrays.copyOf(prompt, prompt.length + numGenerated);
        System.arraycopy(generated, 0, all, prompt.length, numGenerated);
        return all;
    }

    /** The request reached its length while its instance died: finish it here, as the engine would have. */
    private void finishLocally(String reason) {
        ObjectNode chunk = chunkHeader();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", pendingText);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", reason);
        write(chunk);
        if (request.includeUsage()) {
            ObjectNode usage = chunkHeader();
            usage.putArray("choices");
            ObjectNode u = usage.putObject("usage");
            u.put("prompt_tokens", request.promptIds().length);
            u.put("completion_tokens", numGenerated);
            u.put("total_tokens", request.promptIds().length + numGenerated);
            write(usage);
        }
        endStream();
    }

    // ---- relaying -----------------------------------------------------------------------------------------------

    private void relayNativeStream(Leg l, HttpClientResponse answer) {
        SseFrames frames = new SseFrames();
        answer.handler(chunk -> {
            if (l != leg || done || l.over) {
                return;
            }
            for (SseFrames.Frame frame : frames.push(chunk)) {
                onFrame(l, frame);
                if (l.over || done) {
                    return;
                }
            }
            backpressure(answer);
        });
        answer.exceptionHandler(t -> legFailed(l, "the stream broke: " + t));
        answer.endHandler(v -> {
            if (l != leg || done) {
                return;
            }
            if (l.migratedTo != null) {
                follow(l.migratedTo, true);
            } else if (!l.over) {
                legFailed(l, "the instance ended the stream without [DONE]");
            }
        });
    }

    private void onFrame(Leg l, SseFrames.Frame frame) {
        if (frame.event().equals("migrated")) {
            l.over = true;
            l.migratedTo = shared.json().readTree(frame.data());
            return;
        }
        if (frame.data().isEmpty()) {
            return;
        }
        if (frame.data().equals("[DONE]")) {
            l.over = true;
            endStream();
            return;
        }
        JsonNode node;
        try {
            node = shared.json().readTree(frame.data());
        } catch (RuntimeException e) {
            writeRaw(frame.raw());
            return;
        }
        if (!(node instanceof ObjectNode chunk) || chunk.has("error")) {
            writeRaw(frame.raw());
            return;
        }
        if (clientId == null) {
            clientId = chunk.path("id").asString(requestId);
            created = chunk.path("created").asLong(shared.clock().currentTimeMillis() / 1000);
            modelName = chunk.path("model").asString(request.model());
        }
        JsonNode usage = chunk.get("usage");
        if (usage instanceof ObjectNode u && resumed) {
            u.put("prompt_tokens", u.path("prompt_tokens").asInt() - resumeOffset);
            u.put("completion_tokens", u.path("completion_tokens").asInt() + resumeOffset);
        }
        JsonNode choices = chunk.get("choices");
        if (!(choices instanceof ArrayNode array) || array.isEmpty()) {
            write(resumed ? rewrite(chunk, "", null, usage) : chunk);
            return;
        }
        ObjectNode choice = (ObjectNode) array.get(0);
        boolean hadIds = false;
        if (choice.get("token_ids") instanceof ArrayNode tokenIds) {
            hadIds = true;
            for (JsonNode t : tokenIds) {
                addGenerated(t.asInt());
            }
            legTokens += tokenIds.size();
            if (!request.wantsTokenIds()) {
                choice.remove("token_ids");
            }
        }
        boolean upstreamChat = !resumed && chat();
        JsonNode delta = choice.get("delta");
        if (upstreamChat && delta != null && delta.has("role")) {
            if (roleSent) {
                return; // a re-attach from token 0 repeats the opening chunk
            }
            roleSent = true;
        }
        String text = upstreamChat ? (delta == null ? "" : delta.path("content").asString("")) : choice.path("text").asString("");
        JsonNode reason = choice.get("finish_reason");
        boolean finishing = reason != null && !reason.isNull();
        if (!pendingText.isEmpty() && (!text.isEmpty() || finishing)) {
            text = pendingText + text;
            pendingText = "";
            setText(choice, upstreamChat, text);
        }
        delivered.append(text);
        if (hadIds && !request.wantsTokenIds() && text.isEmpty() && !finishing) {
            return; // only there to carry token ids
        }
        write(resumed ? rewrite(chunk, text, finishing ? reason.asString() : null, usage) : chunk);
    }

    private void setText(ObjectNode choice, boolean upstreamChat, String text) {
        if (upstreamChat) {
            ObjectNode delta = choice.get("delta") instanceof ObjectNode d ? d : choice.putObject("delta");
            delta.put("content", text);
        } else {
            choice.put("text", text);
        }
    }

    /** A resumed instance's completion chunk, rewritten as the client's original stream would have carried it. */
    private ObjectNode rewrite(ObjectNode upstream, String text, String finishReason, JsonNode usage) {
        ObjectNode out = chunkHeader();
        ArrayNode choices = out.putArray("choices");
        JsonNode original = upstream.get("choices");
        if (original instanceof ArrayNode a && !a.isEmpty()) {
            ObjectNode in = (ObjectNode) a.get(0);
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            if (chat()) {
                ObjectNode delta = choice.putObject("delta");
                if (!text.isEmpty() || finishReason == null) {
                    delta.put("content", text);
                }
            } else {
                choice.put("text", text);
            }
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            if (in.has("token_ids")) {
                choice.set("token_ids", in.get("token_ids"));
            }
        }
        if (usage != null) {
            out.set("usage", usage);
        }
        return out;
    }

    private ObjectNode chunkHeader() {
        ObjectNode out = shared.json().createObjectNode();
        out.put("id", clientId == null ? requestId : clientId);
        out.put("object", chat() ? "chat.completion.chunk" : "text_completion");
        out.put("created", clientId == null ? shared.clock().currentTimeMillis() / 1000 : created);
        out.put("model", modelName.isEmpty() ? request.model() : modelName);
        return out;
    }

    /**
     * Relays a plain OpenAI stream as is. The chunks that arrive in one event-loop turn (a fast instance's tokens
     * read in one socket read) go out in one write: writing each separately costs a flush and a syscall per
     * token, which made the relay several times slower than nginx's (see {@code llumnix bench gateway}).
     */
    private void relayPlainStream(Leg l, HttpClientResponse answer) {
        answer.handler(chunk -> {
            if (l != leg || done || l.over) {
                return;
            }
            if (l.pending == null) {
                l.pending = Buffer.buffer(Math.max(256, chunk.length() * 4)).appendBuffer(chunk);
                context.runOnContext(v -> flushPending(l, answer));
            } else {
                l.pending.appendBuffer(chunk);
            }
        });
        answer.exceptionHandler(t -> legFailed(l, "the stream broke: " + t));
        answer.endHandler(v -> {
            if (l != leg || done || l.over) {
                return;
            }
            l.over = true;
            Buffer tail = l.pending;
            l.pending = null;
            endStream(tail);
        });
    }

    private void flushPending(Leg l, HttpClientResponse answer) {
        Buffer frames = l.pending;
        l.pending = null;
        if (frames == null || l != leg || done || l.over) {
            return;
        }
        writeRaw(frames);
        backpressure(answer);
    }

    /** A whole (non-streaming) answer: token ids stripped unless the client asked for them. */
    private void relayWhole(Buffer body, String type) {
        Buffer out = body;
        try {
            JsonNode root = shared.json().readTree(body.getBytes());
            completionTokens = root.path("usage").path("completion_tokens").asInt(0);
            if (nativeProtocol && !request.wantsTokenIds() && root.get("choices") instanceof ArrayNode choices) {
                for (JsonNode c : choices) {
                    if (c instanceof ObjectNode o) {
                        o.remove("token_ids");
                        o.remove("prompt_token_ids");
                    }
                }
                out = Buffer.buffer(shared.json().writeValueAsBytes(root));
            }
        } catch (RuntimeException e) {
            // not JSON: relay as is
        }
        shared.metrics().firstByte(shared.clock().nanoTime() - arrivalNanos);
        finish(200);
        resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, type.isEmpty() ? "application/json" : type)
                .putHeader("X-Request-Id", clientRequestId()).end(out);
    }

    /** The id the client sees: the first instance's request id (as a direct client would), else the gateway's. */
    private String clientRequestId() {
        return leg != null && leg.upstreamRequestId != null ? leg.upstreamRequestId : requestId;
    }

    private void addGenerated(int id) {
        if (numGenerated == generated.length) {
            generated = Arrays.copyOf(generated, generated.length * 2);
        }
        generated[numGenerated++] = id;
    }

    private boolean chat() {
        return request.endpoint() == ClientRequest.Endpoint.CHAT_COMPLETIONS;
    }

    private void headIfNeeded() {
        if (!headSent) {
            headSent = true;
            shared.metrics().firstByte(shared.clock().nanoTime() - arrivalNanos);
            resp.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache").putHeader("X-Request-Id", clientRequestId());
        }
    }

    private void write(ObjectNode chunk) {
        writeRaw(Buffer.buffer("data: " + shared.json().writeValueAsString(chunk) + "\n\n"));
    }

    private void writeRaw(Buffer frame) {
        headIfNeeded();
        if (!resp.closed() && !resp.ended()) {
            resp.write(frame);
        }
    }

    private void endStream() {
        endStream(null);
    }

    /** Ends the stream, first writing {@code tail} (relayed bytes not written yet) when not null. */
    private void endStream(Buffer tail) {
        headIfNeeded();
        completionTokens = numGenerated;
        finish(200);
        if (!resp.closed() && !resp.ended()) {
            Buffer last = nativeProtocol ? Buffer.buffer(DONE) : Buffer.buffer();
            resp.end(tail == null ? last : tail.appendBuffer(last));
        }
    }

    private void backpressure(HttpClientResponse answer) {
        if (resp.writeQueueFull()) {
            answer.pause();
            resp.drainHandler(v -> answer.resume());
        }
    }

    // ---- the end ------------------------------------------------------------------------------------------------

    private void clientLeft() {
        if (done || clientGone) {
            return;
        }
        if (resp.ended()) {
            // An HTTP/2 (h2c) stream reports its close from inside end(); every path settles before it ends the
            // response, so this only guards an end written without finish: count it with its status, not as 499.
            finish(resp.getStatusCode());
            return;
        }
        clientGone = true;
        if (!started && !admitted) {
            if (waiter != null && shared.admission().cancel(waiter)) {
                waiter = null;
                finish(499);
            }
            return; // admitted meanwhile: start() sees clientGone
        }
        if (leg != null && leg.request != null) {
            leg.request.reset(); // the engine aborts the request
        }
        finish(499);
    }

    /** Settles the request as {@code code}, then answers the client with it (see {@link #finish}). */
    private void answerError(ErrorCode code, String message) {
        finish(code.httpStatus());
        OpenAiErrors.send(resp, code, message);
    }

    /**
     * The request's bookkeeping (in-flight count, slots, rate limits, metrics), done before the response's end is
     * written: a client that has read its answer then sees the gateway's counters already settled.
     */
    private void finish(int status) {
        if (done) {
            return;
        }
        done = true;
        if (leg != null) {
            leg.over = true;
        }
        if (chosen != null) {
            shared.picker().release(requestId, chosen);
            chosen = null;
        }
        releaseDecode();
        if (admitted) {
            shared.metrics().exit();
            shared.admission().leave();
        }
        key.ifPresent(k -> shared.limiter().chargeCompletion(k, completionTokens));
        if (completionTokens > 0) {
            shared.metrics().completionTokens(completionTokens);
        }
        shared.metrics().requestFinished(route, status, shared.clock().nanoTime() - arrivalNanos);
    }

    private Buffer initialBody() {
        if (!nativeProtocol) {
            // A plain OpenAI instance gets the client's body unchanged: no copy and re-serialization per request.
            return Buffer.buffer(request.rawBody());
        }
        ObjectNode body = request.body().deepCopy();
        body.put("return_token_ids", true);
        request.priority().ifPresent(p -> body.put("priority", p));
        return Buffer.buffer(shared.json().writeValueAsBytes(withDecode(body)));
    }

    /** Names the decode instance (its llumlet) the prefill instance hands the request to, when disaggregated. */
    private ObjectNode withDecode(ObjectNode body) {
        decodeChosen.ifPresent(d -> body.put(PD_DECODE_FIELD, d.instance().host() + ":" + d.instance().llumletPort()));
        return body;
    }

    private Optional<JsonNode> migratedOf(Buffer body) {
        try {
            JsonNode root = shared.json().readTree(body.getBytes());
            if ("migrated".equals(root.path("error").path("type").asString(""))) {
                return Optional.of(root.path("migrated"));
            }
        } catch (RuntimeException e) {
            // not JSON
        }
        return Optional.empty();
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
