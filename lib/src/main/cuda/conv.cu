// vtrain's convolution and pooling family on CUDA (dev.vtrain.backend.ConvOps), channels-last:
// a sample is H*W*C values at (h*W + w)*C + c. One thread per output element; the adjoints
// (col2im, pooling backward) gather instead of scattering, adding each input's contributions in
// the scalar reference's order, so they need no atomics and are deterministic.
#include "vt_common.cuh"

// The fields of dev.vtrain.backend.ConvGeometry.
struct VtConv {
    int h, w, c, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow;
};

// cols (n*oh*ow x patch) = the zero-padded patches of group `group`'s channels of x (n x xcols);
// a patch row is ordered (ki, kj, channel).
extern "C" __global__ void vt_im2col(float* cols, const float* x, int n, int xcols, VtConv g,
                                     int group) {
    int cg = g.c / g.groups;
    long long patch = (long long)g.kh * g.kw * cg;
    long long total = (long long)n * g.oh * g.ow * patch;
    VT_FOR(e, total) {
        long long row = e / patch;
        int col = (int)(e % patch);
        int ch = col % cg;
        int kj = (col / cg) % g.kw;
        int ki = col / (cg * g.kw);
        int s = (int)(row / (g.oh * g.ow));
        int rem = (int)(row % (g.oh * g.ow));
        int i = rem / g.ow;
        int j = rem % g.ow;
        int hi = i * g.sh - g.ph + ki * g.dh;
        int wi = j * g.sw - g.pw + kj * g.dw;
        bool inside = hi >= 0 && hi < g.h && wi >= 0 && wi < g.w;
        cols[e] = inside ? x[(long long)s * xcols + ((long long)hi * g.w + wi) * g.c + group * cg + ch]
                         : 0.0f;
    }
}

// The adjoint of vt_im2col: group `group`'s channels of dx (n x dxcols) are overwritten with the
// sum of the dcols entries that read them, in increasing output position (the reference's order).
extern "C" __global__ void vt_col2im(float* dx, const float* dcols, int n, int dxcols, VtConv g,
                                     int group) {
    int cg = g.c / g.groups;
    long long patch = (long long)g.kh * g.kw * cg;
    long long total = (long long)n * g.h * g.w * cg;
    VT_FOR(e, total) {
        int ch = (int)(e % cg);
        long long p = e / cg;
        int wi = (int)(p % g.w);
        int hi = (int)((p / g.w) % g.h);
        int s = (int)(p / ((long long)g.w * g.h));
        float sum = 0.0f;
        for (int ki = g.kh - 1; ki >= 0; ki--) {
            int top = hi + g.ph - ki * g.dh;
            if (top < 0 || top % g.sh != 0) continue;
            int i = top / g.sh;
            if (i >= g.oh) continue;
            for (int kj = g.kw - 1; kj >= 0; kj--) {
                int left = wi + g.pw - kj * g.dw;
                if (left < 0 || left % g.sw != 0) continue;
                int j = left / g.sw;
                if (j >= g.ow) continue;
                long long row = ((long long)s * g.oh + i) * g.ow + j;
                sum += dcols[row * patch + ((long long)ki * g.kw + kj) * cg + ch];
            }
        }
        dx[(long long)s * dxcols + ((long long)hi * g.w + wi) * g.c + group * cg + ch] = sum;
    }
}

// dst (rows x k) = columns [offset, offset + k) of src (rows x srcCols).
extern "C" __global__ void vt_gather_columns(float* dst, const float* src, int rows, int k,
                                             int srcCols, int offset) {
    VT_FOR(e, (long long)rows * k) {
        long long r = e / k;
        dst[e] = src[r * srcCols + offset + e % k];
    }
}

// Columns [offset, offset + k) of dst (rows x dstCols) = src (rows x k).
extern "C" __global__ void vt_scatter_columns(float* dst, const float* src, int rows, int k,
                                              int dstCols, int offset) {
    VT_FOR(e, (long long)rows * k) {
        long long r = e / k;
        dst[r * dstCols + offset + e % k] = src[e];
    }
}

