package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The model-level fusions (Linear + activation forward in one call, the activation backward
 * computing the bias gradient below it, gradients overwritten instead of zeroed then accumulated)
 * against the scalar backend, whose unfused default implementations compose the separate ops.
 */
class FusedPassesTest {
    private static final int BATCH = 67;
    private static final int IN = 70;

    private static Sequential network() {
        return new Sequential(
                List.of(
                        new Linear(IN, 65),
                        new ReLU(),
                        new Linear(65, 66),
                        new Tanh(),
                        new Linear(66, 40),
                        new Sigmoid(),
                        new Linear(40, 10)));
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Output and gradients after forward + backward on fixed data. */
    private static float[][] run(Backend backend, boolean accumulateTwice, boolean freezeFirst) {
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = random(rng, BATCH * IN);
        float[] r = random(rng, BATCH * 10);
        try (Model model = Model.build(network(), IN, BATCH, backend, 3);
                Storage s = backend.allocate((long) BATCH * IN)) {
            Tensor input = Tensor.of(s, 0, BATCH, IN);
            backend.upload(x, 0, input);
            // Garbage in the gradients: an overwriting backward must not read it.
            for (Parameter p : model.parameters()) {
                backend.upload(random(rng, (int) p.size()), 0, p.grad());
            }
            if (freezeFirst) {
                model.freeze(List.of("0"));
            }
            Tensor out = model.forward(input, true);
            backend.upload(r, 0, model.outputGradient(BATCH));
            if (accumulateTwice) {
                model.zeroGrad();
                model.backward(input, true);
                model.backward(input, true);
            } else {
                model.backward(input, false);
            }
            float[] o = new float[(int) out.size()];
            backend.download(out, o, 0);
            float[] g = new float[(int) model.gradientSlab().size()];
            backend.download(model.gradientSlab(), g, 0);
            Parameter firstBias = model.parameters().get(1);
            float[] b = new float[(int) firstBias.size()];
            backend.download(firstBias.grad(), b, 0);
            Parameter firstWeight = model.parameters().get(0);
            float[] w = new float[(int) firstWeight.size()];
            backend.download(firstWeight.grad(), w, 0);
            return new float[][] {o, g, w, b};
        }
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol * (1 + Math.abs(expected[i]))) {
                throw new AssertionError(
                        what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** Index just past the first layer's bias gradient in the gradient slab. */
    private static int firstLayerEnd(float[][] run) {
        float[] slab = run[1];
        float[] bias = run[3];
        for (int i = 0; i + bias.length <= slab.length; i++) {
            if (java.util.Arrays.equals(
                    java.util.Arrays.copyOfRange(slab, i, i + bias.length), bias)) {
                return i + bias.length;
            }
        }
        throw new AssertionError("first bias gradient not found in the slab");
    }

    @Test
    void fusedCpuPassesMatchUnfusedReference() {
        try (Backend cpu = new CpuBackend(2)) {
            float[][] ref = run(new ScalarBackend(), false, false);
            float[][] got = run(cpu, false, false);
            assertClose(ref[0], got[0], 1e-5, "output");
            assertClose(ref[1], got[1], 1e-4, "gradients");
        }
    }

    @Test
    void accumulatingTwiceDoublesTheOverwrittenGradients() {
        try (Backend cpu = new CpuBackend(1)) {
            float[] once = run(cpu, false, false)[1];
            float[] twice = run(cpu, true, false)[1];
            for (int i = 0; i < once.length; i++) {
                once[i] *= 2;
            }
            assertClose(once, twice, 1e-6, "2 × gradients");
        }
    }

    @Test
    void frozenLayerGradientsReadAsZeroAfterAnOverwritingBackward() {
        try (Backend cpu = new CpuBackend(1)) {
            float[][] frozenRun = run(cpu, false, true);
            for (float v : frozenRun[2]) {
                assertEquals(0f, v, "frozen weight gradient");
            }
            for (float v : frozenRun[3]) {
                assertEquals(0f, v, "frozen bias gradient");
            }
            float[][] trained = run(cpu, false, false);
            int skip = frozenRun[1].length - (frozenRun[1].length - firstLayerEnd(trained));
            assertClose(
                    java.util.Arrays.copyOfRange(trained[1], skip, trained[1].length),
                    java.util.Arrays.copyOfRange(frozenRun[1], skip, frozenRun[1].length),
                    0,
                    "trainable gradients");
        }
    }
}
