package dev.vtrain.backend.cuda;

import static dev.vtrain.backend.cuda.CudaBackend.grid;
import static dev.vtrain.backend.cuda.CudaBackend.pointer;

import dev.vtrain.backend.AdagradRule;
import dev.vtrain.backend.AdamRule;
import dev.vtrain.backend.RmspropRule;
import dev.vtrain.backend.SgdRule;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.backend.UpdateOps;
import dev.vtrain.backend.UpdateStep;
import dev.vtrain.tensor.Tensor;

/**
 * The optimizer updates as one kernel launch each ({@code lib/src/main/cuda/updates.cu}), on the
 * backend's stream. Allocates nothing per call; used by the backend's thread.
 */
final class CudaUpdateOps implements UpdateOps {
    private final CudaBackend backend;

    CudaUpdateOps(CudaBackend backend) {
        this.backend = backend;
    }

    /** A tensor's pointer, or 0 for a state tensor the rule does not use. */
    private static long optional(Tensor t) {
        return t == null ? 0L : pointer(t);
    }

    @Override
    public void sgd(
            Tensor param, Tensor momentumBuffer, Tensor grad, SgdRule rule, UpdateStep step) {
        ShapeChecks.same("sgdUpdate", param, grad);
        long n = param.size();
        if (n == 0) {
            return;
        }
        backend.args()
                .i64(pointer(param))
                .i64(rule.momentum() != 0f ? pointer(momentumBuffer) : 0L)
                .i64(pointer(grad))
                .f32(step.lr())
                .f32(step.gradScale())
                .f32(step.weightDecay())
                .f32(rule.momentum())
                .f32(rule.dampening())
                .i32(rule.nesterov() ? 1 : 0)
                .i32(step.firstStep() ? 1 : 0)
                .i64(n);
        backend.run(Kernel.SGD, grid(n));
    }

    @Override
    public void adam(
            Tensor param, Tensor m, Tensor v, Tensor grad, AdamRule rule, UpdateStep step) {
        ShapeChecks.same("adamUpdate", param, grad);
        long n = param.size();
        if (n == 0) {
            return;
        }
        backend.args()
                .i64(pointer(param))
                .i64(pointer(m))
                .i64(pointer(v))
                .i64(pointer(grad))
                .f32(step.lr())
                .f32(step.gradScale())
                .f32(step.weightDecay())
                .f32(rule.beta1())
                .f32(rule.beta2())
                .f32(rule.eps())
                .i32(rule.decoupled() ? 1 : 0)
                .f32(step.stepSize())
                .f32(step.bias2Sqrt())
                .i64(n);
        backend.run(Kernel.ADAM, grid(n));
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
        ShapeChecks.same("rmspropUpdate", param, grad);
        long n = param.size();
        if (n == 0) {
            return;
        }
        backend.args()
                .i64(pointer(param))
                .i64(pointer(squareAvg))
                .i64(rule.centered() ? optional(gradAvg) : 0L)
                .i64(rule.momentum() > 0f ? optional(momentumBuffer) : 0L)
                .i64(pointer(grad))
                .f32(step.lr())
                .f32(step.gradScale())
                .f32(step.weightDecay())
                .f32(rule.alpha())
                .f32(rule.eps())
                .f32(rule.momentum())
                .i32(rule.centered() ? 1 : 0)
                .i64(n);
        backend.run(Kernel.RMSPROP, grid(n));
    }

    @Override
    public void adagrad(Tensor param, Tensor sum, Tensor grad, AdagradRule rule, UpdateStep step) {
        ShapeChecks.same("adagradUpdate", param, grad);
        long n = param.size();
        if (n == 0) {
            return;
        }
        backend.args()
                .i64(pointer(param))
                .i64(pointer(sum))
                .i64(pointer(grad))
                .f32(step.lr())
                .f32(step.gradScale())
                .f32(step.weightDecay())
                .f32(rule.eps())
                .i64(n);
        backend.run(Kernel.ADAGRAD, grid(n));
    }
}
