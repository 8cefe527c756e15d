package dev.vtrain.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code void** kernelParams} of {@code cuLaunchKernel}, reused for every launch: one 8-byte
 * slot per argument and a fixed array of pointers to the slots. The driver copies the values when
 * the kernel is launched, so the next launch may refill them at once. Filled in argument order
 * after {@link #begin()}; allocates nothing. Used by the backend's thread only.
 */
final class KernelArguments {
    static final int MAX = 24;

    private final MemorySegment values;
    private final MemorySegment pointers;
    private int count;

    KernelArguments(Arena arena) {
        values = arena.allocate(8L * MAX, 8);
        pointers = arena.allocate(ValueLayout.ADDRESS, MAX);
        for (int i = 0; i < MAX; i++) {
            pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(8L * i, 8));
        }
    }

    KernelArguments begin() {
        count = 0;
        return this;
    }

    private long slot() {
        if (count == MAX) {
            throw new IllegalStateException("more than " + MAX + " kernel arguments");
        }
        return 8L * count++;
    }

    /** A device pointer ({@code T*}) or a {@code long long}. */
    KernelArguments i64(long v) {
        values.set(ValueLayout.JAVA_LONG, slot(), v);
        return this;
    }

    /** An {@code int}. */
    KernelArguments i32(int v) {
        long at = slot();
        values.set(ValueLayout.JAVA_LONG, at, 0L);
        values.set(ValueLayout.JAVA_INT, at, v);
        return this;
    }

    /** A {@code float}. */
    KernelArguments f32(float v) {
        long at = slot();
        values.set(ValueLayout.JAVA_LONG, at, 0L);
        values.set(ValueLayout.JAVA_FLOAT, at, v);
        return this;
    }

    /** The pointer array to pass as {@code kernelParams}. */
    MemorySegment pointers() {
        return pointers;
    }
}
