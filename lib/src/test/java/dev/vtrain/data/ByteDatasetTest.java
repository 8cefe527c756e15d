package dev.vtrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A byte-backed dataset reads exactly as the same data held as floats, scaled or not. */
class ByteDatasetTest {
    @Test
    void bytesScaledAsReadEqualFloatsScaledByCopyBitForBit() {
        int n = 37;
        int f = 13;
        byte[] b = new byte[n * f];
        new Random(4).nextBytes(b);
        float[] x = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            x[i] = b[i] & 0xFF;
        }
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
        }
        List<String> classes = List.of("a", "b", "c");
        Dataset bytes = Dataset.ofBytes("bytes", b, f, y, 1, classes);
        Dataset floats = new Dataset("floats", x, f, y, 1, classes);
        assertArrayEquals(floats.features(), bytes.features());
        for (FeatureScaling.Kind k : FeatureScaling.Kind.values()) {
            FeatureScaling fromBytes = FeatureScaling.fit(k, bytes);
            FeatureScaling fromFloats = FeatureScaling.fit(k, floats);
            assertArrayEquals(fromFloats.shift(), fromBytes.shift(), k.name());
            assertArrayEquals(fromFloats.scale(), fromBytes.scale(), k.name());
            Dataset scaled = fromBytes.apply(bytes);
            assertTrue(scaled.byteBacked(), "scaling keeps the bytes: " + k);
            assertArrayEquals(fromFloats.apply(floats).features(), scaled.features(), k.name());
            int[] pick = {5, 0, 36, 5};
            Dataset sub = scaled.subset("sub", pick);
            assertTrue(sub.byteBacked());
            float[] row = new float[f];
            float[] expected = fromFloats.apply(floats).features();
            for (int i = 0; i < pick.length; i++) {
                sub.copyRow(i, row, 0);
                for (int j = 0; j < f; j++) {
                    assertEquals(expected[pick[i] * f + j], row[j], 0f, k + " row " + i);
                }
            }
        }
    }
}
