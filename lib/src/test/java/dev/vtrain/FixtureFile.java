package dev.vtrain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the text fixtures written by {@code tools/fixtures/make_fixtures.py}: one entry per line,
 * {@code name token token …}; lines starting with '#' are comments.
 */
public final class FixtureFile {
    private FixtureFile() {}

    /** Entries of {@code /fixtures/<name>} by name, each the tokens after the name. */
    public static Map<String, List<String>> read(String name) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (InputStream in = FixtureFile.class.getResourceAsStream("/fixtures/" + name)) {
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
                out.put(parts[0], Arrays.asList(parts).subList(1, parts.length));
            }
        }
        return out;
    }

    /** Tokens from index {@code from} on as floats. */
    public static float[] floats(List<String> tokens, int from) {
        float[] v = new float[tokens.size() - from];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(tokens.get(from + i));
        }
        return v;
    }

    /** Tokens from index {@code from} on as doubles. */
    public static double[] doubles(List<String> tokens, int from) {
        double[] v = new double[tokens.size() - from];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(tokens.get(from + i));
        }
        return v;
    }
}
