package dev.vtrain.io;

import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.TargetScaling;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A regression model's target scaling in its metadata ({@code vtrain.target_scaling}: kind, shift
 * and scale as JSON), written by {@code train} and applied in reverse by {@code eval} and {@code
 * predict}. Stateless; any thread may call it.
 */
public final class TargetScalingMetadata {
    /** The metadata key. */
    public static final String KEY = "vtrain.target_scaling";

    private TargetScalingMetadata() {}

    /** {@code t} as the metadata value. */
    public static String json(TargetScaling t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", t.kind().name());
        m.put("shift", Json.list(t.shift()));
        m.put("scale", Json.list(t.scale()));
        return Json.writeCompact(m);
    }

    /**
     * The model's target scaling for {@code width} outputs; identity for models saved before it was
     * recorded.
     *
     * @throws SafetensorsException naming {@code where} if the value is malformed
     */
    public static TargetScaling read(Map<String, String> metadata, int width, String where) {
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