// The fields of dev.vtrain.backend.PoolGeometry.
struct VtPool {
    int h, w, c, kh, kw, sh, sw, ph, pw, oh, ow, adaptive;
};

__device__ __forceinline__ int vt_row_start(const VtPool& g, int i) {
    return g.adaptive ? i * g.h / g.oh : i * g.sh - g.ph;
}
__device__ __forceinline__ int vt_row_end(const VtPool& g, int i) {
    return g.adaptive ? ((i + 1) * g.h + g.oh - 1) / g.oh : i * g.sh - g.ph + g.kh;
}
__device__ __forceinline__ int vt_col_start(const VtPool& g, int j) {
    return g.adaptive ? j * g.w / g.ow : j * g.sw - g.pw;
}
__device__ __forceinline__ int vt_col_end(const VtPool& g, int j) {
    return g.adaptive ? ((j + 1) * g.w + g.ow - 1) / g.ow : j * g.sw - g.pw + g.kw;
}
__device__ __forceinline__ int vt_divisor(const VtPool& g, int i, int j) {
    return g.adaptive ? (vt_row_end(g, i) - vt_row_start(g, i)) * (vt_col_end(g, j) - vt_col_start(g, j))
                      : g.kh * g.kw;
}

// The output rows [lo, hi] whose windows may hold input row r (all rows when adaptive).
__device__ __forceinline__ void vt_rows_covering(const VtPool& g, int r, int* lo, int* hi) {
    if (g.adaptive) {
        *lo = 0;
        *hi = g.oh - 1;
        return;
    }
    int top = r + g.ph - g.kh + 1;
    *lo = top <= 0 ? 0 : (top + g.sh - 1) / g.sh;
    *hi = min(g.oh - 1, (r + g.ph) / g.sh);
}
__device__ __forceinline__ void vt_cols_covering(const VtPool& g, int q, int* lo, int* hi) {
    if (g.adaptive) {
        *lo = 0;
        *hi = g.ow - 1;
        return;
    }
    int left = q + g.pw - g.kw + 1;
    *lo = left <= 0 ? 0 : (left + g.sw - 1) / g.sw;
    *hi = min(g.ow - 1, (q + g.pw) / g.sw);
}

// Max pooling: y (n x oh*ow*C) and, when not null, argmax (the index within the sample of the
// first maximum, as a float); a NaN wins; padding never does.
extern "C" __global__ void vt_max_pool(float* y, float* argmax, const float* x, int n, VtPool g) {
    long long ycols = (long long)g.oh * g.ow * g.c;
    long long xcols = (long long)g.h * g.w * g.c;
    VT_FOR(e, (long long)n * ycols) {
        int ch = (int)(e % g.c);
        long long p = (e % ycols) / g.c;
        int j = (int)(p % g.ow);
        int i = (int)(p / g.ow);
        long long s = e / ycols;
        int r0 = max(0, vt_row_start(g, i));
        int r1 = min(g.h, vt_row_end(g, i));
        int c0 = max(0, vt_col_start(g, j));
        int c1 = min(g.w, vt_col_end(g, j));
        float best = -INFINITY;
        int at = (r0 * g.w + c0) * g.c + ch;
        for (int hi = r0; hi < r1; hi++) {
            for (int wi = c0; wi < c1; wi++) {
                int idx = (hi * g.w + wi) * g.c + ch;
                float v = x[s * xcols + idx];
                if (v > best || isnan(v)) {
                    best = v;
                    at = idx;
                }
            }
        }
        y[e] = best;
        if (argmax != 0) argmax[e] = (float)at;
    }
}

