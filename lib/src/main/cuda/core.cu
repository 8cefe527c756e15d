// vtrain's core CUDA kernels: the element-wise, loss and reduction ops of dev.vtrain.backend.Backend
// (GEMM goes to cuBLAS). Each kernel states what it overwrites and what it accumulates into, as the
// Java interface does. Reductions are deterministic: fixed per-block trees, then one block.
#include "vt_common.cuh"

// x[i, j] += bias[j] for a rows x cols row-major x.
extern "C" __global__ void vt_add_row_vector(float* x, const float* bias, long long n, int cols) {
    VT_FOR(i, n) { x[i] += bias[i % cols]; }
}

// dst[j] = beta * dst[j] + sum_i src[i, j]; beta 0 overwrites without reading. One thread per
// column, rows summed in order (as the scalar reference).
extern "C" __global__ void vt_sum_rows(const float* src, float* dst, int rows, int cols, float beta) {
    VT_FOR(j, (long long)cols) {
        float sum = 0.0f;
        for (int i = 0; i < rows; i++) sum += src[(long long)i * cols + j];
        dst[j] = (beta == 0.0f ? 0.0f : beta * dst[j]) + sum;
    }
}

// out = f(in), element-wise; may alias.
extern "C" __global__ void vt_activation(int f, const float* in, float* out, long long n) {
    VT_FOR(i, n) { out[i] = vt_activate(f, in[i]); }
}

// gradIn = gradOut * f'(x), through the forward output y = f(x); ReLU selects rather than
// multiplies. gradIn may alias gradOut.
extern "C" __global__ void vt_activation_backward(
        int f, const float* out, const float* gradOut, float* gradIn, long long n) {
    VT_FOR(i, n) {
        float y = out[i];
        float g = gradOut[i];
        float d;
        if (f == VT_RELU) {
            d = y > 0.0f ? g : 0.0f;
        } else if (f == VT_SIGMOID) {
            d = g * (y * (1.0f - y));
        } else {
            d = g * (1.0f - y * y);
        }
        gradIn[i] = d;
    }
}

// Records a bad label in error[0..3): 1 + row, the label's bits, the class count. The first row
// to claim error[0] writes the rest; the host reads them after the stream has drained.
__device__ __forceinline__ void vt_bad_label(int* error, int row, float label, int classes) {
    if (atomicCAS(error, 0, row + 1) == 0) {
        error[1] = __float_as_int(label);
        error[2] = classes;
    }
}

// The class index of a float label, or -1 (and the error recorded) when it is not an integer in
// [0, classes).
__device__ __forceinline__ int vt_label(const float* labels, int row, int classes, int* error) {
    float l = labels[row];
    int c = (int)l;
    if ((float)c != l || c < 0 || c >= classes) {
        vt_bad_label(error, row, l, classes);
        return -1;
    }
    return c;
}

// Fused softmax and cross-entropy, one thread per row: rowLoss[r] is overwritten with
// logsumexp(row) - row[label] (0 for a bad label); gradLogits, when not null, with
// (softmax(row) - onehot(label)) * gradScale.
extern "C" __global__ void vt_softmax_xent(
        const float* logits,
        const float* labels,
        float* gradLogits,
        float gradScale,
        float* rowLoss,
        int* error,
        int rows,
        int classes) {
    VT_FOR(r, (long long)rows) {
        const float* row = logits + r * classes;
        int target = vt_label(labels, (int)r, classes, error);
        float max = -INFINITY;
        for (int j = 0; j < classes; j++) max = fmaxf(max, row[j]);
        float sum = 0.0f;
        for (int j = 0; j < classes; j++) sum += expf(row[j] - max);
        rowLoss[r] = target < 0 ? 0.0f : logf(sum) + max - row[target];
        if (gradLogits != 0) {
            float inv = 1.0f / sum;
            float* g = gradLogits + r * classes;
            for (int j = 0; j < classes; j++) {
                float p = expf(row[j] - max) * inv;
                g[j] = (p - (j == target ? 1.0f : 0.0f)) * gradScale;
            }
        }
    }
}

// 1 where the row's first maximum equals its label, else 0, into rowHit[r].
extern "C" __global__ void vt_count_correct(
        const float* logits, const float* labels, float* rowHit, int rows, int classes) {
    VT_FOR(r, (long long)rows) {
        const float* row = logits + r * classes;
        int best = 0;
        for (int j = 1; j < classes; j++) {
            if (row[j] > row[best]) best = j;
        }
        rowHit[r] = (float)best == labels[r] ? 1.0f : 0.0f;
    }
}

