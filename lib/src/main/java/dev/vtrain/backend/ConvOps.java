package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * The convolution and pooling op family, on channels-last images: a batch of {@code n} samples is a
 * tensor of {@code n} rows of {@code H·W·C} values ({@code (h · W + w) · C + c}). Convolution is
 * lowered to the core GEMM through {@link #im2col}/{@link #col2im}; grouped convolutions move one
 * group's columns with {@link #gatherColumns}/{@link #scatterColumns}. Outputs come first. Used by
 * the backend's thread; allocates nothing per call.
 */
public interface ConvOps {
    /**
     * Overwrites {@code cols} ({@code n·oh·ow} × {@code patch}) with the zero-padded patches of
     * group {@code group}'s channels of {@code x} ({@code n} × {@code H·W·C}); a patch row is
     * ordered {@code (ki, kj, channel)}.
     */
    void im2col(Tensor cols, Tensor x, ConvGeometry g, int group);

    /**
     * The adjoint of {@link #im2col}: overwrites group {@code group}'s channels of {@code dx} with
     * the sum, over every patch that read an element, of the matching {@code dcols} entry.
     */
    void col2im(Tensor dx, Tensor dcols, ConvGeometry g, int group);

    /** Overwrites {@code dst} (r × k) with columns {@code [offset, offset + k)} of {@code src}. */
    void gatherColumns(Tensor dst, Tensor src, int offset);

    /** Overwrites columns {@code [offset, offset + k)} of {@code dst} with {@code src} (r × k). */
    void scatterColumns(Tensor dst, Tensor src, int offset);

    /**
     * Max pooling: overwrites {@code y} ({@code n} × {@code oh·ow·C}) and, when not null, {@code
     * argmax} (same shape; the index within the sample of the first maximum, as a float). Padding
     * never wins (PyTorch pads with -∞).
     */
    void maxPool(Tensor y, Tensor argmax, Tensor x, PoolGeometry g);

    /**
     * Overwrites {@code dx} with {@code dy} routed to the saved {@code argmax} positions (summed).
     */
    void maxPoolBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry g);

    /** Average pooling (padding counts as zeros for fixed windows): overwrites {@code y}. */
    void avgPool(Tensor y, Tensor x, PoolGeometry g);

    /** Overwrites {@code dx} with the adjoint of {@link #avgPool} applied to {@code dy}. */
    void avgPoolBackward(Tensor dx, Tensor dy, PoolGeometry g);

    /**
     * Per sample, overwrites {@code dst} with {@code src}'s {@code (c, hw)} matrix transposed to
     * {@code (hw, c)} (channels-first to channels-last); with {@code inverse}, the other way.
     */
    void transposeSamples(Tensor dst, Tensor src, int c, int hw, boolean inverse);
}
