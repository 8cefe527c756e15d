package dev.vtrain.optim;

import dev.vtrain.FixtureFile;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A trajectory fixture: {@code meta.*} settings and tensors ({@code name dims values…}). */
final class TorchFixture {
    final Map<String, String> meta = new HashMap<>();
    final Map<String, float[]> tensors = new HashMap<>();

    static TorchFixture load(String name) throws IOException {
        TorchFixture f = new TorchFixture();
        for (Map.Entry<String, List<String>> e : FixtureFile.read(name + ".txt").entrySet()) {
            String key = e.getKey();
            if (key.startsWith("meta.") && !key.equals("meta.sizes")) {
                f.meta.put(key.substring(5), e.getValue().get(0));
            } else {
                f.tensors.put(key, FixtureFile.floats(e.getValue(), 1));
            }
        }
        return f;
    }

    float number(String key) {
        return Float.parseFloat(meta.get(key));
    }

    float[] tensor(String key) {
        float[] t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("fixture has no tensor " + key);
        }
        return t;
    }
}
