package dev.vtrain.nn;

import dev.vtrain.tensor.SlabPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * What a layer may ask for while a model is built: parameters (values go to one slab and gradients
 * to a second slab with the same layout, so optimizers update both in one pass), caches of {@code
 * maxBatch} rows in the activation slab (such as a dropout mask), and a seed of its own.
 */
public final class LayerPlan {
    private final SlabPlan values = new SlabPlan();
    private final SlabPlan grads = new SlabPlan();
    private final SlabPlan activations;
    private final int maxBatch;
    private final long seed;
    private final List<Parameter> parameters = new ArrayList<>();
    private String prefix = "";
    private int layerIndex;

    LayerPlan(SlabPlan activations, int maxBatch, long seed) {
        this.activations = activations;
        this.maxBatch = maxBatch;
        this.seed = seed;
    }

    void layer(int index) {
        this.prefix = index + ".";
        this.layerIndex = index;
    }

    /** Declares a {@code maxBatch × cols} buffer the layer keeps between forward and backward. */
    public SlabPlan.Slot cache(String name, int cols) {
        return activations.add(prefix + name, maxBatch, cols);
    }

    /**
     * A seed for this layer's randomness, derived from the model's seed and the layer's position.
     */
    public long seed() {
        return dev.vtrain.backend.DropoutHash.key(seed, 1_000_003L * (layerIndex + 1));
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
