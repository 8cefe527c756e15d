package dev.vtrain.backend.scalar;

import dev.vtrain.backend.AdagradRule;
import dev.vtrain.backend.AdamRule;
import dev.vtrain.backend.RmspropRule;
import dev.vtrain.backend.SgdRule;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.backend.UpdateOps;
import dev.vtrain.backend.UpdateStep;
import dev.vtrain.tensor.Tensor;

/** Reference updates: plain loops on one thread, in float as the other kernels. */
final class ScalarUpdateOps implements UpdateOps {
    private static final java.lang.foreign.ValueLayout.OfFloat F =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(F, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(F, t.offset() + i, v);
    }

    ScalarUpdateOps() {}

    @Override
    public void sgd(
            Tensor param, Tensor momentumBuffer, Tensor grad, SgdRule rule, UpdateStep step) {
        float gradScale = step.gradScale();
        float lr = step.lr();
        float momentum = rule.momentum();
        float dampening = rule.dampening();
        boolean nesterov = rule.nesterov();
        float weightDecay = step.weightDecay();
        boolean firstStep = step.firstStep();
        ShapeChecks.same("sgdUpdate", param, grad);
        for (long i = 0; i < param.size(); i++) {
            float p = get(param, i);
            float d = get(grad, i) * gradScale + weightDecay * p;
            if (momentum != 0f) {
                float buf =
                        firstStep ? d : momentum * get(momentumBuffer, i) + (1f - dampening) * d;
                set(momentumBuffer, i, buf);
                d = nesterov ? d + momentum * buf : buf;
            }
            set(param, i, p - lr * d);
        }
    }

    @Override
    public void adam(
            Tensor param, Tensor m, Tensor v, Tensor grad, AdamRule rule, UpdateStep step) {
        float gradScale = step.gradScale();
        float lr = step.lr();
        float beta1 = rule.beta1();
        float beta2 = rule.beta2();
        float eps = rule.eps();
        float weightDecay = step.weightDecay();
        boolean decoupledWeightDecay = rule.decoupled();
        float stepSize = step.stepSize();
        float bias2Sqrt = step.bias2Sqrt();
        ShapeChecks.same("adamUpdate", param, grad);
        for (long i = 0; i < param.size(); i++) {
            float p = get(param, i);
            float g = get(grad, i) * gradScale;
            if (decoupledWeightDecay) {
                p *= 1f - lr * weightDecay;
            } else {
                g += weightDecay * p;
            }
            float mi = get(m, i);
            mi += (1f - beta1) * (g - mi);
            float vi = beta2 * get(v, i) + (1f - beta2) * g * g;
            set(m, i, mi);
            set(v, i, vi);
            set(param, i, p - stepSize * (mi / ((float) Math.sqrt(vi) / bias2Sqrt + eps)));
        }
    }

    @Override
    public void rmsprop(
            Tensor param,
            Tensor squareAvg,
            Tensor gradAvg,
            Tensor momentumBuffer,
            Tensor grad,
            RmspropRule rule,
            UpdateStep step) {
        float gradScale = step.gradScale();
        float lr = step.lr();
        float alpha = rule.alpha();
        float eps = rule.eps();
        float weightDecay = step.weightDecay();
        float momentum = rule.momentum();
        boolean centered = rule.centered();
        ShapeChecks.same("rmspropUpdate", param, grad);
        for (long i = 0; i < param.size(); i++) {
            float p = get(param, i);
            float g = get(grad, i) * gradScale + weightDecay * p;
            float sq = alpha * get(squareAvg, i) + (1f - alpha) * g * g;
            set(squareAvg, i, sq);
            float avg;
            if (centered) {
                float ga = get(gradAvg, i);
                ga += (1f - alpha) * (g - ga);
                set(gradAvg, i, ga);
                avg = (float) Math.sqrt(sq - ga * ga) + eps;
            } else {
                avg = (float) Math.sqrt(sq) + eps;
            }
            if (momentum > 0f) {
                float buf = momentum * get(momentumBuffer, i) + g / avg;
                set(momentumBuffer, i, buf);
                set(param, i, p - lr * buf);
            } else {
                set(param, i, p - lr * (g / avg));
            }
        }
    }

    @Override
    public void adagrad(Tensor param, Tensor sum, Tensor grad, AdagradRule rule, UpdateStep step) {
        float gradScale = step.gradScale();
        float clr = step.lr();
        float eps = rule.eps();
        float weightDecay = step.weightDecay();
        ShapeChecks.same("adagradUpdate", param, grad);
        for (long i = 0; i < param.size(); i++) {
            float p = get(param, i);
            float g = get(grad, i) * gradScale + weightDecay * p;
            float s = get(sum, i) + g * g;
            set(sum, i, s);
            set(param, i, p - clr * (g / ((float) Math.sqrt(s) + eps)));
        }
    }
}
