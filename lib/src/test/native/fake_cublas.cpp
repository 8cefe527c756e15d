// Test-only fake of the cuBLAS calls dev.vtrain.backend.cuda.Cublas binds: column-major SGEMM by
// the definition, with cuBLAS's argument checks (so a wrong row-major mapping fails as it would on
// a GPU: CUBLAS_STATUS_INVALID_VALUE for a leading dimension smaller than the rows it spans).
// Works on the fake driver's memory, which is host memory. Built by the tests with g++.
#include <cstddef>

extern "C" {

static int handle_sentinel;
static int math_mode = 0;

int fake_cublas_math_mode() { return math_mode; }

int cublasCreate_v2(void** handle) {
    *handle = &handle_sentinel;
    return 0;
}
int cublasDestroy_v2(void* handle) { return handle == &handle_sentinel ? 0 : 1; }
int cublasGetVersion_v2(void* handle, int* version) {
    *version = 130000;
    return handle == &handle_sentinel ? 0 : 1;
}
int cublasSetStream_v2(void* handle, void* stream) {
    return handle == &handle_sentinel && stream != nullptr ? 0 : 7;
}
int cublasSetMathMode(void* handle, int mode) {
    if (handle != &handle_sentinel) return 1;
    if (mode != 0 && mode != 3) return 7;
    math_mode = mode;
    return 0;
}

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha,
                   const float* A, int lda, const float* B, int ldb, const float* beta, float* C,
                   int ldc) {
    if (handle != &handle_sentinel) return 1;
    if ((transa != 0 && transa != 1) || (transb != 0 && transb != 1)) return 7;
    if (m < 0 || n < 0 || k < 0) return 7;
    int rowsA = transa ? k : m;
    int rowsB = transb ? n : k;
    if (lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1) ||
        ldc < (m > 1 ? m : 1)) {
        return 7;
    }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) {
                float a = transa ? A[p + (std::size_t)i * lda] : A[i + (std::size_t)p * lda];
                float b = transb ? B[j + (std::size_t)p * ldb] : B[p + (std::size_t)j * ldb];
                sum += a * b;
            }
            float* c = &C[i + (std::size_t)j * ldc];
            *c = *beta == 0.0f ? *alpha * sum : *alpha * sum + *beta * *c;
        }
    }
    return 0;
}

}  // extern "C"
