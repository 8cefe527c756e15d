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

    /** Σ lanes of the vector stored at byte offset {@code off} of {@code s}. */
    static float sumAt(java.lang.foreign.MemorySegment s, long off) {
        return sum(FloatVector.fromMemorySegment(S, s, off, O));
    }

    // Each method stays under C2's MaxInlineSize (35 bytecodes), so it is inlined at every call
    // site however cold; a larger helper taking a vector is left as a call and its argument boxed.

    /** Σ lanes of v, in the same order under every compiler. */
    static float sum(FloatVector v) {
        return fold1(fold2(fold4(fold8(fold16(v))))).lane(0);
    }

    private static FloatVector fold16(FloatVector v) {
        return L > 16 ? v.add(v.rearrange(X16)) : v;
    }

    private static FloatVector fold8(FloatVector v) {
        return L > 8 ? v.add(v.rearrange(X8)) : v;
    }

    private static FloatVector fold4(FloatVector v) {
        return L > 4 ? v.add(v.rearrange(X4)) : v;
    }

    private static FloatVector fold2(FloatVector v) {
        return L > 2 ? v.add(v.rearrange(X2)) : v;
    }

    private static FloatVector fold1(FloatVector v) {
        return L > 1 ? v.add(v.rearrange(X1)) : v;
    }
}
