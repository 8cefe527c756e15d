package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DropoutTest {
    private static float[] run(
            Backend b, long seed, float[] x, int rows, int cols, boolean training, int forwards) {
        Dropout d = new Dropout(0.5f);
        try (Model m = Model.build(new Sequential(d), cols, rows, b, seed);
                Storage s = b.allocate((long) rows * cols)) {
            Tensor in = Tensor.of(s, 0, rows, cols);
            b.upload(x, 0, in);
            Tensor out = null;
            for (int i = 0; i < forwards; i++) {
                out = m.forward(in, training);
            }
            float[] y = new float[rows * cols];
            b.download(out, y, 0);
            return y;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void trainingScalesSurvivorsAndPreservesTheExpectation(String backend) {
        int rows = 64;
        int cols = 500;
        float[] ones = new float[rows * cols];
        Arrays.fill(ones, 1f);
        try (Backend b = Backends.create(backend, 2).backend()) {
            float[] y = run(b, 7, ones, rows, cols, true, 1);
            double sum = 0;
            for (float v : y) {
                if (v != 0f && v != 2f) {
                    throw new AssertionError("p=0.5 must give 0 or 2, got " + v);
                }
                sum += v;
            }
            assertEquals(1.0, sum / y.length, 0.02, "E[dropout(x)] = x");
            assertArrayEquals(
                    ones, run(b, 7, ones, rows, cols, false, 1), "evaluation mode is the identity");
            assertArrayEquals(y, run(b, 7, ones, rows, cols, true, 1), "same seed, same mask");
            assertFalse(
                    Arrays.equals(y, run(b, 8, ones, rows, cols, true, 1)),
                    "another seed, another mask");
            assertFalse(
                    Arrays.equals(y, run(b, 7, ones, rows, cols, true, 2)),
                    "each training forward draws anew");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void backwardMultipliesByTheSameMask(String backend) {
        int rows = 3;
        int cols = 40;
        Dropout d = new Dropout(0.25f);
        try (Backend b = Backends.create(backend, 2).backend();
                Model m = Model.build(new Sequential(d), cols, rows, b, 11);
                Storage s = b.allocate(2L * rows * cols)) {
            Tensor in = Tensor.of(s, 0, rows, cols);
            Tensor gradIn = Tensor.of(s, (long) rows * cols, rows, cols);
            float[] x = new float[rows * cols];
            float[] g = new float[rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = 1 + i;
                g[i] = 10 + i;
            }
            b.upload(x, 0, in);
            Tensor out = m.forward(in, true);
            b.upload(g, 0, m.outputGradient(rows));
            m.backward(in, false, gradIn);
            float[] y = new float[x.length];
            float[] gi = new float[x.length];
            b.download(out, y, 0);
            b.download(gradIn, gi, 0);
            for (int i = 0; i < x.length; i++) {
                float factor = y[i] / x[i];
                if (factor != 0f && Math.abs(factor - 1f / 0.75f) > 1e-6f) {
                    throw new AssertionError("element " + i + ": factor " + factor);
                }
                assertEquals(g[i] * factor, gi[i], 1e-4f, "gradient element " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {-0.1f, 1.5f, Float.NaN})
    void rejectsInvalidProbabilities(float p) {
        assertEquals(
                "dropout probability has to be between 0 and 1, but got " + p,
                assertThrows(IllegalArgumentException.class, () -> new Dropout(p)).getMessage());
    }
}
