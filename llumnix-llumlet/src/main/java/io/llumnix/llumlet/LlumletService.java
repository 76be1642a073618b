package io.llumnix.llumlet;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.llumnix.proto.AbortReply;
import io.llumnix.proto.AbortRequest;
import io.llumnix.proto.InstanceStatusMessage;
import io.llumnix.proto.LlumletGrpc;
import io.llumnix.proto.MigrateCommand;
import io.llumnix.proto.MigrateInMessage;
import io.llumnix.proto.MigrateInReply;
import io.llumnix.proto.MigrateReply;
import io.llumnix.proto.MigrationResult;
import io.llumnix.proto.StatusRequest;
import io.llumnix.scheduler.rescheduling.MigrationRule;
import io.llumnix.scheduler.rescheduling.RequestOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.json.JsonMapper;

/** The gRPC face of a {@link Llumlet}. Thread-safe. */
final class LlumletService extends LlumletGrpc.LlumletImplBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Llumlet llumlet;

    LlumletService(Llumlet llumlet) {
        this.llumlet = llumlet;
    }

    @Override
    public void migrate(MigrateCommand request, StreamObserver<MigrateReply> responseObserver) {
        if (request.getDstAddress().isBlank()) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription("dst_address is required").asRuntimeException());
            return;
        }
        CompletableFuture<List<MigrationOutcome>> outcomes;
        try {
            if (request.getRequestIdsCount() > 0) {
                List<CompletableFuture<MigrationOutcome>> all = request.getRequestIdsList().stream()
                        .map(id -> llumlet.migrate(id, request.getDstAddress(), request.getRecompute()))
                        .toList();
                outcomes = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                        .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
            } else {
                // The command carries no priority flag yet: every request is eligible.
                outcomes = llumlet.migrateSelected(MigrationRule.parse(request.getRule()), RequestOrder.parse(request.getOrder()),
                        request.getValue(), request.getNormalPriorityOnly(), request.getDstAddress(), request.getRecompute());
            }
        } catch (IllegalArgumentException e) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        outcomes.whenComplete((list, err) -> {
            if (err != null) {
                responseObserver.onError(Status.INTERNAL.withDescription(err.toString()).asRuntimeException());
                return;
            }
            MigrateReply.Builder reply = MigrateReply.newBuilder();
            for (MigrationOutcome o : list) {
                reply.addResults(MigrationResult.newBuilder()
                        .setRequestId(o.requestId())
                        .setOutcome(o.result().name())
                        .setReason(o.reason())
                        .setStages(o.stages())
                        .setBlocksMoved(o.blocksMoved())
                        .setBytesMoved(o.bytesMoved())
                        .setDowntimeMs(o.downtimeNanos() / 1e6)
                        .setTotalMs(o.totalNanos() / 1e6));
            }
            responseObserver.onNext(reply.build());
            responseObserver.onCompleted();
        });
    }

    @Override
    public void abort(AbortRequest request, StreamObserver<AbortReply> responseObserver) {
        llumlet.engine().onStepThread(c -> c.abort(request.getRequestId())).whenComplete((found, err) -> {
            if (err != null) {
                responseObserver.onError(Status.INTERNAL.withDescription(err.toString()).asRuntimeException());
            } else {
                responseObserver.onNext(AbortReply.newBuilder().setFound(found).build());
                responseObserver.onCompleted();
            }
        });
    }

    @Override
    public void getStatus(StatusRequest request, StreamObserver<InstanceStatusMessage> responseObserver) {
        responseObserver.onNext(InstanceStatusMessage.newBuilder().setJson(JSON.writeValueAsString(llumlet.pulledStatus())).build());
        responseObserver.onCompleted();
    }

    @Override
    public StreamObserver<MigrateInMessage> migrateIn(StreamObserver<MigrateInReply> responseObserver) {
        LlumletConfig c = llumlet.config();
        return new MigrationInHandler(llumlet.engine(), c.instanceId(), c.apiAddress(), c.migration(), llumlet.inSlots(), responseObserver,
                llumlet.dataServer());
    }
}
