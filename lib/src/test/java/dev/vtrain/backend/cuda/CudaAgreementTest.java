package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.AdagradRule;
import dev.vtrain.backend.AdamRule;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.RmspropRule;
import dev.vtrain.backend.SgdRule;
import dev.vtrain.backend.UpdateStep;
import dev.vtrain.backend.cuda.Twins.Twin;
import dev.vtrain.tensor.HostStorage;
import dev.vtrain.tensor.Tensor;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every op of the CUDA backend against the scalar reference, at odd sizes (and sizes past one block
 * and past the reduction's block cap), on the fake driver everywhere and on a real GPU where the
 * probe finds one.
 */
@org.junit.jupiter.api.Tag("cuda")
class CudaAgreementTest {
    private static final double TOL = 2e-5;

    /** Runs {@code op} on the reference and on the device with the twins' halves. */
    private static void both(Twins w, BiConsumer<Backend, Boolean> op) {
        op.accept(w.ref, true);
        op.accept(w.dev, false);
    }

    private static Tensor pick(Twin t, boolean ref) {
        return ref ? t.ref() : t.dev();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void gemmInEveryTransposeWithAlphaAndBeta(String device) {
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {33, 17, 29}, {64, 10, 130}, {5, 300, 1}};
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            long seed = 1;
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                for (int variant = 0; variant < 4; variant++) {
                    boolean ta = (variant & 1) != 0;
                    boolean tb = (variant & 2) != 0;
                    Twin a = ta ? w.random(seed++, 1, k, m) : w.random(seed++, 1, m, k);
                    Twin b = tb ? w.random(seed++, 1, n, k) : w.random(seed++, 1, k, n);
                    Twin c = w.random(seed++, 1, m, n);
                    float alpha = variant == 3 ? -0.5f : 1f;
                    float beta = variant % 2 == 0 ? 0f : 0.75f;
                    both(
                            w,
                            (be, r) ->
                                    be.gemm(
                                            pick(c, r),
                                            pick(a, r),
                                            ta,
                                            pick(b, r),
                                            tb,
                                            alpha,
                                            beta));
                    w.near(
                            c,
                            1e-5 * Math.sqrt(k),
                            "gemm " + m + "x" + n + "x" + k + " v" + variant);
                }
            }
            // beta 0 overwrites without reading: NaN in C does not propagate.
            Twin a = w.random(seed++, 1, 4, 3);
            Twin b = w.random(seed++, 1, 3, 2);
            Twin c = w.zeros(4, 2);
            both(w, (be, r) -> be.fill(pick(c, r), Float.NaN));
            both(w, (be, r) -> be.gemm(pick(c, r), pick(a, r), false, pick(b, r), false, 1f, 0f));
            w.near(c, 1e-6, "gemm over NaN");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void elementwiseRowAndActivationOps(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            for (int[] s : new int[][] {{1, 1}, {3, 7}, {19, 37}, {300, 3}}) {
                int rows = s[0];
                int cols = s[1];
                Twin x = w.random(11, 3, rows, cols);
                Twin y = w.random(12, 3, rows, cols);
                Twin out = w.zeros(rows, cols);
                Twin bias = w.random(13, 1, cols);
                Twin sums = w.random(14, 1, cols);
                String at = " " + rows + "x" + cols;
                both(w, (be, r) -> be.addRowVector(pick(x, r), pick(bias, r)));
                w.near(x, TOL, "addRowVector" + at);
                both(w, (be, r) -> be.sumRows(pick(x, r), pick(sums, r), 1f));
                w.near(sums, TOL, "sumRows beta 1" + at);
                both(w, (be, r) -> be.fill(pick(sums, r), Float.NaN));
                both(w, (be, r) -> be.sumRows(pick(y, r), pick(sums, r), 0f));
                w.near(sums, TOL, "sumRows beta 0" + at);
                for (Activation f : Activation.values()) {
                    both(w, (be, r) -> be.activation(f, pick(x, r), pick(out, r)));
                    w.near(out, TOL, f + at);
                    both(
                            w,
                            (be, r) ->
                                    be.activationBackward(f, pick(out, r), pick(y, r), pick(y, r)));
                    w.near(y, TOL, f + " backward" + at);
                }
                both(w, (be, r) -> be.multiply(pick(x, r), pick(y, r), pick(out, r)));
                w.near(out, TOL, "multiply" + at);
                both(w, (be, r) -> be.add(pick(x, r), pick(out, r), pick(out, r)));
                w.near(out, TOL, "add" + at);
                both(w, (be, r) -> be.scale(pick(out, r), -1.5f));
                w.near(out, TOL, "scale" + at);
                // Exact ops on identical inputs give identical bits.
                Twin fresh = w.random(15, 2, rows, cols);
                both(w, (be, r) -> be.copy(pick(fresh, r), pick(y, r)));
                w.same(y, "copy" + at);
                both(w, (be, r) -> be.clamp(pick(fresh, r), -0.5f, 0.25f));
                w.same(fresh, "clamp" + at);
                both(w, (be, r) -> be.fill(pick(out, r), 2.5f));
                w.same(out, "fill" + at);
            }
            Twin nan = w.of(new float[] {Float.NaN, 3f, -3f}, 3);
            both(w, (be, r) -> be.clamp(pick(nan, r), -1f, 1f));
            w.same(nan, "clamp keeps NaN");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void lossesCountsAndReductions(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            for (int[] s : new int[][] {{1, 2}, {5, 10}, {37, 7}, {300, 65}}) {
                int rows = s[0];
                int classes = s[1];
                String at = " " + rows + "x" + classes;
                Twin logits = w.random(21, 4, rows, classes);
                float[] l = new float[rows];
                for (int i = 0; i < rows; i++) {
                    l[i] = (i * 7) % classes;
                }
                Twin labels = w.of(l, rows);
                Twin grad = w.zeros(rows, classes);
                Twin loss = w.of(new float[] {0.5f}, 1);
                both(
                        w,
                        (be, r) ->
                                be.softmaxCrossEntropy(
                                        pick(logits, r),
                                        pick(labels, r),
                                        pick(grad, r),
                                        0.25f,
                                        pick(loss, r)));
                w.near(grad, TOL, "softmax-xent gradient" + at);
                w.near(loss, 1e-5, "softmax-xent loss" + at);
                both(
                        w,
                        (be, r) ->
                                be.softmaxCrossEntropy(
                                        pick(logits, r), pick(labels, r), null, 1f, pick(loss, r)));
                w.near(loss, 1e-5, "softmax-xent loss, no gradient" + at);
                Twin correct = w.of(new float[] {2f}, 1);
                both(
                        w,
                        (be, r) ->
                                be.countCorrect(
                                        pick(logits, r), pick(labels, r), pick(correct, r)));
                w.same(correct, "countCorrect" + at);
                Twin target = w.random(22, 2, rows, classes);
                both(
                        w,
                        (be, r) ->
                                be.squaredError(
                                        pick(logits, r),
                                        pick(target, r),
                                        pick(grad, r),
                                        0.5f,
                                        pick(loss, r)));
                w.near(grad, TOL, "squaredError gradient" + at);
                w.near(loss, 1e-5, "squaredError loss" + at);
            }
            for (int n : new int[] {1, 255, 257, 1000, 300_001}) {
                Twin x = w.random(31 + n, 2, n);
                double e = w.ref.sumOfSquares(x.ref());
                double a = cuda.sumOfSquares(x.dev());
                assertEquals(e, a, 1e-9 * (1 + e), "sumOfSquares of " + n);
                Twin g = w.random(32 + n, 1, n);
                double el1 = w.ref.addL1Gradient(x.ref(), g.ref(), 0.01f);
                double al1 = cuda.addL1Gradient(x.dev(), g.dev(), 0.01f);
                assertEquals(el1, al1, 1e-9 * (1 + el1), "addL1Gradient sum of " + n);
                w.near(g, 1e-6, "addL1Gradient gradient of " + n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void badLabelIsReportedAtTheNextRead(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            Twin logits = w.random(41, 1, 4, 3);
            Twin labels = w.of(new float[] {0, 1, 2.5f, 1}, 4);
            Twin loss = w.zeros(1);
            cuda.softmaxCrossEntropy(logits.dev(), labels.dev(), null, 1f, loss.dev());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> w.devValues(loss));
            assertTrue(e.getMessage().contains("Label 2.5 in row 2"), e.getMessage());
            assertTrue(e.getMessage().contains("[0, 3)"), e.getMessage());
            // Reported once: the flag is cleared, the next read succeeds.
            w.devValues(loss);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void dropoutMasksAreBitIdentical(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            for (float p : new float[] {0f, 0.1f, 0.5f, 0.9f}) {
                Twin mask = w.zeros(1001);
                both(w, (be, r) -> be.dropoutMask(pick(mask, r), p, 0x1234_5678_9abc_def0L));
                w.same(mask, "dropout mask p=" + p);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void optimizerUpdates(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            int n = 1037;
            UpdateStep step = new UpdateStep();
            for (int t = 1; t <= 3; t++) {
                step.set(0.01f, 0.8f, 0.05f).firstStep(t == 1).adamCorrections(0.02f, 0.3f);
                for (SgdRule rule :
                        new SgdRule[] {
                            new SgdRule(0f, 0f, false),
                            new SgdRule(0.9f, 0.1f, false),
                            new SgdRule(0.9f, 0f, true)
                        }) {
                    Twin p = w.random(51, 1, n);
                    Twin buf = w.random(52, 1, n);
                    Twin g = w.random(53, 1, n);
                    both(
                            w,
                            (be, r) ->
                                    be.updates()
                                            .sgd(pick(p, r), pick(buf, r), pick(g, r), rule, step));
                    w.near(p, TOL, "sgd " + rule);
                    w.near(buf, TOL, "sgd buffer " + rule);
                }
                for (boolean decoupled : new boolean[] {false, true}) {
                    AdamRule rule = new AdamRule(0.9f, 0.999f, 1e-8f, decoupled);
                    Twin p = w.random(61, 1, n);
                    Twin m = w.random(62, 0.1, n);
                    Twin v = w.of(absolute(Twins.values(n, 63, 0.01)), n);
                    Twin g = w.random(64, 1, n);
                    both(
                            w,
                            (be, r) ->
                                    be.updates()
                                            .adam(
                                                    pick(p, r),
                                                    pick(m, r),
                                                    pick(v, r),
                                                    pick(g, r),
                                                    rule,
                                                    step));
                    w.near(p, TOL, "adam " + rule);
                    w.near(m, TOL, "adam m " + rule);
                    w.near(v, TOL, "adam v " + rule);
                }
                for (RmspropRule rule :
                        new RmspropRule[] {
                            new RmspropRule(0.99f, 1e-8f, 0f, false),
                            new RmspropRule(0.9f, 1e-6f, 0.5f, true)
                        }) {
                    Twin p = w.random(71, 1, n);
                    Twin sq = w.of(absolute(Twins.values(n, 72, 1)), n);
                    Twin ga = w.random(73, 0.1, n);
                    Twin buf = w.random(74, 1, n);
                    Twin g = w.random(75, 1, n);
                    both(
                            w,
                            (be, r) ->
                                    be.updates()
                                            .rmsprop(
                                                    pick(p, r),
                                                    pick(sq, r),
                                                    pick(ga, r),
                                                    pick(buf, r),
                                                    pick(g, r),
                                                    rule,
                                                    step));
                    w.near(p, TOL, "rmsprop " + rule);
                    w.near(sq, TOL, "rmsprop square average " + rule);
                }
                Twin p = w.random(81, 1, n);
                Twin sum = w.of(absolute(Twins.values(n, 82, 1)), n);
                Twin g = w.random(83, 1, n);
                both(
                        w,
                        (be, r) ->
                                be.updates()
                                        .adagrad(
                                                pick(p, r),
                                                pick(sum, r),
                                                pick(g, r),
                                                new AdagradRule(1e-10f),
                                                step));
                w.near(p, TOL, "adagrad");
                w.near(sum, TOL, "adagrad sum");
            }
        }
    }

    private static float[] absolute(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void largeTransfersGoThroughTheStagingBuffersInChunks(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            int n = CudaContext.STAGING_BYTES / Float.BYTES * 2 + 12345;
            Twin big = w.random(91, 1, n);
            w.same(big, "a " + n + "-float round trip");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void hostTensorsAreRefusedInOneLine(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                HostStorage host = HostStorage.allocate(4)) {
            Tensor t = Tensor.of(host, 0, 4);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> cuda.scale(t, 2f));
            assertTrue(e.getMessage().contains("not in CUDA device memory"), e.getMessage());
        }
    }
}
