// vtrain's optimizer updates on CUDA: dev.vtrain.backend.UpdateOps, one fused pass each. The
// parameters and the optimizer state are overwritten; the gradient is only read (scaled by
// gradScale as it is read).
#include "vt_common.cuh"

extern "C" __global__ void vt_sgd(
        float* param, float* momentumBuffer, const float* grad, float lr, float gradScale,
        float weightDecay, float momentum, float dampening, int nesterov, int firstStep,
        long long n) {
    VT_FOR(i, n) {
        float p = param[i];
        float d = grad[i] * gradScale + weightDecay * p;
        if (momentum != 0.0f) {
            float buf = firstStep ? d : momentum * momentumBuffer[i] + (1.0f - dampening) * d;
            momentumBuffer[i] = buf;
            d = nesterov ? d + momentum * buf : buf;
        }
        param[i] = p - lr * d;
    }
}

extern "C" __global__ void vt_adam(
        float* param, float* m, float* v, const float* grad, float lr, float gradScale,
        float weightDecay, float beta1, float beta2, float eps, int decoupled, float stepSize,
        float bias2Sqrt, long long n) {
    VT_FOR(i, n) {
        float p = param[i];
        float g = grad[i] * gradScale;
        if (decoupled) {
            p *= 1.0f - lr * weightDecay;
        } else {
            g += weightDecay * p;
        }
        float mi = m[i];
        mi += (1.0f - beta1) * (g - mi);
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = p - stepSize * (mi / (sqrtf(vi) / bias2Sqrt + eps));
    }
}

extern "C" __global__ void vt_rmsprop(
        float* param, float* squareAvg, float* gradAvg, float* momentumBuffer, const float* grad,
        float lr, float gradScale, float weightDecay, float alpha, float eps, float momentum,
        int centered, long long n) {
    VT_FOR(i, n) {
        float p = param[i];
        float g = grad[i] * gradScale + weightDecay * p;
        float sq = alpha * squareAvg[i] + (1.0f - alpha) * g * g;
        squareAvg[i] = sq;
        float avg;
        if (centered) {
            float ga = gradAvg[i];
            ga += (1.0f - alpha) * (g - ga);
            gradAvg[i] = ga;
            avg = sqrtf(sq - ga * ga) + eps;
        } else {
            avg = sqrtf(sq) + eps;
        }
        if (momentum > 0.0f) {
            float buf = momentum * momentumBuffer[i] + g / avg;
            momentumBuffer[i] = buf;
            param[i] = p - lr * buf;
        } else {
            param[i] = p - lr * (g / avg);
        }
    }
}

extern "C" __global__ void vt_adagrad(
        float* param, float* sum, const float* grad, float lr, float gradScale, float weightDecay,
        float eps, long long n) {
    VT_FOR(i, n) {
        float p = param[i];
        float g = grad[i] * gradScale + weightDecay * p;
        float s = sum[i] + g * g;
        sum[i] = s;
        param[i] = p - lr * (g / (sqrtf(s) + eps));
    }
}
