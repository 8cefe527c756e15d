package dev.vtrain.backend.cuda;

import static dev.vtrain.backend.cuda.NativeCalls.ADDRESS;
import static dev.vtrain.backend.cuda.NativeCalls.INT;
import static dev.vtrain.backend.cuda.NativeCalls.LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The cuBLAS calls vtrain uses, bound by hand through FFM to {@code libcublas.so.13} or {@code .12}
 * (exported names {@code cublasCreate_v2}, {@code cublasSgemm_v2}, ...). Matrices are column-major
 * here, as in cuBLAS; {@link CudaGemm} maps vtrain's row-major tensors onto it. A non-zero status
 * throws {@link CudaException} with cuBLAS's name for it. Any thread may call it; a handle is used
 * by one thread at a time.
 */
final class Cublas {
    /** {@code CUBLAS_OP_N}. */
    static final int OP_N = 0;

    /** {@code CUBLAS_OP_T}. */
    static final int OP_T = 1;

    /** {@code CUBLAS_DEFAULT_MATH}: FP32 GEMM in FP32 (PyTorch's default, TF32 off). */
    static final int DEFAULT_MATH = 0;

    /** {@code CUBLAS_TF32_TENSOR_OP_MATH}: FP32 GEMM on TF32 tensor cores (opt-in). */
    static final int TF32_TENSOR_OP_MATH = 3;

    private final String origin;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle getVersion;
    private final MethodHandle setStream;
    private final MethodHandle setMathMode;
    private final MethodHandle sgemm;

    /**
     * Binds every symbol.
     *
     * @throws IllegalStateException naming the first missing symbol
     */
    Cublas(CudaLibraries.Loaded library) {
        NativeCalls lib = new NativeCalls(library);
        origin = library.origin();
        create = lib.function("cublasCreate_v2", ADDRESS);
        destroy = lib.function("cublasDestroy_v2", LONG);
        getVersion = lib.function("cublasGetVersion_v2", LONG, ADDRESS);
        setStream = lib.function("cublasSetStream_v2", LONG, LONG);
        setMathMode = lib.function("cublasSetMathMode", LONG, INT);
        sgemm =
                lib.function(
                        "cublasSgemm_v2",
                        LONG,
                        INT,
                        INT,
                        INT,
                        INT,
                        INT,
                        ADDRESS,
                        LONG,
                        INT,
                        LONG,
                        INT,
                        ADDRESS,
                        LONG,
                        INT);
    }

    /** Where the library came from. */
    String origin() {
        return origin;
    }

    static String statusName(int status) {
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS_" + status;
        };
    }

    private static void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, statusName(status));
        }
    }

    long create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            check("cublasCreate_v2", (int) create.invokeExact(out));
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void destroy(long handle) {
        try {
            check("cublasDestroy_v2", (int) destroy.invokeExact(handle));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    int version(long handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cublasGetVersion_v2", (int) getVersion.invokeExact(handle, out));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void setStream(long handle, long stream) {
        try {
            check("cublasSetStream_v2", (int) setStream.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    void setMathMode(long handle, int mode) {
        try {
            check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, mode));
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Column-major {@code C = alpha · op(A) · op(B) + beta · C}, {@code op(A)} m × k, {@code op(B)}
     * k × n; alpha and beta are read from host memory (the default pointer mode).
     */
    void sgemm(
            long handle,
            int transA,
            int transB,
            int m,
            int n,
            int k,
            MemorySegment alpha,
            long a,
            int lda,
            long b,
            int ldb,
            MemorySegment beta,
            long c,
            int ldc) {
        try {
            int status =
                    (int)
                            sgemm.invokeExact(
                                    handle, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                    ldc);
            check("cublasSgemm_v2", status);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }
}
