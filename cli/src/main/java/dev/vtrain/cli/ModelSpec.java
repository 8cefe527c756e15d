package dev.vtrain.cli;

import dev.vtrain.backend.Activation;
import dev.vtrain.nn.ActivationLayer;
import dev.vtrain.nn.Dropout;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An MLP described by its hidden sizes, activation and dropout, as given on the command line. */
record ModelSpec(List<Integer> hidden, Activation activation, float dropout) {
    static ModelSpec parse(String hidden, String activation, float dropout) {
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
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException(
                    "Invalid --dropout " + dropout + " (must be in [0, 1))");
        }
        return new ModelSpec(List.copyOf(sizes), a, dropout);
    }

    Sequential build(int inputs, int outputs) {
        List<Layer> layers = new ArrayList<>();
        int in = inputs;
        for (int h : hidden) {
            layers.add(new Linear(in, h));
            layers.add(ActivationLayer.of(activation));
            if (dropout > 0f) {
                layers.add(new Dropout(dropout));
            }
            in = h;
        }
        layers.add(new Linear(in, outputs));
        return new Sequential(layers);
    }

    String describe(int in, int out) {
        StringBuilder sb = new StringBuilder().append(in);
        for (int h : hidden) {
            sb.append('-').append(h);
        }
        sb.append('-')
                .append(out)
                .append(" MLP (")
                .append(activation.name().toLowerCase(Locale.ROOT));
        if (dropout > 0f) {
            sb.append(", dropout ").append(dropout);
        }
        return sb.append(')').toString();
    }
}
