package io.llumnix.engine.kernel;

/**
 * A weight matrix {@code W[rows, cols]} (applied as {@code y = W x}) in the memory layout that one
 * {@link Kernels} implementation multiplies fastest. Obtain it from {@link Kernels#pack} and hand it back only to
 * the kernels that packed it.
 *
 * <p>Immutable once packed; safe to share between threads and executors.
 */
public interface WeightMatrix {

    /** Output dimension. */
    int rows();

    /** Input dimension. */
    int cols();

    /** Name of the kernels that packed it (see {@link Kernels#name()}). */
    String kernelName();
}
