package dev.vtrain.backend.cpu;

import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, sigmoid and tanh over ranges of memory, built from additions, multiplications and bit
 * operations only, so they compile to SIMD instructions on every platform (the Vector API's own
 * {@code EXP}/{@code TANH} fall back to boxed Java code where no native math library is wired in).
 * One method holds the loop and the polynomial: C2 declines to inline a large helper that takes or
 * returns vectors at call sites it deems cold, and a vector crossing a call is boxed. Coefficients
 * are Cephes {@code expf}/{@code tanhf}; the agreement tests bound the error against {@code
 * Math.exp}/{@code Math.tanh} (2e-6 relative).
 */
final class VectorMath {
    /** {@code e^(x - shift)}. */
    static final int EXP = 0;

    /** {@code 1 / (1 + e^-x)}. */
    static final int SIGMOID = 1;

    /** {@code tanh(x)}. */
    static final int TANH = 2;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final float EXP_HI = 88f;
    private static final float EXP_LO = -87.3f;

    private VectorMath() {}

    /**
     * Overwrites {@code a[from, from + n)} with {@code e^a} (a clamped to [-87.3, 88]; about 1
     * ulp), the array padded to whole vectors: {@code a.length ≥ from + n} rounded up to the vector
     * length. A void method over an array, so no vector crosses a call boundary (a vector returned
     * from a method that is not inlined would be boxed).
     */
    static void expInPlace(float[] arr, int from, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < from + n; i += L) {
            FloatVector a = FloatVector.fromArray(S, arr, i).max(EXP_LO).min(EXP_HI);
            FloatVector fx = a.mul(1.442695f).add(0.5f);
            FloatVector t = ((IntVector) fx.convert(F2I, 0)).convert(I2F, 0).reinterpretAsFloats();
            fx = t.sub(one, t.compare(GT, fx));
            a = a.sub(fx.mul(0.6933594f)).sub(fx.mul(-2.1219444e-04f));
            FloatVector y =
                    FloatVector.broadcast(S, 1.9875691e-04f)
                            .fma(a, FloatVector.broadcast(S, 0.0013981999f))
                            .fma(a, FloatVector.broadcast(S, 0.008333452f))
                            .fma(a, FloatVector.broadcast(S, 0.041665796f))
                            .fma(a, FloatVector.broadcast(S, 0.16666666f))
                            .fma(a, FloatVector.broadcast(S, 0.5f));
            y = y.fma(a.mul(a), a).add(one);
            y.mul(
                            ((IntVector) fx.convert(F2I, 0))
                                    .add(127)
                                    .lanewise(LSHL, 23)
                                    .reinterpretAsFloats())
                    .intoArray(arr, i);
        }
    }

    /**
     * Overwrites {@code dst[i] = f(src[i])} for i in [0, n). {@code shift} is subtracted before
     * {@link #EXP} and ignored otherwise.
     */
    static void apply(
            int fn,
            MemorySegment src,
            long srcOff,
            MemorySegment dst,
            long dstOff,
            long n,
            float shift) {
        long end = (n - n % L) * Float.BYTES;
        long step = (long) L * Float.BYTES;
        FloatVector one = FloatVector.broadcast(S, 1f);
        long p = 0;
        for (; p < end; p += step) {
            FloatVector x = FloatVector.fromMemorySegment(S, src, srcOff + p, O);
            FloatVector arg = fn == EXP ? x.sub(shift) : fn == SIGMOID ? x.neg() : x.abs().mul(2f);
            // e = exp(arg): range reduction arg = k·ln2 + r, polynomial in r, scale by 2^k.
            FloatVector a = arg.max(EXP_LO).min(EXP_HI);
            FloatVector fx = a.mul(1.442695f).add(0.5f);
            FloatVector t = ((IntVector) fx.convert(F2I, 0)).convert(I2F, 0).reinterpretAsFloats();
            fx = t.sub(one, t.compare(GT, fx));
            a = a.sub(fx.mul(0.6933594f)).sub(fx.mul(-2.1219444e-04f));
            FloatVector y =
                    FloatVector.broadcast(S, 1.9875691e-04f)
                            .fma(a, FloatVector.broadcast(S, 0.0013981999f))
                            .fma(a, FloatVector.broadcast(S, 0.008333452f))
                            .fma(a, FloatVector.broadcast(S, 0.041665796f))
                            .fma(a, FloatVector.broadcast(S, 0.16666666f))
                            .fma(a, FloatVector.broadcast(S, 0.5f));
            y = y.fma(a.mul(a), a).add(one);
            FloatVector e =
                    y.mul(
                            ((IntVector) fx.convert(F2I, 0))
                                    .add(127)
                                    .lanewise(LSHL, 23)
                                    .reinterpretAsFloats());
            FloatVector r;
            if (fn == EXP) {
                r = e;
            } else if (fn == SIGMOID) {
                r = one.div(e.add(one));
            } else {
                FloatVector z = x.mul(x);
                FloatVector small =
                        FloatVector.broadcast(S, -0.0057049887f)
                                .fma(z, FloatVector.broadcast(S, 0.020639088f))
                                .fma(z, FloatVector.broadcast(S, -0.053739715f))
                                .fma(z, FloatVector.broadcast(S, 0.13331442f))
                                .fma(z, FloatVector.broadcast(S, -0.3333328f))
                                .mul(z)
                                .fma(x, x);
                FloatVector large = one.sub(FloatVector.broadcast(S, 2f).div(e.add(one)));
                large = large.blend(large.neg(), x.compare(LT, 0f));
                r = large.blend(small, x.abs().compare(LT, 0.625f));
            }
            if (dst != null) {
                r.intoMemorySegment(dst, dstOff + p, O);
            }
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            float x = src.get(F, srcOff + p);
            float r =
                    switch (fn) {
                        case EXP -> (float) Math.exp(x - shift);
                        case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
                        default -> (float) Math.tanh(x);
                    };
            if (dst != null) {
                dst.set(F, dstOff + p, r);
            }
        }
    }
}
