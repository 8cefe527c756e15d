package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.loss.SequenceCrossEntropyLoss;
import dev.vtrain.optim.AdamW;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Dropout in a GPT (embeddings, attention probabilities, residual branches): evaluation is
 * unaffected (the same as without dropout), training draws masks (outputs differ from evaluation),
 * and training stays independent of the thread count and the backend's kernels (scalar and CPU
 * agree on the masks, 1 and 2 threads give identical weights).
 */
class AttentionDropoutTest {
    @Test
    void dropoutGptGradients() {
        // In training mode with the masks replayed for every probe, and in evaluation mode.
        GradientChecker.checkTokens(
                "cpu",
                () ->
                        new Gpt(9, 6, 2, 2, 8, true, 0.3f)
                                .withEmbeddingInit(ParameterInit.normal(1.0)),
                Shape.of(6),
                2,
                9,
                3e-3,
                true);
        GradientChecker.checkTokens(
                "scalar",
                () ->
                        new Gpt(9, 6, 2, 2, 8, true, 0.3f)
                                .withEmbeddingInit(ParameterInit.normal(1.0)),
                Shape.of(6),
                2,
                9,
                3e-3,
                false);
    }

    private static final int BLOCK = 8;
    private static final int BATCH = 3;

    private static float[] ids() {
        float[] x = new float[BATCH * BLOCK];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 + 3) % 11;
        }
        return x;
    }

    private static float[] forward(Model m, Backend b, boolean training) {
        float[] out;
        try (var s = b.allocate(BATCH * BLOCK)) {
            var t = dev.vtrain.tensor.Tensor.of(s, 0, BATCH, BLOCK);
            b.upload(ids(), 0, t);
            var y = m.forward(t, training);
            out = new float[(int) y.size()];
            b.download(y, out, 0);
        }
        return out;
    }

    @Test
    void evaluationIgnoresDropoutAndTrainingDrawsMasks() {
        try (Backend b = Backends.create("cpu", 2).backend();
                Model with =
                        Model.build(
                                new Gpt(11, BLOCK, 2, 2, 8, false, 0.5f),
                                Shape.of(BLOCK),
                                BATCH,
                                b,
                                4);
                Model without =
                        Model.build(
                                new Gpt(11, BLOCK, 2, 2, 8, false), Shape.of(BLOCK), BATCH, b, 4)) {
            assertArrayEquals(forward(without, b, false), forward(with, b, false));
            assertFalse(Arrays.equals(forward(with, b, false), forward(with, b, true)));
        }
    }

    private static float[] train(String backend, int threads) {
        try (Backend b = Backends.create(backend, threads).backend();
                Model m =
                        Model.build(
                                new Gpt(11, BLOCK, 2, 2, 8, true, 0.3f),
                                Shape.of(BLOCK),
                                BATCH,
                                b,
                                4);
                AdamW opt = new AdamW(m, 1e-2f);
                Trainer t = new Trainer(m, new SequenceCrossEntropyLoss(11), opt)) {
            float[] x = ids();
            float[] y = new float[x.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = (x[i] + 1) % 11;
            }
            b.upload(x, 0, t.input().firstRows(BATCH));
            b.upload(y, 0, t.target().firstRows(BATCH));
            for (int k = 0; k < 3; k++) {
                t.step(BATCH, 1e-2f, false);
            }
            return m.read("transformer.h.0.attn.c_attn.weight");
        }
    }

    @Test
    void trainingWithDropoutDoesNotDependOnThreads() {
        float[] one = train("cpu", 1);
        assertArrayEquals(one, train("cpu", 2));
        float[] ref = train("scalar", 1);
        for (int i = 0; i < one.length; i++) {
            if (Math.abs(one[i] - ref[i]) > 1e-4 * (1 + Math.abs(ref[i]))) {
                throw new AssertionError(
                        "cpu and scalar differ at " + i + ": " + one[i] + " vs " + ref[i]);
            }
        }
    }
}
