package dev.vtrain.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.DataFormatException;
import dev.vtrain.data.Vocabulary;
import dev.vtrain.nn.Gpt;
import dev.vtrain.nn.GptDecoder;
import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key/value-cache decoder against full forward passes: after a prefill of any length and after
 * each single-position step, the logits equal those of the model's forward pass over the same
 * prefix (within 1e-5 of the logits' scale; the step path uses matrix-vector products, the forward
 * pass matrix products). Greedy and seeded sampling are deterministic; a prompt outside the
 * vocabulary is refused naming its characters.
 */
class GptDecoderTest {
    private static float[] forwardRow(Backend b, Model m, int[] tokens, int n, int row) {
        int block = m.inputShape().dim(0);
        float[] x = new float[block];
        for (int i = 0; i < n; i++) {
            x[i] = tokens[i];
        }
        try (Storage s = b.allocate(block)) {
            Tensor t = Tensor.of(s, 0, 1, block);
            b.upload(x, 0, t);
            Tensor out = m.forward(t, false);
            float[] all = new float[(int) out.size()];
            b.download(out, all, 0);
            int v = m.outputShape().dim(1);
            float[] r = new float[v];
            System.arraycopy(all, row * v, r, 0, v);
            return r;
        }
    }

    private static void near(float[] expected, Tensor actual, Backend b, String what) {
        float[] got = new float[expected.length];
        b.download(actual, got, 0);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-5 * (1 + scale), what + " logit " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void cachedLogitsEqualFullForward(String backend) {
        int block = 12;
        try (Backend b = Backends.create(backend, 2).backend();
                Model m =
                        Model.build(new Gpt(17, block, 2, 2, 16, true), Shape.of(block), 1, b, 3);
                GptDecoder d = new GptDecoder(m)) {
            SplittableRandom r = new SplittableRandom(9);
            int[] tokens = new int[block];
            for (int i = 0; i < block; i++) {
                tokens[i] = r.nextInt(17);
            }
            for (int prefix : new int[] {1, 5}) {
                Tensor logits = d.prefill(tokens, 0, prefix);
                // Causal: a forward pass over the whole block gives the prefix's logits at its
                // rows.
                near(forwardRow(b, m, tokens, block, prefix - 1), logits, b, "prefill " + prefix);
                for (int p = prefix; p < block; p++) {
                    logits = d.next(tokens[p]);
                    near(forwardRow(b, m, tokens, block, p), logits, b, "step at " + p);
                }
                assertEquals(block, d.position());
                assertThrows(IllegalStateException.class, () -> d.next(0));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.8f})
    void samplingIsDeterministic(float temperature) {
        String chars = "\n abcdefgh";
        try (Backend b = Backends.create("cpu", 1).backend();
                Model m =
                        Model.build(
                                new Gpt(chars.length(), 8, 1, 2, 8, false), Shape.of(8), 1, b, 5)) {
            String first = generate(m, chars, temperature);
            assertEquals(first, generate(m, chars, temperature));
            assertEquals(40, first.length());
        }
    }

    private static String generate(Model m, String chars, float temperature) {
        Vocabulary v = new Vocabulary(chars);
        StringBuilder out = new StringBuilder();
        try (TextGenerator g =
                new TextGenerator(m, v, new TokenSampler(v.size(), temperature, 3, 1))) {
            g.generate("ab", 40, id -> v.decodeTo(id, out));
        }
        return out.toString();
    }

    @org.junit.jupiter.api.Test
    void promptOutsideTheVocabularyIsNamed() {
        try (Backend b = Backends.create("cpu", 1).backend();
                Model m = Model.build(new Gpt(4, 8, 1, 1, 4, false), Shape.of(8), 1, b, 5);
                TextGenerator g =
                        new TextGenerator(
                                m, new Vocabulary("abcd"), new TokenSampler(4, 1f, 0, 0))) {
            DataFormatException e =
                    assertThrows(DataFormatException.class, () -> g.generate("abXcZ", 3, id -> {}));
            assertTrue(e.getMessage().contains("'X', 'Z'"), e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void topKKeepsOnlyTheLargest() {
        TokenSampler s = new TokenSampler(5, 1f, 2, 7);
        float[] logits = {0f, 5f, 1f, 4.9f, -3f};
        int[] counts = new int[5];
        for (int i = 0; i < 2000; i++) {
            counts[s.sample(logits)]++;
        }
        assertArrayEquals(new int[] {0, counts[1], 0, counts[3], 0}, counts);
        assertTrue(counts[1] > 800 && counts[3] > 800, java.util.Arrays.toString(counts));
    }
}
