package dev.vtrain.cli;

import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.TargetScaling;
import dev.vtrain.io.Json;
import dev.vtrain.io.SafetensorsException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A regression model's target scaling in its metadata ({@code vtrain.target_scaling}: kind, shift
 * and scale as JSON), written by {@code train} and applied in reverse by {@code eval} and {@code
 * predict}.
 */
final class SavedTargets {
    static final String KEY = "vtrain.target_scaling";

    private SavedTargets() {}

    static String json(TargetScaling t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", t.kind().name());
        m.put("shift", Json.list(t.shift()));
        m.put("scale", Json.list(t.scale()));
        return Json.writeCompact(m);
    }

    /** The model's target scaling; identity for models saved before it was recorded. */
    static TargetScaling read(Map<String, String> metadata, int width, String where) {
        String json = metadata.get(KEY);
        if (json == null) {
            return TargetScaling.none(width);
        }
        try {
            Map<?, ?> m = (Map<?, ?>) Json.parse(json);
            TargetScaling t =
                    TargetScaling.of(
                            FeatureScaling.Kind.valueOf((String) m.get("kind")),
                            Json.doubles(m.get("shift")),
                            Json.doubles(m.get("scale")));
            if (t.shift().length != width) {
                throw new IllegalArgumentException(
                        t.shift().length + " targets scaled, model has " + width + " outputs");
            }
            return t;
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new SafetensorsException(
                    where + ": malformed " + KEY + " metadata (" + e.getMessage() + ")");
        }
    }
}
