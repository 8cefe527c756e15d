package dev.vtrain.tensor;

import java.util.Arrays;

/**
 * The shape of one sample, without the batch dimension: {@code (features)} for a vector, {@code (T,
 * C)} for a sequence, {@code (C, H, W)} for an image (PyTorch's order; how a backend lays the
 * dimensions out in memory is stated by the layers that read them). Immutable; thread-safe.
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(
                        "Invalid shape " + Tensor.format(dims) + ": every dimension must be > 0");
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "Shape " + Tensor.format(dims) + " has more than 2^31 - 1 elements");
        }
        this.dims = dims;
        this.size = n;
    }

    /**
     * A sample shape of at least one positive dimension.
     *
     * @throws IllegalArgumentException if there are no dimensions or one is not positive
     */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("A sample shape needs at least one dimension");
        }
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end ({@code -1}: last). */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** The last dimension (features for a Linear). */
    public int last() {
        return dims[dims.length - 1];
    }

    /** Elements per sample. */
    public int size() {
        return (int) size;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** The same shape with the last dimension replaced. */
    public Shape withLast(int last) {
        int[] d = dims.clone();
        d[d.length - 1] = last;
        return new Shape(d);
    }

    /** The dimensions with {@code batch} in front, e.g. {@code (batch, C, H, W)}. */
    public int[] withBatch(int batch) {
        int[] d = new int[dims.length + 1];
        d[0] = batch;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** PyTorch's notation, e.g. {@code (1, 28, 28)} or {@code (784,)}. */
    @Override
    public String toString() {
        return Tensor.format(dims);
    }
}
