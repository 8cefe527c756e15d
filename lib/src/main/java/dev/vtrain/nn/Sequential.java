package dev.vtrain.nn;

import java.util.List;

/**
 * Layers applied in order, as PyTorch's {@code nn.Sequential}; parameters are named by position
 * ({@code 0.weight}, {@code 2.bias}, …) so weights line up with a PyTorch {@code state_dict}.
 */
public final class Sequential {
    private final List<Layer> layers;

    /**
     * A sequence of at least one layer.
     *
     * @throws IllegalArgumentException if there are no layers
     */
    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    /** A sequence of at least one layer. */
    public Sequential(List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("Sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    /** The layers, in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Output features for {@code inFeatures} inputs, checking every layer's input. */
    public int outFeatures(int inFeatures) {
        int f = inFeatures;
        for (Layer l : layers) {
            f = l.outFeatures(f);
        }
        return f;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Sequential(\n");
        for (int i = 0; i < layers.size(); i++) {
            sb.append("  (").append(i).append("): ").append(layers.get(i)).append('\n');
        }
        return sb.append(')').toString();
    }
}