// Squared error: partial[b] is overwritten with block b's sum of (pred - target)^2; grad, when not
// null, with 2 (pred - target) gradScale. Launched with VT_BLOCK threads.
extern "C" __global__ void vt_squared_error(
        const float* pred, const float* target, float* grad, float gradScale, float* partial,
        long long n) {
    __shared__ float s[VT_BLOCK];
    float sum = 0.0f;
    VT_FOR(i, n) {
        float d = pred[i] - target[i];
        sum += d * d;
        if (grad != 0) grad[i] = 2.0f * d * gradScale;
    }
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

// dst[0] += the sum of partial[0..n), in a fixed order. One block of VT_BLOCK threads.
extern "C" __global__ void vt_sum_into(const float* partial, long long n, float* dst) {
    __shared__ float s[VT_BLOCK];
    float sum = 0.0f;
    for (long long i = threadIdx.x; i < n; i += VT_BLOCK) sum += partial[i];
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    if (threadIdx.x == 0) dst[0] += s[0];
}

// partial[b] = block b's sum of x^2 in double. Launched with VT_BLOCK threads.
extern "C" __global__ void vt_sum_squares(const float* x, long long n, double* partial) {
    __shared__ double s[VT_BLOCK];
    double sum = 0.0;
    VT_FOR(i, n) {
        double v = x[i];
        sum += v * v;
    }
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

// out[0] = the sum of partial[0..n) in double, in a fixed order. One block of VT_BLOCK threads.
extern "C" __global__ void vt_sum_double(const double* partial, long long n, double* out) {
    __shared__ double s[VT_BLOCK];
    double sum = 0.0;
    for (long long i = threadIdx.x; i < n; i += VT_BLOCK) sum += partial[i];
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    if (threadIdx.x == 0) out[0] = s[0];
}

// L1: grad += lambda * sign(param) (sign(0) = 0); partial[b] = block b's sum of |param| in double.
// Launched with VT_BLOCK threads.
extern "C" __global__ void vt_add_l1(
        const float* param, float* grad, float lambda, long long n, double* partial) {
    __shared__ double s[VT_BLOCK];
    double sum = 0.0;
    VT_FOR(i, n) {
        float w = param[i];
        sum += fabs((double)w);
        float sign = w > 0.0f ? 1.0f : (w < 0.0f ? -1.0f : 0.0f);
        grad[i] += lambda * sign;
    }
    s[threadIdx.x] = sum;
    vt_block_sum(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

// x = x * s.
extern "C" __global__ void vt_scale(float* x, float s, long long n) {
    VT_FOR(i, n) { x[i] *= s; }
}

// out = a * b, element-wise; may alias.
extern "C" __global__ void vt_multiply(const float* a, const float* b, float* out, long long n) {
    VT_FOR(i, n) { out[i] = a[i] * b[i]; }
}

// out = a + b, element-wise; may alias.
extern "C" __global__ void vt_add(const float* a, const float* b, float* out, long long n) {
    VT_FOR(i, n) { out[i] = a[i] + b[i]; }
}

// x = min(max(x, lo), hi); NaN stays NaN.
extern "C" __global__ void vt_clamp(float* x, float lo, float hi, long long n) {
    VT_FOR(i, n) {
        float v = x[i];
        x[i] = v < lo ? lo : (v > hi ? hi : v);
    }
}

// MurmurHash3's 32-bit finaliser, as dev.vtrain.backend.DropoutHash.fmix32.
__device__ __forceinline__ unsigned int vt_fmix32(unsigned int h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

// Inverted-dropout factors: mask[i] = scale when DropoutHash.keep(key, i, threshold), else 0.
extern "C" __global__ void vt_dropout_mask(
        float* mask, int threshold, float scale, long long key, long long n) {
    unsigned int lo = (unsigned int)(unsigned long long)key;
    unsigned int hi = (unsigned int)((unsigned long long)key >> 32);
    VT_FOR(i, n) {
        unsigned int h = vt_fmix32(((unsigned int)i * 0x9E3779B9u) ^ lo);
        int draw = (int)(vt_fmix32(h ^ hi) >> 8);
        mask[i] = draw >= threshold ? scale : 0.0f;
    }
}
