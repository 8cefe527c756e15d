package dev.vtrain.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap host memory: one zero-filled, 64-byte aligned segment from a shared arena (so worker
 * threads may touch it), freed by {@link #close()}.
 */
public final class HostStorage implements Storage {
    /** Alignment of every host allocation, in bytes (one cache line, one 512-bit vector). */
    public static final long ALIGNMENT = 64;

    private final Arena arena;
    private final MemorySegment segment;
    private final long elements;

    private HostStorage(Arena arena, MemorySegment segment, long elements) {
        this.arena = arena;
        this.segment = segment;
        this.elements = elements;
    }

    /**
     * Allocates {@code elements} zeroed float32 values.
     *
     * @throws IllegalArgumentException if {@code elements} is negative or too large
     */
    // The arena's ownership passes to the returned storage, which closes it in close().
    @SuppressWarnings("MustBeClosedChecker")
    public static HostStorage allocate(long elements) {
        if (elements < 0 || elements > Long.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException(
                    "Invalid storage size: " + elements + " elements (must be in [0, 2^61))");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment segment = arena.allocate(Math.max(1, elements) * Float.BYTES, ALIGNMENT);
            return new HostStorage(arena, segment, elements);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /** The whole segment; a tensor's elements start at {@link Tensor#byteOffset()} in it. */
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
