package dev.vtrain.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Plans many tensors into one storage: callers {@link #add(String, int...) add} named shapes, then
 * {@link #allocate(LongFunction)} makes a single allocation and binds every {@link Slot}. Each
 * tensor starts on a 64-byte boundary (16 floats), so kernels see aligned rows and a slab can be
 * updated by one pass over its whole storage. Not thread-safe: a plan and its slots are built,
 * allocated and used by one thread, the one that owns the model or object the plan is for.
 */
public final class SlabPlan {
    private static final int ALIGN_ELEMENTS = (int) (HostStorage.ALIGNMENT / Float.BYTES);

    /** A planned tensor; {@link #tensor()} is valid once the plan is allocated. */
    public static final class Slot {
        private final String name;
        private final int[] shape;
        private final long offset;
        private Tensor tensor;

        private Slot(String name, int[] shape, long offset) {
            this.name = name;
            this.shape = shape;
            this.offset = offset;
        }

        /** The name given when planning. */
        public String name() {
            return name;
        }

        /** The bound tensor. */
        public Tensor tensor() {
            if (tensor == null) {
                throw new IllegalStateException(
                        "Slot " + name + " used before its slab was allocated");
            }
            return tensor;
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final boolean overlay;
    private long elements;
    private Storage storage;

    /** A plan that places tensors one after the other. */
    public SlabPlan() {
        this(false);
    }

    private SlabPlan(boolean overlay) {
        this.overlay = overlay;
    }

    /**
     * A plan that places every tensor at offset 0, so the slab is as large as its largest tensor:
     * for scratch that is only live within one call.
     */
    public static SlabPlan overlaid() {
        return new SlabPlan(true);
    }

    /** Adds a tensor of the given shape to the plan. */
    public Slot add(String name, int... shape) {
        if (storage != null) {
            throw new IllegalStateException("Slab already allocated; cannot add " + name);
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "Negative dimension for " + name + ": " + Tensor.format(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (overlay) {
            Slot slot = new Slot(name, shape.clone(), 0);
            slots.add(slot);
            elements = Math.max(elements, roundUp(n));
            return slot;
        }
        Slot slot = new Slot(name, shape.clone(), elements);
        slots.add(slot);
        elements = Math.addExact(elements, roundUp(n));
        return slot;
    }

    /**
     * A second slot over the memory of {@code base} with another shape of at most as many elements
     * (e.g. one buffer reused for gradients of differently shaped layers).
     *
     * @throws IllegalArgumentException if the shape needs more elements than {@code base} has
     */
    public Slot alias(Slot base, String name, int... shape) {
        if (storage != null) {
            throw new IllegalStateException("Slab already allocated; cannot add " + name);
        }
        long n = 1;
        long b = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        for (int d : base.shape) {
            b = Math.multiplyExact(b, d);
        }
        if (n > b || !slots.contains(base)) {
            throw new IllegalArgumentException(
                    "Cannot alias "
                            + name
                            + Tensor.format(shape)
                            + " onto "
                            + base.name
                            + Tensor.format(base.shape));
        }
        Slot slot = new Slot(name, shape.clone(), base.offset);
        slots.add(slot);
        return slot;
    }

    private static long roundUp(long n) {
        return (n + ALIGN_ELEMENTS - 1) / ALIGN_ELEMENTS * ALIGN_ELEMENTS;
    }

    /** Elements the plan needs so far, padding included. */
    public long elements() {
        return elements;
    }

    /**
     * Allocates the slab with {@code allocator} (given the element count) and binds every slot.
     *
     * @return the storage, owned by the caller
     */
    public Storage allocate(LongFunction<Storage> allocator) {
        if (storage != null) {
            throw new IllegalStateException("Slab already allocated");
        }
        storage = allocator.apply(elements);
        for (Slot s : slots) {
            s.tensor = Tensor.of(storage, s.offset, s.shape);
        }
        return storage;
    }

    /**
     * A rank-1 view of the whole slab (padding included), for passes that treat every element
     * alike, such as zeroing gradients or an optimizer update.
     */
    public Tensor whole() {
        if (storage == null) {
            throw new IllegalStateException("Slab not allocated yet");
        }
        return Tensor.of(storage, 0, Math.toIntExact(elements));
    }
}
