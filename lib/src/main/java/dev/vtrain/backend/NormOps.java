package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * The normalisation op family: batch normalisation over the rows of an {@code (r × C)} matrix (for
 * images, {@code r = n·H·W} channels-last rows), PyTorch's semantics: biased batch variance for
 * normalising, unbiased variance for the running estimate, momentum-weighted running statistics and
 * a batch counter. Per-channel sums are computed in a fixed order whatever the thread count. Used
 * by the backend's thread; allocates nothing per call.
 */
public interface NormOps {
    /**
     * Training forward: overwrites {@code mean} and {@code rstd} (C each: batch mean and {@code 1 /
     * sqrt(var + eps)}) and {@code y = (x - mean) · rstd · gamma + beta} ({@code max(0, …)} with
     * {@code a.relu()}); updates {@code a.runningMean()}/{@code a.runningVar()} with {@code
     * momentum} and adds 1 to {@code a.tracked()}.
     */
    void batchNormTrain(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd);

    /**
     * Evaluation forward with the running statistics: overwrites {@code y}, and {@code mean} and
     * {@code rstd} with the running mean and {@code 1 / sqrt(running_var + eps)} (for a backward
     * pass in evaluation mode).
     */
    void batchNormEval(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd);

    /**
     * Backward of {@link #batchNormTrain}: {@code dgamma = Σ dy·x̂} and {@code dbeta = Σ dy} go to
     * {@code a.gammaGrad()}/{@code a.betaGrad()} as {@code grad = beta·grad + value} ({@code beta}
     * 0 overwrites; a null gradient tensor is skipped); {@code dx}, when not null, is overwritten
     * with {@code gamma·rstd·(dy - mean(dy) - x̂·mean(dy·x̂))}; with {@code a.relu()}, {@code dy}
     * counts only where the forward output {@code y} is positive (a backend may read {@code y} or
     * recompute the mask from {@code x} with the forward's arithmetic); without {@code
     * batchStatistics} (after an evaluation forward, whose statistics are constants) with {@code
     * gamma·rstd·dy}.
     */
    void batchNormBackward(
            BatchNormArgs a,
            Tensor dx,
            Tensor dy,
            Tensor x,
            Tensor y,
            Tensor mean,
            Tensor rstd,
            float gammaBeta,
            float biasBeta,
            boolean batchStatistics);
}
