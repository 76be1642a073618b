package io.llumnix.cli;

import io.llumnix.core.InferType;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --instance-type}: neutral, prefill or decode, in any case. */
final class InstanceTypeConverter implements ITypeConverter<InferType> {

    @Override
    public InferType convert(String value) {
        try {
            return InferType.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("must be neutral, prefill or decode, got '" + value + "'");
        }
    }
}
