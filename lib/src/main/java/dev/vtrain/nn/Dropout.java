package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.DropoutHash;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * Inverted dropout as PyTorch's {@code nn.Dropout(p)}: in training, each element is zeroed with
 * probability p and the survivors are scaled by 1 / (1 - p), so the expectation is unchanged; in
 * evaluation it is the identity. Masks come from {@link DropoutHash} keyed by the layer's seed and
 * a counter of training forwards, so a run is reproducible from its seed and the counter is all the
 * state a checkpoint needs.
 */
public final class Dropout implements Layer {
    private final float p;
    private SlabPlan.Slot mask;
    private long seed;
    private long draws;
    private boolean lastWasTraining;

    /**
     * Dropout with probability {@code p}.
     *
     * @throws IllegalArgumentException unless 0 ≤ p ≤ 1
     */
    public Dropout(float p) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException(
                    "dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    /** The drop probability. */
    public float p() {
        return p;
    }

    @Override
    public int outFeatures(int inFeatures) {
        return inFeatures;
    }

    @Override
    public void declare(LayerPlan plan, int inFeatures) {
        mask = plan.cache("dropout_mask", inFeatures);
        seed = plan.seed();
    }

    /** Masks drawn so far (the layer's random state). */
    public long draws() {
        return draws;
    }

    /** Restores the random state saved from {@link #draws()}. */
    public void draws(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("Invalid dropout draw count " + value);
        }
        draws = value;
    }

    @Override
    public void forward(Backend backend, Tensor input, Tensor output, boolean training) {
        lastWasTraining = training && p > 0f;
        if (!lastWasTraining) {
            backend.copy(input, output);
            return;
        }
        Tensor m = mask.tensor().firstRows(input.rows());
        backend.dropoutMask(m, p, DropoutHash.key(seed, draws++));
        backend.multiply(input, m, output);
    }

    @Override
    public void backward(
            Backend backend, Tensor input, Tensor output, Tensor gradOutput, Tensor gradInput) {
        if (gradInput == null) {
            return;
        }
        if (!lastWasTraining) {
            backend.copy(gradOutput, gradInput);
            return;
        }
        backend.multiply(gradOutput, mask.tensor().firstRows(gradOutput.rows()), gradInput);
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
