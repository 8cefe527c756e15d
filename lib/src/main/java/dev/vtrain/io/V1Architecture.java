package dev.vtrain.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code vtrain.architecture} list of {@value ModelFile#FORMAT_V1} files ({@code
 * [{"type":"linear","in":784,"out":256,"bias":true}, {"type":"relu"}, …]}) as the layer tree of
 * format 2.
 */
final class V1Architecture {
    private V1Architecture() {}

    static Map<String, Object> toTree(Object architecture, String where) {
        List<Object> layers = new ArrayList<>();
        for (Object o : (List<?>) architecture) {
            Map<?, ?> m = (Map<?, ?>) o;
            String type = (String) m.get("type");
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("type", type);
            switch (type) {
                case "linear" -> {
                    l.put("in_features", m.get("in"));
                    l.put("out_features", m.get("out"));
                    l.put("bias", m.get("bias"));
                }
                case "dropout" -> l.put("p", m.get("p"));
                case "relu", "sigmoid", "tanh" -> {}
                default ->
                        throw new SafetensorsException(
                                where + ": unknown layer type '" + type + "'");
            }
            layers.add(l);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("type", "sequential");
        root.put("layers", layers);
        return root;
    }
}
