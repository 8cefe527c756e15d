package dev.vtrain.nn;

/**
 * How a parameter's elements are ordered in the model's slab when that differs from its file
 * (PyTorch) order, e.g. a convolution weight kept as {@code (out, kh, kw, in)} for an NHWC GEMM but
 * saved as PyTorch's {@code (out, in, kh, kw)}. {@link Model#read} and {@link Model#write} are the
 * one place the conversion happens. Implementations are stateless and thread-safe.
 */
public interface StorageLayout {
    /** The identity: slab order is file order. */
    StorageLayout IDENTITY =
            new StorageLayout() {
                @Override
                public void toStorage(float[] file, float[] storage) {
                    System.arraycopy(file, 0, storage, 0, file.length);
                }

                @Override
                public void toFile(float[] storage, float[] file) {
                    System.arraycopy(storage, 0, file, 0, storage.length);
                }
            };

    /** Overwrites {@code storage} with {@code file}'s elements in slab order (same length). */
    void toStorage(float[] file, float[] storage);

    /** Overwrites {@code file} with {@code storage}'s elements in file order (same length). */
    void toFile(float[] storage, float[] file);
}
