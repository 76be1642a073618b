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
        RequestState.Builder b = RequestState.newBuilder()
                .setRequestId(m.requestId())
                .setPromptLength(m.promptLength())
                .setNumComputed(m.numComputed())
                .setPriority(m.priority())
                .setArrivalAgeNanos(m.ageNanos())
                .setRngState(m.rngState())
                .setParams(toProto(m.params()))
                .setPreviousTokenId(m.previousTokenId())
                .setNumPreemptions(m.numPreemptions());
        for (int t : m.tokens()) {
            b.addTokens(t);
        }
        return b.build();
    }

    static MigratingRequest fromProto(RequestState s) {
        int[] tokens = s.getTokensList().stream().mapToInt(Integer::intValue).toArray();
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
