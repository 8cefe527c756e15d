package dev.vtrain.backend.cuda;

import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * vtrain's row-major GEMM on column-major cuBLAS, the one place the mapping lives.
 *
 * <p>A row-major r × c matrix with row stride c is, read column-major, its c × r transpose with
 * leading dimension c. So for row-major {@code C (m × n) = α·op(A)·op(B) + β·C}, take the transpose
 * of both sides: {@code Cᵀ = α·op(B)ᵀ·op(A)ᵀ + β·Cᵀ}. Column-major, {@code Cᵀ} is C's own memory (n
 * × m, ldc = n); {@code op(B)ᵀ} is B's memory read as {@code Bᵀ} with cuBLAS's op {@code N} when B
 * is not transposed (and {@code T} when it is), ldb = B's column count; the same for A. Hence
 * {@code cublasSgemm(opB, opA, n, m, k, α, B, cols(B), A, cols(A), β, C, n)}: the operands swap, m
 * and n swap, the transpose flags travel with their operands. Example: {@code Y[M,N] =
 * X[M,K]·W[N,K]ᵀ} becomes {@code cublasSgemm(T, N, N, M, K, α, W, K, X, K, β, Y, N)}.
 *
 * <p>alpha and beta live in host memory held here. One instance per backend; used by its thread.
 */
final class CudaGemm {
    private final CudaContext context;
    private final MemorySegment alpha;
    private final MemorySegment beta;

    CudaGemm(CudaContext context, Arena arena) {
        this.context = context;
        this.alpha = arena.allocate(ValueLayout.JAVA_FLOAT);
        this.beta = arena.allocate(ValueLayout.JAVA_FLOAT);
    }

    /** {@code c = alpha · op(a) · op(b) + beta · c}, all row-major (see the class comment). */
    void gemm(
            Tensor c,
            Tensor a,
            boolean transA,
            Tensor b,
            boolean transB,
            float alphaValue,
            float betaValue) {
        ShapeChecks.gemm(c, a, transA, b, transB);
        int m = c.rows();
        int n = c.cols();
        int k = transA ? a.rows() : a.cols();
        if (m == 0 || n == 0) {
            return;
        }
        alpha.set(ValueLayout.JAVA_FLOAT, 0, alphaValue);
        beta.set(ValueLayout.JAVA_FLOAT, 0, betaValue);
        context.cublas.sgemm(
                context.cublasHandle(),
                transB ? Cublas.OP_T : Cublas.OP_N,
                transA ? Cublas.OP_T : Cublas.OP_N,
                n,
                m,
                k,
                alpha,
                CudaBackend.pointer(b),
                Math.max(1, b.cols()),
                CudaBackend.pointer(a),
                Math.max(1, a.cols()),
                beta,
                CudaBackend.pointer(c),
                Math.max(1, n));
    }
}
