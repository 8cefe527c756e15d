// vtrain's normalisation family on CUDA (dev.vtrain.backend.NormOps): batch normalisation over the
// rows of an (r x C) matrix, PyTorch's semantics. Per-channel sums run in one block per channel:
// fixed strided partial sums in double, then a fixed tree, so the result does not depend on
// timing. The element-wise passes are separate kernels.
#include "vt_common.cuh"

// Training statistics, one block (VT_BLOCK threads) per channel: mean[c], rstd[c] = 1/sqrt(var +
// eps) with the biased variance; running mean and variance (unbiased) updated with momentum;
// block 0 adds 1 to tracked[0].
extern "C" __global__ void vt_bn_train_stats(const float* x, float* mean, float* rstd,
                                             float* runningMean, float* runningVar, float* tracked,
                                             long long rows, int channels, float eps,
                                             float momentum) {
    __shared__ double s[VT_BLOCK];
    int ch = blockIdx.x;
    double sum = 0.0;
    for (long long i = threadIdx.x; i < rows; i += VT_BLOCK) sum += x[i * channels + ch];
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    double m = s[0] / rows;
    __syncthreads();
    double sq = 0.0;
    for (long long i = threadIdx.x; i < rows; i += VT_BLOCK) {
        double d = x[i * channels + ch] - m;
        sq += d * d;
    }
    s[threadIdx.x] = sq;
    vt_block_sum(s);
    if (threadIdx.x == 0) {
        double var = s[0] / rows;
        mean[ch] = (float)m;
        rstd[ch] = (float)(1.0 / sqrt(var + eps));
        double unbiased = rows > 1 ? s[0] / (rows - 1) : var;
        runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * (float)m;
        runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * (float)unbiased;
        if (ch == 0) tracked[0] += 1.0f;
    }
}

// Evaluation statistics: mean = running mean, rstd = 1/sqrt(running var + eps), per channel.
extern "C" __global__ void vt_bn_eval_stats(float* mean, float* rstd, const float* runningMean,
                                            const float* runningVar, int channels, float eps) {
    VT_FOR(ch, (long long)channels) {
        mean[ch] = runningMean[ch];
        rstd[ch] = (float)(1.0 / sqrt((double)runningVar[ch] + (double)eps));
    }
}

// y = (x - mean) * rstd * gamma + beta, max(0, .) with relu; gamma and beta may be null.
extern "C" __global__ void vt_bn_apply(float* y, const float* x, const float* mean,
                                       const float* rstd, const float* gamma, const float* beta,
                                       int relu, long long n, int channels) {
    VT_FOR(e, n) {
        int ch = (int)(e % channels);
        float gm = gamma == 0 ? 1.0f : gamma[ch];
        float bt = beta == 0 ? 0.0f : beta[ch];
        float v = (x[e] - mean[ch]) * rstd[ch] * gm + bt;
        y[e] = relu && !(v > 0.0f) ? 0.0f : v;
    }
}

// Backward sums, one block (VT_BLOCK threads) per channel: with g = dy (0 where relu and y <= 0),
// sdy = sum g and sdyx = sum g * x_hat in double. gammaGrad/betaGrad (when not null) become
// beta * old + sum (beta 0 overwrites); meanDy[c] and meanDyx[c] are the sums over rows, or 0
// without batch statistics.
extern "C" __global__ void vt_bn_backward_sums(const float* dy, const float* x, const float* y,
                                               const float* mean, const float* rstd,
                                               float* gammaGrad, float* betaGrad, float gammaBeta,
                                               float biasBeta, float* meanDy, float* meanDyx,
                                               int relu, int batchStatistics, long long rows,
                                               int channels) {
    __shared__ double s[VT_BLOCK];
    __shared__ double t[VT_BLOCK];
    int ch = blockIdx.x;
    float m = mean[ch];
    float rs = rstd[ch];
    double sdy = 0.0;
    double sdyx = 0.0;
    for (long long i = threadIdx.x; i < rows; i += VT_BLOCK) {
        long long at = i * channels + ch;
        float g = relu && !(y[at] > 0.0f) ? 0.0f : dy[at];
        sdy += g;
        sdyx += g * ((x[at] - m) * rs);
    }
    s[threadIdx.x] = sdy;
    t[threadIdx.x] = sdyx;
    for (int stride = VT_BLOCK / 2; stride > 0; stride >>= 1) {
        __syncthreads();
        if (threadIdx.x < stride) {
            s[threadIdx.x] += s[threadIdx.x + stride];
            t[threadIdx.x] += t[threadIdx.x + stride];
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        if (gammaGrad != 0) {
            float old = gammaBeta == 0.0f ? 0.0f : gammaBeta * gammaGrad[ch];
            gammaGrad[ch] = old + (float)t[0];
        }
        if (betaGrad != 0) {
            float old = biasBeta == 0.0f ? 0.0f : biasBeta * betaGrad[ch];
            betaGrad[ch] = old + (float)s[0];
        }
        meanDy[ch] = batchStatistics ? (float)(s[0] / rows) : 0.0f;
        meanDyx[ch] = batchStatistics ? (float)(t[0] / rows) : 0.0f;
    }
}

// dx = gamma * rstd * (g - meanDy - x_hat * meanDyx), g as in vt_bn_backward_sums.
extern "C" __global__ void vt_bn_backward_dx(float* dx, const float* dy, const float* x,
                                             const float* y, const float* mean, const float* rstd,
                                             const float* gamma, const float* meanDy,
                                             const float* meanDyx, int relu, long long n,
                                             int channels) {
    VT_FOR(e, n) {
        int ch = (int)(e % channels);
        float gm = gamma == 0 ? 1.0f : gamma[ch];
        float k = gm * rstd[ch];
        float xh = (x[e] - mean[ch]) * rstd[ch];
        float g = relu && !(y[e] > 0.0f) ? 0.0f : dy[e];
        dx[e] = k * (g - meanDy[ch] - xh * meanDyx[ch]);
    }
}
