package dev.vtrain.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane sums in a fixed order. {@code reduceLanes(ADD)} on floats leaves the order open, and in
 * practice the interpreter or C1 fallback sums lanes one after another while C2's intrinsic may sum
 * them as a tree, so the same step rounds differently before and after JIT compilation and a
 * resumed run drifts from an uninterrupted one. Here lanes are folded by halves (lane i += lane i ^
 * k for k = L/2, …, 1) with lane-wise adds of a {@code rearrange}d copy, which every compiler
 * evaluates identically.
 */
final class VectorReduce {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorShuffle<Float> X16 =
            L > 16 ? VectorShuffle.fromOp(S, i -> i ^ 16) : null;
    private static final VectorShuffle<Float> X8 =
            L > 8 ? VectorShuffle.fromOp(S, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> X4 =
            L > 4 ? VectorShuffle.fromOp(S, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> X2 =
            L > 2 ? VectorShuffle.fromOp(S, i -> i ^ 2) : null;
    private static final VectorShuffle<Float> X1 =
            L > 1 ? VectorShuffle.fromOp(S, i -> i ^ 1) : null;

    static {
        if (L > 32) {
            throw new ExceptionInInitializerError(
                    "vectors of more than 32 floats are not supported (" + L + ")");
        }
    }

    /** Floats of scratch one thread needs: twelve vectors, one per accumulator of a 4 × 3 tile. */
    static final int SCRATCH_FLOATS = 12 * L;

    private static final java.nio.ByteOrder O = java.nio.ByteOrder.nativeOrder();

    private VectorReduce() {}

    /**
     * Σ lanes of the vector stored at byte offset {@code off} of {@code s}. Reductions store their
     * accumulator and call this, rather than pass the vector: C2 may decline to inline even a tiny
     * method that takes a vector (for example one it already compiled on its own during warm-up),
     * and a vector crossing a call is boxed on every call.
     */
    static float sumAt(java.lang.foreign.MemorySegment s, long off) {
        FloatVector v = FloatVector.fromMemorySegment(S, s, off, O);
        if (L > 16) {
            v = v.add(v.rearrange(X16));
        }
        if (L > 8) {
            v = v.add(v.rearrange(X8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(X4));
        }
        if (L > 2) {
            v = v.add(v.rearrange(X2));
        }
        if (L > 1) {
            v = v.add(v.rearrange(X1));
        }
        return v.lane(0);
    }
}
