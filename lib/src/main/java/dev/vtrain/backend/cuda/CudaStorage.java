package dev.vtrain.backend.cuda;

import dev.vtrain.tensor.Storage;

/**
 * Device memory for {@code elements} float32 values, allocated by a {@link CudaBackend} and
 * reachable only through it. Closing frees it (idempotent); once its backend is closed the backend
 * has freed it already, and closing only marks it. Used by the backend's thread.
 */
public final class CudaStorage implements Storage {
    private final CudaContext context;
    private final long pointer;
    private final long elements;
    private boolean closed;

    CudaStorage(CudaContext context, long pointer, long elements) {
        this.context = context;
        this.pointer = pointer;
        this.elements = elements;
    }

    /** The device address of element 0. */
    long pointer() {
        if (closed) {
            throw new IllegalStateException("CUDA storage of " + elements + " floats is closed");
        }
        return pointer;
    }

    CudaContext context() {
        return context;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            context.free(pointer, elements * Float.BYTES);
        }
    }
}
