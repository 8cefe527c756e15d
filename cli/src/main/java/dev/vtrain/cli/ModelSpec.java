package dev.vtrain.cli;

import dev.vtrain.backend.Activation;
import dev.vtrain.nn.ActivationLayer;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An MLP described by its hidden sizes and activation, as given on the command line. */
record ModelSpec(List<Integer> hidden, Activation activation) {
    static ModelSpec parse(String hidden, String activation) {
        List<Integer> sizes = new ArrayList<>();
        if (!hidden.isBlank() && !hidden.equals("none")) {
            for (String part : hidden.split(",", -1)) {
                int h;
                try {
                    h = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "Invalid --hidden '"
                                    + hidden
                                    + "': expected comma-separated layer sizes such as 256,128");
                }
                if (h < 1 || h > 1 << 20) {
                    throw new IllegalArgumentException(
                            "Invalid --hidden '"
                                    + hidden
                                    + "': layer size "
                                    + h
                                    + " must be in [1, 1048576]");
                }
                sizes.add(h);
            }
        }
        Activation a;
        try {
            a = Activation.valueOf(activation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Invalid --activation '" + activation + "' (expected relu, sigmoid or tanh)");
        }
        return new ModelSpec(List.copyOf(sizes), a);
    }

    Sequential build(int inputs, int outputs) {
        List<Layer> layers = new ArrayList<>();
        int in = inputs;
        for (int h : hidden) {
            layers.add(new Linear(in, h));
            layers.add(ActivationLayer.of(activation));
            in = h;
        }
        layers.add(new Linear(in, outputs));
        return new Sequential(layers);
    }
}
