/**
 * The CUDA backend: the CUDA driver API and cuBLAS called through the Foreign Function &amp; Memory
 * API (no JNI, no native code in vtrain's jars), tensors resident in device memory, and the
 * element-wise, loss, reduction, optimizer, convolution, pooling and batch-norm kernels as PTX
 * compiled from {@code lib/src/main/cuda/*.cu}. Nothing here is loaded unless CUDA is probed or
 * selected. {@link dev.vtrain.backend.cuda.CudaProbe} says whether a usable GPU is present and why
 * not; {@link dev.vtrain.backend.cuda.CudaBackend} is the backend. One thread at a time uses a
 * backend and its context, as for every backend.
 */
package dev.vtrain.backend.cuda;
