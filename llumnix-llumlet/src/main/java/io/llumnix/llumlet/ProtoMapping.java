package io.llumnix.llumlet;

import io.llumnix.core.SamplingParams;
import io.llumnix.engine.sched.MigratingRequest;
import io.llumnix.proto.RequestState;
import io.llumnix.proto.SamplingParamsMessage;
import java.util.OptionalLong;

/** Engine records to protobuf messages and back. */
final class ProtoMapping {

    private ProtoMapping() {}

    static RequestState toProto(MigratingRequest m) {
        RequestState.Builder b = withoutTokens(m);
        for (int t : m.tokens()) {
            b.addTokens(t);
        }
        return b.build();
    }

    /**
     * The request's state without its token ids, which the data connection's commit frame carries as a raw array:
     * the downtime path runs a few times per migration, too rarely to be compiled, and boxing thousands of ids one by
     * one in the interpreter took about a millisecond at each end for an 8k-token request.
     */
    static RequestState toProtoWithoutTokens(MigratingRequest m) {
        return withoutTokens(m).build();
    }

    private static RequestState.Builder withoutTokens(MigratingRequest m) {
        return RequestState.newBuilder()
                .setRequestId(m.requestId())
                .setPromptLength(m.promptLength())
                .setNumComputed(m.numComputed())
                .setPriority(m.priority())
                .setArrivalAgeNanos(m.ageNanos())
                .setRngState(m.rngState())
                .setParams(toProto(m.params()))
                .setPreviousTokenId(m.previousTokenId())
                .setNumPreemptions(m.numPreemptions());
    }

    static MigratingRequest fromProto(RequestState s) {
        int[] tokens = new int[s.getTokensCount()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = s.getTokens(i);
        }
        return fromProto(s, tokens);
    }

    /** The request whose token ids came beside its state ({@link #toProtoWithoutTokens}). */
    static MigratingRequest fromProto(RequestState s, int[] tokens) {
        return new MigratingRequest(s.getRequestId(), tokens, s.getPromptLength(), s.getNumComputed(), fromProto(s.getParams()), s.getRngState(),
                s.getPriority(), s.getArrivalAgeNanos(), s.getPreviousTokenId(), s.getNumPreemptions());
    }

    static SamplingParamsMessage toProto(SamplingParams p) {
        SamplingParamsMessage.Builder b = SamplingParamsMessage.newBuilder()
                .setTemperature(p.temperature())
                .setTopP(p.topP())
                .setTopK(p.topK())
                .setHasSeed(p.seed().isPresent())
                .setSeed(p.seed().orElse(0))
                .setMaxTokens(p.maxTokens())
                .setIgnoreEos(p.ignoreEos());
        b.addAllStop(p.stop());
        return b.build();
    }

    static SamplingParams fromProto(SamplingParamsMessage m) {
        return new SamplingParams(m.getTemperature(), m.getTopP(), m.getTopK(), m.getHasSeed() ? OptionalLong.of(m.getSeed()) : OptionalLong.empty(),
                m.getMaxTokens(), m.getStopList(), m.getIgnoreEos());
    }
}
