package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of parameters sharing optimizer settings, as a PyTorch {@code param_group}: a learning-rate
 * scale (multiplied into the optimizer's rate) and a weight decay. L1 regularisation applies to
 * groups that have weight decay enabled by default. Immutable (the name list is copied); any thread
 * may use it.
 *
 * @param name a label, e.g. {@code weights}
 * @param parameters parameter names, e.g. {@code 0.weight}
 * @param lrScale factor on the learning rate (1 = the optimizer's rate)
 * @param weightDecay weight decay of this group
 */
public record ParamGroup(String name, List<String> parameters, float lrScale, float weightDecay) {
    /** Validates the settings. */
    public ParamGroup {
        parameters = List.copyOf(parameters);
        Hyper.nonNegative("lr scale of group " + name, lrScale);
        Hyper.nonNegative("weight_decay of group " + name, weightDecay);
    }

    /**
     * The default grouping of the trainable (not frozen) parameters: matrices ({@code weights})
     * decay by {@code weightDecay}, vectors ({@code biases}) do not.
     */
    public static List<ParamGroup> defaults(Model model, float weightDecay) {
        List<String> weights = new ArrayList<>();
        List<String> biases = new ArrayList<>();
        for (Parameter p : model.trainableParameters()) {
            (p.shape().length >= 2 ? weights : biases).add(p.name());
        }
        List<ParamGroup> groups = new ArrayList<>();
        if (!weights.isEmpty()) {
            groups.add(new ParamGroup("weights", weights, 1f, weightDecay));
        }
        if (!biases.isEmpty()) {
            groups.add(new ParamGroup("biases", biases, 1f, 0f));
        }
        return groups;
    }

    /** One group of every parameter with the same weight decay (PyTorch's default). */
    public static List<ParamGroup> single(Model model, float weightDecay) {
        List<String> all = new ArrayList<>();
        for (Parameter p : model.trainableParameters()) {
            all.add(p.name());
        }
        return List.of(new ParamGroup("all", all, 1f, weightDecay));
    }
}
