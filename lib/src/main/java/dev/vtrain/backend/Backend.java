package dev.vtrain.backend;

import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * The core every model needs — memory, transfers, fills, GEMM, the dense layer's fused passes,
 * element-wise ops, losses and reductions — plus accessors for the op families ({@link #updates},
 * {@link #conv}, {@link #norms}, {@link #sequence}) a backend may implement; a family returns null
 * when absent, and what needs it fails when it is built, naming the family. Tensors are read as
 * row-major matrices ({@link Tensor#rows()} × {@link Tensor#cols()}). Each method states which
 * arguments it overwrites and which it accumulates into; arguments not named are only read.
 *
 * <p>A backend instance is used by one thread at a time (like a CUDA stream); it may use worker
 * threads internally. Operations may complete asynchronously on a device: only {@link #download}
 * and {@link #sumOfSquares} return data to the host.
 */
public interface Backend extends AutoCloseable {
    /** Short name, e.g. {@code scalar} or {@code cpu}. */
    String name();

    /** One line saying what this backend runs on (SIMD width, threads, device). */
    String description();

    /** Allocates {@code elements} zero-filled float32 values in this backend's memory. */
    Storage allocate(long elements);

    /** Overwrites {@code dst} with {@code dst.size()} floats from {@code src[srcOffset...]}. */
    void upload(float[] src, int srcOffset, Tensor dst);

    /** Overwrites {@code dst[dstOffset...]} with the {@code src.size()} elements of {@code src}. */
    void download(Tensor src, float[] dst, int dstOffset);

    /** Overwrites every element of {@code t} with {@code value}. */
    void fill(Tensor t, float value);

    /**
     * General matrix multiply: {@code c = alpha · op(a) · op(b) + beta · c}, where {@code op(x)} is
     * {@code x} or its transpose. With {@code op(a)} of m × k and {@code op(b)} of k × n, {@code c}
     * must be m × n. With {@code beta == 0}, {@code c} is overwritten without being read (NaN in
     * {@code c} does not propagate), as in BLAS.
     *
     * @throws IllegalArgumentException if the shapes do not agree
     */
    void gemm(
            Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta);

    /**
     * A dense layer's forward pass in one call: overwrites {@code out} (batch × out) with {@code
     * f(x · weightᵀ + bias)} for {@code x} (batch × in) and {@code weight} (out × in). {@code bias}
     * (out) and {@code f} may be null (no bias, no activation). Backends fuse the bias and
     * activation into the product's epilogue where they can.
     *
     * @throws IllegalArgumentException if the shapes do not agree
     */
    default void linear(Tensor out, Tensor x, Tensor weight, Tensor bias, Activation f) {
        gemm(out, x, false, weight, true, 1f, 0f);
        if (bias != null) {
            addRowVector(out, bias);
        }
        if (f != null) {
            activation(f, out, out);
        }
    }

    /**
     * {@link #activationBackward} and the bias gradient of the layer below in one pass: overwrites
     * {@code gradIn} (batch × n) with {@code gradOut · f'(x)} and sets {@code biasGrad[j] = beta ·
     * biasGrad[j] + Σ_i gradIn[i, j]} (as {@link #sumRows}; beta 0 overwrites without reading).
     */
    default void activationBackwardWithBiasGrad(
            Activation f, Tensor out, Tensor gradOut, Tensor gradIn, Tensor biasGrad, float beta) {
        activationBackward(f, out, gradOut, gradIn);
        sumRows(gradIn, biasGrad, beta);
    }

    /**
     * Accumulates a row vector into every row: {@code x[i, j] += bias[j]}; bias has x.cols()
     * elements.
     */
    void addRowVector(Tensor x, Tensor bias);

    /**
     * Column sums: {@code dst[j] = beta · dst[j] + Σ_i src[i, j]} ({@code beta = 1} accumulates, as
     * for a bias gradient; with {@code beta = 0} dst is overwritten without being read).
     */
    void sumRows(Tensor src, Tensor dst, float beta);

    /** Overwrites {@code out} with {@code f(in)}, element-wise; same shapes; may alias. */
    void activation(Activation f, Tensor in, Tensor out);

    /**
     * Overwrites {@code gradIn} with {@code gradOut · f'(x)}, expressed through the forward output
     * {@code out = f(x)}. All same shape; {@code gradIn} may alias {@code gradOut}.
     */
    void activationBackward(Activation f, Tensor out, Tensor gradOut, Tensor gradIn);

    /**
     * Fused softmax and cross-entropy over rows of {@code logits} (batch × classes) with integer
     * class labels stored as floats in {@code labels} (batch). Accumulates {@code lossSum[0] +=
     * Σ_rows (logsumexp(row) - row[label])}. If {@code gradLogits} is not null it is overwritten
     * with {@code (softmax(row) - onehot(label)) · gradScale}.
     *
     * @throws IllegalArgumentException if a label is not an integer in [0, classes)
     */
    void softmaxCrossEntropy(
            Tensor logits, Tensor labels, Tensor gradLogits, float gradScale, Tensor lossSum);

    /**
     * Squared error: accumulates {@code lossSum[0] += Σ (pred - target)²}; if {@code grad} is not
     * null it is overwritten with {@code 2 (pred - target) · gradScale}. Same shapes.
     */
    void squaredError(Tensor pred, Tensor target, Tensor grad, float gradScale, Tensor lossSum);

    /**
     * Accumulates into {@code correct[0]} the number of rows whose arg-max (first maximum) of
     * {@code logits} equals the label in {@code labels}.
     */
    void countCorrect(Tensor logits, Tensor labels, Tensor correct);

    /** Σ x², accumulated in double and returned to the host. */
    double sumOfSquares(Tensor x);

    /** Overwrites {@code x} with {@code x · s}. */
    void scale(Tensor x, float s);

    /** Overwrites {@code dst} with {@code src} (same number of elements). */
    void copy(Tensor src, Tensor dst);

    /**
     * Overwrites {@code out} with the element-wise product {@code a · b}; same shapes; may alias.
     */
    void multiply(Tensor a, Tensor b, Tensor out);

    /** Overwrites {@code out} with the element-wise sum {@code a + b}; same shapes; may alias. */
    void add(Tensor a, Tensor b, Tensor out);

    /** Overwrites {@code x} with {@code min(max(x, lo), hi)}; NaN stays NaN. */
    void clamp(Tensor x, float lo, float hi);

    /**
     * L1 regularisation: accumulates {@code grad += lambda · sign(param)} (sign(0) = 0) and returns
     * Σ|param| (double, to the host).
     */
    double addL1Gradient(Tensor param, Tensor grad, float lambda);

    /**
     * Overwrites {@code mask} with inverted-dropout factors: element i is {@code 1 / (1 - p)} if
     * {@link DropoutHash#keep(long, long, int)} holds for ({@code key}, i, threshold of p), else 0.
     * The result depends only on {@code key}, i and p, so every backend draws the same mask.
     */
    void dropoutMask(Tensor mask, float p, long key);

    /**
     * The convolution and pooling family, or null when this backend lacks it (a model that needs it
     * then fails at build time naming the family).
     */
    default ConvOps conv() {
        return null;
    }

    /**
     * The optimizer-update family (every optimizer needs it), or null when this backend lacks it.
     */
    default UpdateOps updates() {
        return null;
    }

    /** The normalisation family, or null when this backend lacks it. */
    default NormOps norms() {
        return null;
    }

    /**
     * The sequence-model family (embeddings, layer norm, GELU, attention), or null when this
     * backend lacks it.
     */
    default SequenceOps sequence() {
        return null;
    }

    /** Releases threads and other resources; storages are freed by their owners. */
    @Override
    void close();
}
