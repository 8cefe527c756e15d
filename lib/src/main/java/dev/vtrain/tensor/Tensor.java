package dev.vtrain.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A contiguous, row-major float32 view of part of a {@link Storage}: storage, element offset and
 * shape. Tensors never own memory; whoever allocated the storage frees it. Not thread-safe: view
 * caches fill lazily without synchronization and the elements are plain memory; use a tensor on the
 * thread that owns its model or backend.
 *
 * <p>Every kernel reads a tensor as a matrix of {@link #rows()} × {@link #cols()}: the first
 * dimension is the row count (the batch, for activations), the product of the others the row
 * length. A rank-1 tensor of n elements is n rows of one column.
 *
 * <p>Views made by {@link #firstRows(int)} are cached, so a training loop that switches between a
 * few batch sizes allocates nothing after it has seen each size once.
 */
public final class Tensor {
    private final Storage storage;
    private final long offset;
    private final int[] shape;
    private final long size;
    private final long cols;
    private Tensor[] rowViews;
    private Tensor[] reshaped;

    private Tensor(Storage storage, long offset, int[] shape) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Negative dimension in shape " + format(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        this.size = n;
        this.cols = shape.length == 0 ? 1 : (shape[0] == 0 ? colsOf(shape) : n / shape[0]);
        if (offset < 0 || offset + n > storage.elements()) {
            throw new IllegalArgumentException(
                    "View "
                            + format(shape)
                            + " at offset "
                            + offset
                            + " does not fit in a storage of "
                            + storage.elements()
                            + " elements");
        }
    }

    private static long colsOf(int[] shape) {
        long c = 1;
        for (int i = 1; i < shape.length; i++) {
            c *= shape[i];
        }
        return c;
    }

    /**
     * A view of {@code storage} starting at element {@code offset} with the given shape.
     *
     * @throws IllegalArgumentException if the view does not fit or a dimension is negative
     */
    public static Tensor of(Storage storage, long offset, int... shape) {
        return new Tensor(storage, offset, shape.clone());
    }

    /** The storage this tensor views. */
    public Storage storage() {
        return storage;
    }

    /** Offset of the first element within the storage, in elements. */
    public long offset() {
        return offset;
    }

    /** Offset of the first element within the storage, in bytes. */
    public long byteOffset() {
        return offset * Float.BYTES;
    }

    /** The host segment of this tensor's storage (the whole storage, not just this view). */
    public MemorySegment segment() {
        if (storage instanceof HostStorage host) {
            return host.segment();
        }
        throw new IllegalStateException(
                "Tensor "
                        + this
                        + " lives in "
                        + storage.getClass().getSimpleName()
                        + ", not host memory");
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Total number of elements. */
    public long size() {
        return size;
    }

    /** First dimension (1 for a scalar). */
    public int rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Elements per row: the product of all dimensions but the first. */
    public int cols() {
        return (int) cols;
    }

    /**
     * A view of the first {@code n} rows (same storage and offset). Views are cached per row count.
     *
     * @throws IllegalArgumentException if {@code n} is negative or exceeds {@link #rows()}
     */
    public Tensor firstRows(int n) {
        if (shape.length == 0 || n < 0 || n > shape[0]) {
            throw new IllegalArgumentException(
                    "Cannot take the first " + n + " rows of a tensor of shape " + format(shape));
        }
        if (n == shape[0]) {
            return this;
        }
        if (rowViews == null) {
            rowViews = new Tensor[shape[0]];
        }
        Tensor view = rowViews[n];
        if (view == null) {
            int[] s = shape.clone();
            s[0] = n;
            view = new Tensor(storage, offset, s);
            rowViews[n] = view;
        }
        return view;
    }

    /**
     * A view of the same elements as a matrix of {@code size / cols} rows by {@code cols} columns,
     * e.g. {@code (B, T, C)} as {@code (B·T, C)} for an operation on the last dimension. Returns
     * this tensor when it already is that matrix; other views are cached (a few per tensor), so a
     * training loop allocates nothing after its first steps.
     *
     * @throws IllegalArgumentException if {@code cols} does not divide the element count
     */
    public Tensor matrix(int cols) {
        if (cols <= 0 || size % cols != 0) {
            throw new IllegalArgumentException(
                    "Cannot view a tensor of shape " + format(shape) + " as rows of " + cols);
        }
        if (shape.length == 2 && shape[1] == cols) {
            return this;
        }
        return cached(Math.toIntExact(size / cols), cols);
    }

    /**
     * A view of the same elements with {@code rows} first and the sample shape after, e.g. a (B,
     * 784) batch as (B, 1, 28, 28). Cached like {@link #matrix(int)}.
     *
     * @throws IllegalArgumentException if the element counts differ
     */
    public Tensor asBatch(Shape sample) {
        if ((long) rows() * sample.size() != size) {
            throw new IllegalArgumentException(
                    "Cannot view a tensor of shape "
                            + format(shape)
                            + " as "
                            + rows()
                            + " samples of shape "
                            + sample);
        }
        if (shape.length == sample.rank() + 1) {
            boolean same = true;
            for (int i = 0; i < sample.rank(); i++) {
                same &= shape[i + 1] == sample.dim(i);
            }
            if (same) {
                return this;
            }
        }
        if (reshaped != null) {
            for (Tensor t : reshaped) {
                if (t != null && t.shape.length == sample.rank() + 1 && t.rows() == rows()) {
                    boolean same = true;
                    for (int i = 0; i < sample.rank(); i++) {
                        same &= t.shape[i + 1] == sample.dim(i);
                    }
                    if (same) {
                        return t;
                    }
                }
            }
        }
        return remember(new Tensor(storage, offset, sample.withBatch(rows())));
    }

    private Tensor cached(int rows, int cols) {
        if (reshaped != null) {
            for (Tensor t : reshaped) {
                if (t != null && t.shape.length == 2 && t.shape[0] == rows && t.shape[1] == cols) {
                    return t;
                }
            }
        }
        return remember(new Tensor(storage, offset, new int[] {rows, cols}));
    }

    private Tensor remember(Tensor view) {
        if (reshaped == null) {
            reshaped = new Tensor[4];
        }
        for (int i = 0; i < reshaped.length; i++) {
            if (reshaped[i] == null) {
                reshaped[i] = view;
                return view;
            }
        }
        // More distinct views than slots: replace round-robin (allocates only in that case).
        System.arraycopy(reshaped, 1, reshaped, 0, reshaped.length - 1);
        reshaped[reshaped.length - 1] = view;
        return view;
    }

    /** Formats a shape the way PyTorch prints it, e.g. {@code (32, 784)}. */
    public static String format(int... shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    @Override
    public String toString() {
        return "Tensor" + format(shape);
    }
}
