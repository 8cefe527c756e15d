package dev.vtrain.backend.scalar;

import dev.vtrain.backend.AdagradRule;
import dev.vtrain.backend.AdamRule;
import dev.vtrain.backend.RmspropRule;
import dev.vtrain.backend.SgdRule;
import dev.vtrain.backend.UpdateOps;
import dev.vtrain.backend.UpdateStep;
import dev.vtrain.tensor.Tensor;

/** Reference updates of {@link ScalarBackend}: plain loops, one thread. */
final class ScalarUpdateOps implements UpdateOps {
    private final ScalarBackend backend;

    ScalarUpdateOps(ScalarBackend backend) {
        this.backend = backend;
    }

    @Override
    public void sgd(
            Tensor param, Tensor momentumBuffer, Tensor grad, SgdRule rule, UpdateStep step) {
        backend.sgdUpdate(
                param,
                grad,
                step.gradScale(),
                momentumBuffer,
                step.lr(),
                rule.momentum(),
                rule.dampening(),
                rule.nesterov(),
                step.weightDecay(),
                step.firstStep());
    }

    @Override
    public void adam(
            Tensor param, Tensor m, Tensor v, Tensor grad, AdamRule rule, UpdateStep step) {
        backend.adamUpdate(
                param,
                grad,
                step.gradScale(),
                m,
                v,
                step.lr(),
                rule.beta1(),
                rule.beta2(),
                rule.eps(),
                step.weightDecay(),
                rule.decoupled(),
                step.stepSize(),
                step.bias2Sqrt());
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
        backend.rmspropUpdate(
                param,
                grad,
                step.gradScale(),
                squareAvg,
                gradAvg,
                momentumBuffer,
                step.lr(),
                rule.alpha(),
                rule.eps(),
                step.weightDecay(),
                rule.momentum(),
                rule.centered());
    }

    @Override
    public void adagrad(Tensor param, Tensor sum, Tensor grad, AdagradRule rule, UpdateStep step) {
        backend.adagradUpdate(
                param, grad, step.gradScale(), sum, step.lr(), rule.eps(), step.weightDecay());
    }
}
