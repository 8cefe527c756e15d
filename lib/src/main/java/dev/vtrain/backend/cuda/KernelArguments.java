package dev.vtrain.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code void** kernelParams} of {@code cuLaunchKernel}, reused for every launch: the argument
 * values in 8-byte slots (a struct argument takes as many consecutive slots as it needs) and an
 * array with each argument's slot address. The driver copies the values when the kernel is
 * launched, so the next launch may refill them at once. Filled in argument order after {@link
 * #begin()}; allocates nothing. Used by the backend's thread only.
 */
final class KernelArguments {
    static final int MAX = 48;

    private final MemorySegment values;
    private final long valuesAddress;
    private final MemorySegment pointers;
    private int slots;
    private int params;

    KernelArguments(Arena arena) {
        values = arena.allocate(8L * MAX, 8);
        valuesAddress = values.address();
        pointers = arena.allocate(ValueLayout.ADDRESS, MAX);
    }

    KernelArguments begin() {
        slots = 0;
        params = 0;
        return this;
    }

    /** The byte offset of the next argument, which takes {@code n} slots. */
    private long slot(int n) {
        if (slots + n > MAX) {
            throw new IllegalStateException("more than " + MAX + " kernel argument slots");
        }
        long at = 8L * slots;
        pointers.setAtIndex(ValueLayout.JAVA_LONG, params++, valuesAddress + at);
        slots += n;
        return at;
    }

    private long slot() {
        return slot(1);
    }

    /**
     * The {@code VtConv} struct of {@code conv.cu} (fourteen ints, {@link
     * dev.vtrain.backend.ConvGeometry}'s fields and the output size).
     */
    KernelArguments conv(dev.vtrain.backend.ConvGeometry g) {
        long at = slot(7);
        putInt(at, 0, g.h());
        putInt(at, 1, g.w());
        putInt(at, 2, g.c());
        putInt(at, 3, g.kh());
        putInt(at, 4, g.kw());
        putInt(at, 5, g.sh());
        putInt(at, 6, g.sw());
        putInt(at, 7, g.ph());
        putInt(at, 8, g.pw());
        putInt(at, 9, g.dh());
        putInt(at, 10, g.dw());
        putInt(at, 11, g.groups());
        putInt(at, 12, g.oh());
        putInt(at, 13, g.ow());
        return this;
    }

    /**
     * The {@code VtPool} struct of {@code conv.cu} (twelve ints, {@link
     * dev.vtrain.backend.PoolGeometry}).
     */
    KernelArguments pool(dev.vtrain.backend.PoolGeometry g) {
        long at = slot(6);
        putInt(at, 0, g.h());
        putInt(at, 1, g.w());
        putInt(at, 2, g.c());
        putInt(at, 3, g.kh());
        putInt(at, 4, g.kw());
        putInt(at, 5, g.sh());
        putInt(at, 6, g.sw());
        putInt(at, 7, g.ph());
        putInt(at, 8, g.pw());
        putInt(at, 9, g.oh());
        putInt(at, 10, g.ow());
        putInt(at, 11, g.adaptive() ? 1 : 0);
        return this;
    }

    private void putInt(long at, int index, int v) {
        values.set(ValueLayout.JAVA_INT, at + 4L * index, v);
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
