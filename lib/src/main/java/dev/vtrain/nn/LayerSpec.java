package dev.vtrain.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer as data: its type (PyTorch's module name in lower case, e.g. {@code conv2d}), its
 * hyperparameters under PyTorch's argument names, and for containers the children in order. The
 * model file stores the tree as JSON ({@link #toJson()}); {@code dev.vtrain.nn.spec.Layers} turns
 * one back into layers. Immutable.
 *
 * @param type module name, e.g. {@code linear}
 * @param args hyperparameters (Long, Double, Boolean, String, or lists of Long), in a stable order
 * @param children child layers of a container (empty otherwise)
 */
public record LayerSpec(String type, Map<String, Object> args, List<LayerSpec> children) {
    /** Copies the maps and lists. */
    public LayerSpec {
        args = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(args));
        children = List.copyOf(children);
    }

    /** A leaf layer. */
    public static LayerSpec of(String type, Map<String, Object> args) {
        return new LayerSpec(type, args, List.of());
    }

    /** A layer without hyperparameters. */
    public static LayerSpec of(String type) {
        return new LayerSpec(type, Map.of(), List.of());
    }

    /** The tree as JSON-ready maps: {@code {"type": …, args…, "layers": [children]}}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.putAll(args);
        if (!children.isEmpty()) {
            List<Object> c = new ArrayList<>();
            for (LayerSpec s : children) {
                c.add(s.toJson());
            }
            m.put("layers", c);
        }
        return m;
    }
}
