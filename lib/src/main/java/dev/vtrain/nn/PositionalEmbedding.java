package dev.vtrain.nn;

import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Learned absolute positions: {@code y[t] = x[t] + weight[t]} for input {@code (T, dim)} with
 * {@code T ≤ length}; weight {@code (length, dim)} initialised normal(0, 1) (PyTorch's {@code
 * nn.Embedding(length, dim)} applied to {@code arange(T)} and added). Rows of the weight past T get
 * zero gradient. Build and run it on the thread that owns its model (see {@link Model}); {@link
 * #declare} stores per-model state, so an instance belongs to at most one model.
 */
public final class PositionalEmbedding implements Layer {
    private final int length;
    private final int dim;
    private ParameterUse weight;
    private int used;
    private Tensor valueRow;
    private Tensor gradRow;
    private Tensor gradTail;

    /**
     * Positions {@code 0 … length-1} of {@code dim} values.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public PositionalEmbedding(int length, int dim) {
        if (length <= 0 || dim <= 0) {
            throw new IllegalArgumentException(
                    "PositionalEmbedding(length="
                            + length
                            + ", dim="
                            + dim
                            + "): sizes must be positive");
        }
        this.length = length;
        this.dim = dim;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.last() != dim || input.dim(0) > length) {
            throw new IllegalArgumentException(
                    this + ": expected input (T ≤ " + length + ", " + dim + ") but got " + input);
        }
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        weight = plan.param("weight", ParameterInit.normal(1.0), length, dim);
        used = input.dim(0);
    }

    private void views() {
        if (valueRow == null) {
            valueRow = weight.value().firstRows(used).matrix(used * dim);
            gradRow = weight.grad().firstRows(used).matrix(used * dim);
            if (used < length) {
                Tensor g = weight.grad();
                gradTail =
                        Tensor.of(g.storage(), g.offset() + (long) used * dim, length - used, dim);
            }
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        views();
        if (x != y) {
            step.backend().copy(x, y);
        }
        step.backend().addRowVector(y.matrix(used * dim), valueRow);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        views();
        if (!weight.frozen()) {
            float beta = weight.beta(step);
            step.backend().sumRows(dy.matrix(used * dim), gradRow, beta);
            if (gradTail != null && beta == 0f) {
                step.backend().fill(gradTail, 0f);
            }
        }
        if (dx != null && dx != dy) {
            step.backend().copy(dy, dx);
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("length", (long) length);
        a.put("dim", (long) dim);
        return LayerSpec.of("positional_embedding", a);
    }

    @Override
    public String toString() {
        return "PositionalEmbedding(" + length + ", " + dim + ")";
    }
}
