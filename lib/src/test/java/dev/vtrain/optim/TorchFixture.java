package dev.vtrain.optim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads a fixture written by {@code tools/fixtures/make_fixtures.py}. */
final class TorchFixture {
    final Map<String, String> meta = new HashMap<>();
    final Map<String, float[]> tensors = new HashMap<>();

    static TorchFixture load(String name) throws IOException {
        TorchFixture f = new TorchFixture();
        try (InputStream in =
                TorchFixture.class.getResourceAsStream("/fixtures/" + name + ".txt")) {
            if (in == null) {
                throw new IOException(
                        "missing fixture " + name + "; run tools/fixtures/make_fixtures.py");
            }
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ", -1);
                if (parts[0].startsWith("meta.") && !parts[0].equals("meta.sizes")) {
                    f.meta.put(parts[0].substring(5), parts[1]);
                    continue;
                }
                float[] values = new float[parts.length - 2];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.parseFloat(parts[i + 2]);
                }
                f.tensors.put(parts[0], values);
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
