package dev.vtrain.backend.cuda;

import static dev.vtrain.backend.cuda.CudaBackend.grid;
import static dev.vtrain.backend.cuda.CudaBackend.pointer;

import dev.vtrain.backend.BatchNormArgs;
import dev.vtrain.backend.NormOps;
import dev.vtrain.tensor.Tensor;

/**
 * Batch normalisation on the GPU ({@code lib/src/main/cuda/norm.cu}): per-channel statistics and
 * backward sums in one block per channel (fixed order, deterministic), then an element-wise pass.
 * The backward's per-channel means live in the backend's row scratch between its two launches.
 * Allocates nothing per call once the scratch has grown to 2·C floats; used by the backend's
 * thread.
 */
final class CudaNormOps implements NormOps {
    private final CudaBackend backend;

    CudaNormOps(CudaBackend backend) {
        this.backend = backend;
    }

    private static long optional(Tensor t) {
        return t == null ? 0L : pointer(t);
    }

    private void apply(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        backend.args()
                .i64(pointer(y))
                .i64(pointer(x))
                .i64(pointer(mean))
                .i64(pointer(rstd))
                .i64(optional(a.gamma()))
                .i64(optional(a.beta()))
                .i32(a.relu() ? 1 : 0)
                .i64(x.size())
                .i32(a.channels());
        backend.run(Kernel.BN_APPLY, grid(x.size()));
    }

    @Override
    public void batchNormTrain(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        int c = a.channels();
        long rows = x.size() / c;
        backend.args()
                .i64(pointer(x))
                .i64(pointer(mean))
                .i64(pointer(rstd))
                .i64(pointer(a.runningMean()))
                .i64(pointer(a.runningVar()))
                .i64(pointer(a.tracked()))
                .i64(rows)
                .i32(c)
                .f32(a.eps())
                .f32(a.momentum());
        backend.run(Kernel.BN_TRAIN_STATS, c);
        if (x.size() > 0) {
            apply(a, y, x, mean, rstd);
        }
    }

    @Override
    public void batchNormEval(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        int c = a.channels();
        backend.args()
                .i64(pointer(mean))
                .i64(pointer(rstd))
                .i64(pointer(a.runningMean()))
                .i64(pointer(a.runningVar()))
                .i32(c)
                .f32(a.eps());
        backend.run(Kernel.BN_EVAL_STATS, grid(c));
        if (x.size() > 0) {
            apply(a, y, x, mean, rstd);
        }
    }

    @Override
    public void batchNormBackward(
            BatchNormArgs a,
            Tensor dx,
            Tensor dy,
            Tensor x,
            Tensor y,
            Tensor mean,
            Tensor rstd,
            float gammaBeta,
            float biasBeta,
            boolean batchStatistics) {
        int c = a.channels();
        long rows = x.size() / c;
        long means = backend.rowScratch(2L * c);
        long meanDy = means;
        long meanDyx = means + (long) c * Float.BYTES;
        // y is read only for the fused ReLU's mask; without it any valid pointer will do.
        long yPointer = a.relu() ? pointer(y) : pointer(x);
        backend.args()
                .i64(pointer(dy))
                .i64(pointer(x))
                .i64(yPointer)
                .i64(pointer(mean))
                .i64(pointer(rstd))
                .i64(optional(a.gammaGrad()))
                .i64(optional(a.betaGrad()))
                .f32(gammaBeta)
                .f32(biasBeta)
                .i64(meanDy)
                .i64(meanDyx)
                .i32(a.relu() ? 1 : 0)
                .i32(batchStatistics ? 1 : 0)
                .i64(rows)
                .i32(c);
        backend.run(Kernel.BN_BACKWARD_SUMS, c);
        if (dx != null && x.size() > 0) {
            backend.args()
                    .i64(pointer(dx))
                    .i64(pointer(dy))
                    .i64(pointer(x))
                    .i64(yPointer)
                    .i64(pointer(mean))
                    .i64(pointer(rstd))
                    .i64(optional(a.gamma()))
                    .i64(meanDy)
                    .i64(meanDyx)
                    .i32(a.relu() ? 1 : 0)
                    .i64(x.size())
                    .i32(c);
            backend.run(Kernel.BN_BACKWARD_DX, grid(x.size()));
        }
    }
}
