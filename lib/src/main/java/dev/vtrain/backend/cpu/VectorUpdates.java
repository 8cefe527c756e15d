package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer updates: each reads parameter, gradient and state once and writes parameter and
 * state once, over the element range [from, to) of slabs that share one layout. Formulas and
 * operation order follow {@link dev.vtrain.backend.scalar.ScalarBackend}.
 */
final class VectorUpdates {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorUpdates() {}

    static void sgd(
            MemorySegment param,
            long pOff,
            MemorySegment grad,
            long gOff,
            MemorySegment buf,
            long bOff,
            long from,
            long to,
            float lr,
            float momentum,
            float dampening,
            boolean nesterov,
            float wd,
            boolean first) {
        long i = from;
        long vecTo = from + (to - from) / L * L;
        float keep = 1f - dampening;
        for (; i < vecTo; i += L) {
            long o = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, pOff + o, O);
            FloatVector d = FloatVector.fromMemorySegment(S, grad, gOff + o, O);
            if (wd != 0f) {
                d = p.fma(FloatVector.broadcast(S, wd), d);
            }
            if (momentum != 0f) {
                FloatVector b =
                        first
                                ? d
                                : FloatVector.fromMemorySegment(S, buf, bOff + o, O)
                                        .mul(momentum)
                                        .add(d.mul(keep));
                b.intoMemorySegment(buf, bOff + o, O);
                d = nesterov ? b.fma(FloatVector.broadcast(S, momentum), d) : b;
            }
            d.fma(FloatVector.broadcast(S, -lr), p).intoMemorySegment(param, pOff + o, O);
        }
        for (; i < to; i++) {
            long o = i * Float.BYTES;
            float p = param.get(F, pOff + o);
            float d = grad.get(F, gOff + o) + wd * p;
            if (momentum != 0f) {
                float b = first ? d : momentum * buf.get(F, bOff + o) + keep * d;
                buf.set(F, bOff + o, b);
                d = nesterov ? d + momentum * b : b;
            }
            param.set(F, pOff + o, p - lr * d);
        }
    }

    static void adam(
            MemorySegment param,
            long pOff,
            MemorySegment grad,
            long gOff,
            MemorySegment m,
            long mOff,
            MemorySegment v,
            long vOff,
            long from,
            long to,
            float lr,
            float beta1,
            float beta2,
            float eps,
            float wd,
            boolean decoupled,
            float stepSize,
            float bias2Sqrt) {
        long i = from;
        long vecTo = from + (to - from) / L * L;
        float oneMinusB1 = 1f - beta1;
        float oneMinusB2 = 1f - beta2;
        float decay = 1f - lr * wd;
        for (; i < vecTo; i += L) {
            long o = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, pOff + o, O);
            FloatVector g = FloatVector.fromMemorySegment(S, grad, gOff + o, O);
            if (decoupled) {
                p = p.mul(decay);
            } else if (wd != 0f) {
                g = p.fma(FloatVector.broadcast(S, wd), g);
            }
            FloatVector mi = FloatVector.fromMemorySegment(S, m, mOff + o, O);
            mi = g.sub(mi).fma(FloatVector.broadcast(S, oneMinusB1), mi);
            FloatVector vi =
                    FloatVector.fromMemorySegment(S, v, vOff + o, O)
                            .mul(beta2)
                            .add(g.mul(g).mul(oneMinusB2));
            mi.intoMemorySegment(m, mOff + o, O);
            vi.intoMemorySegment(v, vOff + o, O);
            FloatVector denom = vi.sqrt().div(bias2Sqrt).add(eps);
            mi.div(denom)
                    .fma(FloatVector.broadcast(S, -stepSize), p)
                    .intoMemorySegment(param, pOff + o, O);
        }
        for (; i < to; i++) {
            long o = i * Float.BYTES;
            float p = param.get(F, pOff + o);
            float g = grad.get(F, gOff + o);
            if (decoupled) {
                p *= decay;
            } else {
                g += wd * p;
            }
            float mi = m.get(F, mOff + o);
            mi += oneMinusB1 * (g - mi);
            float vi = beta2 * v.get(F, vOff + o) + oneMinusB2 * g * g;
            m.set(F, mOff + o, mi);
            v.set(F, vOff + o, vi);
            param.set(F, pOff + o, p - stepSize * (mi / ((float) Math.sqrt(vi) / bias2Sqrt + eps)));
        }
    }
}
