package dev.vtrain.nn;

import dev.vtrain.tensor.SlabPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the parameters layers declare while a model is built: values go to one slab and
 * gradients to a second slab with the same layout, so optimizers update both in one pass.
 */
public final class ParameterPlan {
    private final SlabPlan values = new SlabPlan();
    private final SlabPlan grads = new SlabPlan();
    private final List<Parameter> parameters = new ArrayList<>();
    private String prefix = "";

    void prefix(String prefix) {
        this.prefix = prefix;
    }

    /** Declares a parameter named {@code prefix + name} (e.g. {@code 0.weight}). */
    public Parameter add(String name, ParameterInit init, int... shape) {
        String full = prefix + name;
        Parameter p =
                new Parameter(full, shape, init, values.add(full, shape), grads.add(full, shape));
        parameters.add(p);
        return p;
    }

    SlabPlan values() {
        return values;
    }

    SlabPlan grads() {
        return grads;
    }

    List<Parameter> parameters() {
        return parameters;
    }
}
