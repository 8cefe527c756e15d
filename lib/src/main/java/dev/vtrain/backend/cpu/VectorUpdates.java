package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer updates: each reads parameter, gradient and state once and writes parameter and
 * state once, over the element range [from, to) of slabs that share one layout. The gradient is
 * read as {@code gs · grad} ({@code gs} is the clip-by-norm factor, 1 when not clipping), so
 * clipping costs no pass of its own. Formulas and operation order follow {@link
 * dev.vtrain.backend.scalar.ScalarBackend}.
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
            float gs,
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
            if (gs != 1f) {
                d = d.mul(gs);
            }
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
            float d = grad.get(F, gOff + o) * gs + wd * p;
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
            float gs,
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
            if (gs != 1f) {
                g = g.mul(gs);
            }
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
            float g = grad.get(F, gOff + o) * gs;
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

    static void rmsprop(
            MemorySegment param,
            long pOff,
            MemorySegment grad,
            long gOff,
            float gs,
            MemorySegment sq,
            long sqOff,
            MemorySegment ga,
            long gaOff,
            MemorySegment buf,
            long bOff,
            long from,
            long to,
            float lr,
            float alpha,
            float eps,
            float wd,
            float momentum,
            boolean centered) {
        long i = from;
        long vecTo = from + (to - from) / L * L;
        float oneMinusAlpha = 1f - alpha;
        for (; i < vecTo; i += L) {
            long o = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, pOff + o, O);
            FloatVector g = FloatVector.fromMemorySegment(S, grad, gOff + o, O);
            if (gs != 1f) {
                g = g.mul(gs);
            }
            if (wd != 0f) {
                g = p.fma(FloatVector.broadcast(S, wd), g);
            }
            FloatVector s =
                    FloatVector.fromMemorySegment(S, sq, sqOff + o, O)
                            .mul(alpha)
                            .add(g.mul(g).mul(oneMinusAlpha));
            s.intoMemorySegment(sq, sqOff + o, O);
            FloatVector avg;
            if (centered) {
                FloatVector a = FloatVector.fromMemorySegment(S, ga, gaOff + o, O);
                a = g.sub(a).mul(oneMinusAlpha).add(a);
                a.intoMemorySegment(ga, gaOff + o, O);
                avg = s.sub(a.mul(a)).sqrt().add(eps);
            } else {
                avg = s.sqrt().add(eps);
            }
            if (momentum > 0f) {
                FloatVector b =
                        FloatVector.fromMemorySegment(S, buf, bOff + o, O)
                                .mul(momentum)
                                .add(g.div(avg));
                b.intoMemorySegment(buf, bOff + o, O);
                p.sub(b.mul(lr)).intoMemorySegment(param, pOff + o, O);
            } else {
                p.sub(g.div(avg).mul(lr)).intoMemorySegment(param, pOff + o, O);
            }
        }
        for (; i < to; i++) {
            long o = i * Float.BYTES;
            float p = param.get(F, pOff + o);
            float g = grad.get(F, gOff + o) * gs + wd * p;
            float s = alpha * sq.get(F, sqOff + o) + oneMinusAlpha * g * g;
            sq.set(F, sqOff + o, s);
            float avg;
            if (centered) {
                float a = ga.get(F, gaOff + o);
                a += oneMinusAlpha * (g - a);
                ga.set(F, gaOff + o, a);
                avg = (float) Math.sqrt(s - a * a) + eps;
            } else {
                avg = (float) Math.sqrt(s) + eps;
            }
            if (momentum > 0f) {
                float b = momentum * buf.get(F, bOff + o) + g / avg;
                buf.set(F, bOff + o, b);
                param.set(F, pOff + o, p - lr * b);
            } else {
                param.set(F, pOff + o, p - lr * (g / avg));
            }
        }
    }

    static void adagrad(
            MemorySegment param,
            long pOff,
            MemorySegment grad,
            long gOff,
            float gs,
            MemorySegment sum,
            long sOff,
            long from,
            long to,
            float clr,
            float eps,
            float wd) {
        long i = from;
        long vecTo = from + (to - from) / L * L;
        for (; i < vecTo; i += L) {
            long o = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, pOff + o, O);
            FloatVector g = FloatVector.fromMemorySegment(S, grad, gOff + o, O);
            if (gs != 1f) {
                g = g.mul(gs);
            }
            if (wd != 0f) {
                g = p.fma(FloatVector.broadcast(S, wd), g);
            }
            FloatVector s = g.fma(g, FloatVector.fromMemorySegment(S, sum, sOff + o, O));
            s.intoMemorySegment(sum, sOff + o, O);
            p.sub(g.div(s.sqrt().add(eps)).mul(clr)).intoMemorySegment(param, pOff + o, O);
        }
        for (; i < to; i++) {
            long o = i * Float.BYTES;
            float p = param.get(F, pOff + o);
            float g = grad.get(F, gOff + o) * gs + wd * p;
            float s = sum.get(F, sOff + o) + g * g;
            sum.set(F, sOff + o, s);
            param.set(F, pOff + o, p - clr * (g / ((float) Math.sqrt(s) + eps)));
        }
    }
}
