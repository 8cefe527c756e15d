package dev.vtrain.nn;

import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A lookup table, as PyTorch's {@code nn.Embedding(num, dim)}: input {@code (T)} token ids (stored
 * as floats, integers in [0, num)), output {@code (T, dim)}; weight {@code (num, dim)} initialised
 * normal(0, 1) as PyTorch does. Ids are not differentiable: an input gradient, when asked for, is
 * zero. Build and run it on the thread that owns its model (see {@link Model}); {@link #declare}
 * stores per-model state, so an instance belongs to at most one model.
 */
public final class Embedding implements Layer {
    private final int num;
    private final int dim;
    private ParameterInit init = ParameterInit.normal(1.0);
    private SequenceOps ops;
    private ParameterUse weight;

    /**
     * An embedding of {@code num} entries of {@code dim} values.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public Embedding(int num, int dim) {
        if (num <= 0 || dim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding(num_embeddings="
                            + num
                            + ", embedding_dim="
                            + dim
                            + "): sizes must be positive");
        }
        this.num = num;
        this.dim = dim;
    }

    /** Replaces the normal(0, 1) initialisation; call before the model is built. */
    Embedding initialised(ParameterInit weights) {
        this.init = weights;
        return this;
    }

    /** Entries in the table (the vocabulary size). */
    public int num() {
        return num;
    }

    /** Values per entry. */
    public int dim() {
        return dim;
    }

    /**
     * The table, for tying it to an output layer ({@link Plan#use}).
     *
     * @throws IllegalStateException before the layer is part of a built model
     */
    public Parameter weight() {
        if (weight == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
        return weight.parameter();
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 1) {
            throw new IllegalArgumentException(this + ": expected token ids (T) but got " + input);
        }
        return Shape.of(input.dim(0), dim);
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
        weight = plan.param("weight", init, num, dim);
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        ops.embedding(y.matrix(dim), x, weight.value(), null, 1);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (!weight.frozen()) {
            ops.embeddingBackward(weight.grad(), weight.beta(step), null, 0f, dy.matrix(dim), x, 1);
        }
        if (dx != null) {
            step.backend().fill(dx, 0f);
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("num_embeddings", (long) num);
        a.put("embedding_dim", (long) dim);
        return LayerSpec.of("embedding", a);
    }

    @Override
    public String toString() {
        return "Embedding(" + num + ", " + dim + ")";
    }
}
