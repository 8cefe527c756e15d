package dev.vtrain.backend.cpu;

import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.XOR;

import dev.vtrain.backend.DropoutHash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dropout masks from {@link DropoutHash}, computed lane-wise with 32-bit integer vectors (the same
 * arithmetic as the scalar definition, so masks are bit-identical).
 */
final class VectorRandom {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorRandom() {}

    /** Fills mask elements [from, to) (element indices of the whole mask). */
    static void dropoutMask(MemorySegment mask, long off, long from, long to, float p, long key) {
        int threshold = DropoutHash.threshold(p);
        float scale = 1f / (1f - p);
        int k0 = (int) key;
        int k1 = (int) (key >>> 32);
        long i = from;
        if (IS.length() == L) {
            IntVector iota = IntVector.zero(IS).addIndex(1);
            FloatVector keepValue = FloatVector.broadcast(S, scale);
            FloatVector zero = FloatVector.zero(S);
            long vecTo = from + (to - from) / L * L;
            for (; i < vecTo; i += L) {
                IntVector h = iota.add((int) i).mul(0x9E3779B9).lanewise(XOR, k0);
                h = h.lanewise(XOR, h.lanewise(LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(XOR, h.lanewise(LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(XOR, h.lanewise(LSHR, 16)).lanewise(XOR, k1);
                h = h.lanewise(XOR, h.lanewise(LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(XOR, h.lanewise(LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(XOR, h.lanewise(LSHR, 16)).lanewise(LSHR, 8);
                VectorMask<Float> keep =
                        h.compare(jdk.incubator.vector.VectorOperators.GE, threshold).cast(S);
                zero.blend(keepValue, keep).intoMemorySegment(mask, off + i * Float.BYTES, O);
            }
        }
        for (; i < to; i++) {
            mask.set(F, off + i * Float.BYTES, DropoutHash.keep(key, i, threshold) ? scale : 0f);
        }
    }
}
