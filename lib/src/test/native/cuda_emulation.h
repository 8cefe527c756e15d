// Test-only: compiles vtrain's CUDA C kernels (lib/src/main/cuda/*.cu) as ordinary C++ so the fake
// driver (fake_cuda.cpp) can run them on the CPU. It covers exactly the subset the kernels use:
// __global__/__device__ functions, the thread and block indices, __shared__ arrays, __syncthreads,
// atomicCAS and the float/int bit cast. Blocks run one after another; within a block, a kernel
// that synchronises runs one host thread per CUDA thread, joined at each __syncthreads.
#pragma once
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstring>

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};

extern thread_local dim3 threadIdx;
extern thread_local dim3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
// One launch runs at a time and its blocks one after another, so a function-static array is
// exactly one block's shared memory.
#define __shared__ static

void __syncthreads();

inline int atomicCAS(int* address, int compare, int value) {
    __atomic_compare_exchange_n(address, &compare, value, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return compare;
}

using std::isnan;
using std::max;
using std::min;

inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, sizeof i);
    return i;
}
