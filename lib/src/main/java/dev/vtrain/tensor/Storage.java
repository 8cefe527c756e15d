package dev.vtrain.tensor;

/**
 * A block of float32 elements owned by a backend. Host storages expose their memory through {@link
 * HostStorage#segment()}; other storages (for example GPU memory) are reachable only through their
 * backend's operations. Not synchronized: its elements are read and written through its backend, by
 * the one thread using that backend at a time (see {@link dev.vtrain.backend.Backend}); its owner
 * closes it once no tensor over it is in use.
 */
public interface Storage extends AutoCloseable {
    /** Number of float32 elements this storage holds. */
    long elements();

    /** Frees the memory. Tensors viewing it must not be used afterwards. Idempotent. */
    @Override
    void close();
}
