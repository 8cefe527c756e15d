package dev.vtrain.backend.cpu;

import dev.vtrain.backend.Activation;
import java.lang.foreign.MemorySegment;

/**
 * Large element-wise passes (optimizer updates, activations) split into aligned chunks for {@link
 * Parallel}; preallocated and refilled per call.
 */
final class UpdateJob implements Parallel.Body {
    /** Elements per task: large enough to amortise dispatch, a multiple of every vector length. */
    static final int CHUNK = 1 << 14;

    enum Kind {
        SGD,
        ADAM,
        ACTIVATION,
        ACTIVATION_BACKWARD,
        RMSPROP,
        ADAGRAD,
        DROPOUT_MASK,
        MULTIPLY,
        ADD
    }

    Kind kind;
    long n;
    MemorySegment s0;
    MemorySegment s1;
    MemorySegment s2;
    MemorySegment s3;
    MemorySegment s4;
    long o0;
    long o1;
    long o2;
    long o3;
    long o4;
    float alpha;
    long key;
    float lr;
    float momentum;
    float dampening;
    boolean nesterov;
    float weightDecay;

    /** Factor applied to the gradient as it is read (the clip-by-norm coefficient, else 1). */
    float gradScale;

    boolean flag;
    float beta1;
    float beta2;
    float eps;
    float stepSize;
    float bias2Sqrt;
    Activation activation;

    /** Tasks for {@link #n} elements. */
    int tasks() {
        return (int) ((n + CHUNK - 1) / CHUNK);
    }

    /** Per-worker scratch for lane reductions ({@link VectorReduce#SCRATCH_FLOATS} floats each). */
    MemorySegment scratch;

    static long scratchOffset(int worker) {
        return (long) worker * VectorReduce.SCRATCH_FLOATS * Float.BYTES;
    }

    @Override
    public void run(int task, int worker) {
        long from = (long) task * CHUNK;
        long to = Math.min(n, from + CHUNK);
        long byteFrom = from * Float.BYTES;
        switch (kind) {
            case SGD ->
                    VectorUpdates.sgd(
                            s0,
                            o0,
                            s1,
                            o1,
                            gradScale,
                            s2,
                            o2,
                            from,
                            to,
                            lr,
                            momentum,
                            dampening,
                            nesterov,
                            weightDecay,
                            flag);
            case ADAM ->
                    VectorUpdates.adam(
                            s0,
                            o0,
                            s1,
                            o1,
                            gradScale,
                            s2,
                            o2,
                            s3,
                            o3,
                            from,
                            to,
                            lr,
                            beta1,
                            beta2,
                            eps,
                            weightDecay,
                            flag,
                            stepSize,
                            bias2Sqrt);
            case RMSPROP ->
                    VectorUpdates.rmsprop(
                            s0,
                            o0,
                            s1,
                            o1,
                            gradScale,
                            s2,
                            o2,
                            s3,
                            o3,
                            s4,
                            o4,
                            from,
                            to,
                            lr,
                            alpha,
                            eps,
                            weightDecay,
                            momentum,
                            flag);
            case ADAGRAD ->
                    VectorUpdates.adagrad(
                            s0, o0, s1, o1, gradScale, s2, o2, from, to, lr, eps, weightDecay);
            case DROPOUT_MASK -> VectorRandom.dropoutMask(s0, o0, from, to, beta1, key);
            case MULTIPLY ->
                    VectorOps.multiply(
                            s0, o0 + byteFrom, s1, o1 + byteFrom, s2, o2 + byteFrom, to - from);
            case ADD ->
                    VectorOps.add(
                            s0, o0 + byteFrom, s1, o1 + byteFrom, s2, o2 + byteFrom, to - from);
            case ACTIVATION ->
                    VectorOps.activation(
                            activation, s0, o0 + byteFrom, s1, o1 + byteFrom, to - from);
            case ACTIVATION_BACKWARD ->
                    VectorOps.activationBackward(
                            activation,
                            s0,
                            o0 + byteFrom,
                            s1,
                            o1 + byteFrom,
                            s2,
                            o2 + byteFrom,
                            to - from);
        }
    }

    void clear() {
        s0 = null;
        s1 = null;
        s2 = null;
        s3 = null;
        s4 = null;
    }
}