// dx = dy routed to the saved argmax positions, summed in increasing output position.
extern "C" __global__ void vt_max_pool_backward(float* dx, const float* dy, const float* argmax,
                                                int n, VtPool g) {
    long long ycols = (long long)g.oh * g.ow * g.c;
    long long xcols = (long long)g.h * g.w * g.c;
    VT_FOR(e, (long long)n * xcols) {
        int idx = (int)(e % xcols);
        long long s = e / xcols;
        int ch = idx % g.c;
        int q = (idx / g.c) % g.w;
        int r = idx / (g.c * g.w);
        int i0, i1, j0, j1;
        vt_rows_covering(g, r, &i0, &i1);
        vt_cols_covering(g, q, &j0, &j1);
        float sum = 0.0f;
        for (int i = i0; i <= i1; i++) {
            for (int j = j0; j <= j1; j++) {
                long long o = s * ycols + ((long long)i * g.ow + j) * g.c + ch;
                if ((int)argmax[o] == idx) sum += dy[o];
            }
        }
        dx[e] = sum;
    }
}

// Average pooling (padding counts as zeros for fixed windows): y, the window's sum in double over
// its divisor.
extern "C" __global__ void vt_avg_pool(float* y, const float* x, int n, VtPool g) {
    long long ycols = (long long)g.oh * g.ow * g.c;
    long long xcols = (long long)g.h * g.w * g.c;
    VT_FOR(e, (long long)n * ycols) {
        int ch = (int)(e % g.c);
        long long p = (e % ycols) / g.c;
        int j = (int)(p % g.ow);
        int i = (int)(p / g.ow);
        long long s = e / ycols;
        int r0 = max(0, vt_row_start(g, i));
        int r1 = min(g.h, vt_row_end(g, i));
        int c0 = max(0, vt_col_start(g, j));
        int c1 = min(g.w, vt_col_end(g, j));
        double sum = 0.0;
        for (int hi = r0; hi < r1; hi++) {
            for (int wi = c0; wi < c1; wi++) {
                sum += x[s * xcols + ((long long)hi * g.w + wi) * g.c + ch];
            }
        }
        y[e] = (float)(sum / vt_divisor(g, i, j));
    }
}

// The adjoint of vt_avg_pool: each input gathers dy / divisor from the windows that hold it.
extern "C" __global__ void vt_avg_pool_backward(float* dx, const float* dy, int n, VtPool g) {
    long long ycols = (long long)g.oh * g.ow * g.c;
    long long xcols = (long long)g.h * g.w * g.c;
    VT_FOR(e, (long long)n * xcols) {
        int idx = (int)(e % xcols);
        long long s = e / xcols;
        int ch = idx % g.c;
        int q = (idx / g.c) % g.w;
        int r = idx / (g.c * g.w);
        int i0, i1, j0, j1;
        vt_rows_covering(g, r, &i0, &i1);
        vt_cols_covering(g, q, &j0, &j1);
        float sum = 0.0f;
        for (int i = i0; i <= i1; i++) {
            if (r < vt_row_start(g, i) || r >= vt_row_end(g, i)) continue;
            for (int j = j0; j <= j1; j++) {
                if (q < vt_col_start(g, j) || q >= vt_col_end(g, j)) continue;
                sum += dy[s * ycols + ((long long)i * g.ow + j) * g.c + ch] / vt_divisor(g, i, j);
            }
        }
        dx[e] = sum;
    }
}

// Per sample, dst = src's (c, hw) matrix transposed to (hw, c); with inverse, the other way.
extern "C" __global__ void vt_transpose_samples(float* dst, const float* src, int n, int c, int hw,
                                                int inverse) {
    long long per = (long long)c * hw;
    VT_FOR(e, (long long)n * per) {
        long long base = (e / per) * per;
        int k = (int)(e % per);
        int ch = k / hw;
        int p = k % hw;
        long long first = base + (long long)ch * hw + p;
        long long last = base + (long long)p * c + ch;
        if (inverse) {
            dst[first] = src[last];
        } else {
            dst[last] = src[first];
        }
    }
}
