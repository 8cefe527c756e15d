package dev.vtrain.nn;

import dev.vtrain.tensor.Tensor;

/**
 * One layer's use of a {@link Parameter}. With weight tying a parameter has several uses; the model
 * decides when it is built which use writes the gradient first in backward order (that use
 * overwrites it when the backward pass overwrites gradients; later ones accumulate), so no zeroing
 * pass is needed and no contribution is lost. Not synchronized: the model sets it up when it is
 * built and its layer reads it in backward, both on the thread that owns the model (see {@link
 * Model}).
 */
public final class ParameterUse {
    private final Parameter parameter;
    private boolean first;

    ParameterUse(Parameter parameter) {
        this.parameter = parameter;
    }

    void firstInBackwardOrder(boolean value) {
        this.first = value;
    }

    /** The parameter. */
    public Parameter parameter() {
        return parameter;
    }

    /** Its values. */
    public Tensor value() {
        return parameter.value();
    }

    /** Its gradient. */
    public Tensor grad() {
        return parameter.grad();
    }

    /** Whether the parameter is frozen (compute no gradient for it). */
    public boolean frozen() {
        return parameter.frozen();
    }

    /**
     * The factor on the gradient's old value for this use in {@code step}: 0 (overwrite) for the
     * first use in backward order when the step overwrites gradients, otherwise 1 (accumulate).
     */
    public float beta(Step step) {
        return first && !step.accumulate() ? 0f : 1f;
    }
}
