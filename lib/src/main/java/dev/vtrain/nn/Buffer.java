package dev.vtrain.nn;

import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * Non-trainable state saved with the model, as PyTorch's registered buffers (batch norm's {@code
 * running_mean}, {@code running_var} and {@code num_batches_tracked}). Lives in the model's buffer
 * slab; layers update it in training forwards. Its name, shape and slot are fixed when the model is
 * built; its values are unsynchronized slab memory, read and written on the thread that owns the
 * model (see {@link Model}).
 */
public final class Buffer {
    private final String name;
    private final int[] shape;
    private final float initial;
    private final boolean integer;
    private final SlabPlan.Slot slot;

    Buffer(String name, int[] shape, float initial, boolean integer, SlabPlan.Slot slot) {
        this.name = name;
        this.shape = shape.clone();
        this.initial = initial;
        this.integer = integer;
        this.slot = slot;
    }

    /** Dotted name, e.g. {@code 1.running_mean}. */
    public String name() {
        return name;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The value every element starts with. */
    public float initial() {
        return initial;
    }

    /** Whether PyTorch stores it as an integer ({@code int64}); vtrain keeps it as float32. */
    public boolean integer() {
        return integer;
    }

    /** The values (a view into the buffer slab). */
    public Tensor value() {
        return slot.tensor();
    }

    @Override
    public String toString() {
        return name + Tensor.format(shape);
    }
}
