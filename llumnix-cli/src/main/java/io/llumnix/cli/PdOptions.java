package io.llumnix.cli;

import io.llumnix.core.InferType;
import io.llumnix.gateway.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Prefill/decode disaggregation flags: {@code --pd-disagg-protocol} (the gateway places each request on a prefill
 * and a decode instance) and, for {@code serve}, {@code --pd-ratio} (how its instances split into the two roles).
 *
 * <p>Not thread-safe (picocli fills it in).
 */
final class PdOptions {

    @Option(names = "--pd-disagg-protocol", paramLabel = "none|staged", defaultValue = "none",
            description = "Prefill/decode disaggregation: staged = the prefill instance computes the prompt and the first token, then the "
                    + "request and its KV cache move to a decode instance over the migration transport (default ${DEFAULT-VALUE}).")
    String protocol = "none";

    /** The gateway's mode; a one-line error for an unknown name. */
    GatewayConfig.PdDisagg mode() {
        return switch (protocol.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> GatewayConfig.PdDisagg.NONE;
            case "staged" -> GatewayConfig.PdDisagg.STAGED;
            default -> throw new UserException("--pd-disagg-protocol must be none or staged, got '" + protocol + "'");
        };
    }

    boolean enabled() {
        return mode() != GatewayConfig.PdDisagg.NONE;
    }

    /**
     * Each of {@code instances}' role: all neutral without disaggregation, else the first ones prefill and the rest
     * decode in the ratio {@code ratio} ({@code P:D}), at least one of each.
     */
    List<InferType> roles(int instances, String ratio) {
        if (!enabled()) {
            return java.util.Collections.nCopies(instances, InferType.NEUTRAL);
        }
        int colon = ratio.indexOf(':');
        int p;
        int d;
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            p = Integer.parseInt(ratio.substring(0, colon).trim());
            d = Integer.parseInt(ratio.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            throw new UserException("--pd-ratio must be P:D with positive integers, got '" + ratio + "'");
        }
        if (p < 1 || d < 1) {
            throw new UserException("--pd-ratio must be P:D with positive integers, got '" + ratio + "'");
        }
        if (instances < 2) {
            throw new UserException("--pd-disagg-protocol " + protocol + " needs at least 2 instances (one prefill, one decode), got "
                    + instances);
        }
        int prefill = (int) Math.round((double) instances * p / (p + d));
        prefill = Math.clamp(prefill, 1, instances - 1);
        List<InferType> roles = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            roles.add(i < prefill ? InferType.PREFILL : InferType.DECODE);
        }
        return roles;
    }
}
