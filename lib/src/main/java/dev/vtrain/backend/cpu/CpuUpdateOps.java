package dev.vtrain.backend.cpu;

import dev.vtrain.backend.AdagradRule;
import dev.vtrain.backend.AdamRule;
import dev.vtrain.backend.RmspropRule;
import dev.vtrain.backend.SgdRule;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.backend.UpdateOps;
import dev.vtrain.backend.UpdateStep;
import dev.vtrain.tensor.Tensor;

/** Vector API updates of {@link CpuBackend}: one fused pass per range, split across its pool. */
final class CpuUpdateOps implements UpdateOps {
    private final CpuBackend backend;

    CpuUpdateOps(CpuBackend backend) {
        this.backend = backend;
    }

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
        UpdateJob j = backend.updateJob;
        j.kind = UpdateJob.Kind.SGD;
        j.n = param.size();
        j.s0 = param.segment();
        j.o0 = param.byteOffset();
        j.s1 = grad.segment();
        j.o1 = grad.byteOffset();
        j.gradScale = gradScale;
        if (momentum != 0f) {
            ShapeChecks.same("sgdUpdate", param, momentumBuffer);
            j.s2 = momentumBuffer.segment();
            j.o2 = momentumBuffer.byteOffset();
        }
        j.lr = lr;
        j.momentum = momentum;
        j.dampening = dampening;
        j.nesterov = nesterov;
        j.weightDecay = weightDecay;
        j.flag = firstStep;
        backend.runUpdate();
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
        ShapeChecks.same("adamUpdate", param, m);
        ShapeChecks.same("adamUpdate", param, v);
        UpdateJob j = backend.updateJob;
        j.kind = UpdateJob.Kind.ADAM;
        j.n = param.size();
        j.s0 = param.segment();
        j.o0 = param.byteOffset();
        j.s1 = grad.segment();
        j.o1 = grad.byteOffset();
        j.gradScale = gradScale;
        j.s2 = m.segment();
        j.o2 = m.byteOffset();
        j.s3 = v.segment();
        j.o3 = v.byteOffset();
        j.lr = lr;
        j.beta1 = beta1;
        j.beta2 = beta2;
        j.eps = eps;
        j.weightDecay = weightDecay;
        j.flag = decoupledWeightDecay;
        j.stepSize = stepSize;
        j.bias2Sqrt = bias2Sqrt;
        backend.runUpdate();
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
        ShapeChecks.same("rmspropUpdate", param, squareAvg);
        UpdateJob j = backend.updateJob;
        j.kind = UpdateJob.Kind.RMSPROP;
        j.n = param.size();
        j.s0 = param.segment();
        j.o0 = param.byteOffset();
        j.s1 = grad.segment();
        j.o1 = grad.byteOffset();
        j.gradScale = gradScale;
        j.s2 = squareAvg.segment();
        j.o2 = squareAvg.byteOffset();
        if (centered) {
            ShapeChecks.same("rmspropUpdate", param, gradAvg);
            j.s3 = gradAvg.segment();
            j.o3 = gradAvg.byteOffset();
        }
        if (momentum > 0f) {
            ShapeChecks.same("rmspropUpdate", param, momentumBuffer);
            j.s4 = momentumBuffer.segment();
            j.o4 = momentumBuffer.byteOffset();
        }
        j.lr = lr;
        j.alpha = alpha;
        j.eps = eps;
        j.weightDecay = weightDecay;
        j.momentum = momentum;
        j.flag = centered;
        backend.runUpdate();
    }

    @Override
    public void adagrad(Tensor param, Tensor sum, Tensor grad, AdagradRule rule, UpdateStep step) {
        float gradScale = step.gradScale();
        float clr = step.lr();
        float eps = rule.eps();
        float weightDecay = step.weightDecay();
        ShapeChecks.same("adagradUpdate", param, grad);
        ShapeChecks.same("adagradUpdate", param, sum);
        UpdateJob j = backend.updateJob;
        j.kind = UpdateJob.Kind.ADAGRAD;
        j.n = param.size();
        j.s0 = param.segment();
        j.o0 = param.byteOffset();
        j.s1 = grad.segment();
        j.o1 = grad.byteOffset();
        j.gradScale = gradScale;
        j.s2 = sum.segment();
        j.o2 = sum.byteOffset();
        j.lr = clr;
        j.eps = eps;
        j.weightDecay = weightDecay;
        backend.runUpdate();
    }
}
