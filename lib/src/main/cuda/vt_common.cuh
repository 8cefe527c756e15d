// Shared by vtrain's CUDA kernels (core.cu, updates.cu). Every kernel is extern "C" so its PTX
// entry keeps its name; element counts are long long, row and column counts int. Kernels that use
// __syncthreads() are launched with exactly VT_BLOCK threads per block.
#pragma once

#define VT_BLOCK 256

// A grid-stride loop over [0, n): correct for any grid size the host picks.
#define VT_FOR(i, n)                                                                      \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n);         \
         i += (long long)blockDim.x * gridDim.x)

// The activation codes of dev.vtrain.backend.Activation's ordinals.
#define VT_RELU 0
#define VT_SIGMOID 1
#define VT_TANH 2

__device__ __forceinline__ float vt_activate(int f, float x) {
    if (f == VT_RELU) return x > 0.0f ? x : 0.0f;
    if (f == VT_SIGMOID) return 1.0f / (1.0f + expf(-x));
    return tanhf(x);
}

// Sums VT_BLOCK values held one per thread in shared memory s, in a fixed tree order; the
// result is in s[0] for thread 0. Every thread of the block must call it.
template <typename T>
__device__ __forceinline__ void vt_block_sum(T* s) {
    for (int stride = VT_BLOCK / 2; stride > 0; stride >>= 1) {
        __syncthreads();
        if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
    }
    __syncthreads();
}
