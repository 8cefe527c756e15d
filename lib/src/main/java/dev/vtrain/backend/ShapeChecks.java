package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * Argument checks shared by every backend, so all of them reject bad shapes with one message.
 * Stateless; any thread may call it.
 */
public final class ShapeChecks {
    private ShapeChecks() {}

    /** Checks {@code c = op(a) · op(b)} shapes. */
    public static void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB) {
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException(
                    "gemm: op(a) is "
                            + m
                            + "×"
                            + ka
                            + ", op(b) is "
                            + kb
                            + "×"
                            + n
                            + ": expected c of "
                            + m
                            + "×"
                            + n
                            + " and equal inner sizes, but c is "
                            + c.rows()
                            + "×"
                            + c.cols());
        }
    }

    /** Checks that two tensors hold the same number of elements in the same rows × cols layout. */
    public static void same(String op, Tensor x, Tensor y) {
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            throw new IllegalArgumentException(
                    op + ": expected equal shapes but got " + x + " and " + y);
        }
    }

    /** Checks that {@code vector} has exactly {@code n} elements. */
    public static void length(String op, Tensor vector, long n) {
        if (vector.size() != n) {
            throw new IllegalArgumentException(
                    op
                            + ": expected "
                            + n
                            + " elements but got "
                            + vector.size()
                            + " in "
                            + vector);
        }
    }

    /** Checks logits (batch × classes) against labels (batch) and an optional gradient. */
    public static void classification(String op, Tensor logits, Tensor labels, Tensor grad) {
        if (labels.size() != logits.rows()) {
            throw new IllegalArgumentException(
                    op
                            + ": expected "
                            + logits.rows()
                            + " labels (one per row of "
                            + logits
                            + ") but got "
                            + labels.size());
        }
        if (grad != null) {
            same(op, logits, grad);
        }
    }

    /** Checks the host array range of an upload or download. */
    public static void hostRange(String op, float[] array, int offset, long n) {
        if (offset < 0 || offset + n > array.length) {
            throw new IllegalArgumentException(
                    op
                            + ": host range ["
                            + offset
                            + ", "
                            + (offset + n)
                            + ") is outside an array of "
                            + array.length);
        }
    }

    /** Throws the error for a label that is not a valid class index. */
    public static IllegalArgumentException badLabel(float label, int row, int classes) {
        return new IllegalArgumentException(
                "Label "
                        + label
                        + " in row "
                        + row
                        + " is not a class index in [0, "
                        + classes
                        + ") — check the label column and the model's output size");
    }

    /**
     * The token id stored as the float {@code v} at {@code row}.
     *
     * @throws IllegalArgumentException if it is not an integer in [0, vocab)
     */
    public static int tokenId(String op, float v, int vocab, long row) {
        int id = (int) v;
        if (id != v || id < 0 || id >= vocab) {
            throw new IllegalArgumentException(
                    op
                            + ": token id "
                            + v
                            + " at position "
                            + row
                            + " is not an integer in [0, "
                            + vocab
                            + ")");
        }
        return id;
    }
}
