package dev.vtrain.backend.cuda;

/**
 * A CUDA driver or cuBLAS call that returned an error: the call, the numeric code and the library's
 * name for it (e.g. {@code cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2)}). Immutable.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    CudaException(String call, int code, String name) {
        super(call + ": " + name + " (" + code + ")");
        this.code = code;
    }

    /** The library's numeric status code. */
    public int code() {
        return code;
    }
}
