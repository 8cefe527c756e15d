package dev.vtrain.nn;

import static dev.vtrain.nn.GradientChecker.H;
import static dev.vtrain.nn.GradientChecker.assertNear;
import static dev.vtrain.nn.GradientChecker.check;
import static dev.vtrain.nn.GradientChecker.random;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite-difference checks ({@link GradientChecker}) of every layer, of whole small networks (fused
 * Linear+activation chains, a residual block, nested containers, a tied weight, partial freezing)
 * and of every loss.
 */
class GradientCheckTest {
    private static final double TOL = 2e-3;

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void layers(String b) {
        check(b, () -> new Linear(5, 4), Shape.of(5), 3, true, TOL);
        check(b, () -> new Linear(3, 7, false), Shape.of(3), 3, true, TOL);
        check(b, ReLU::new, Shape.of(6), 3, true, TOL);
        check(b, Sigmoid::new, Shape.of(6), 3, true, TOL);
        check(b, Tanh::new, Shape.of(6), 3, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void linearOnTheLastDimensionOfASequence(String b) {
        // (T, C) samples: the Linear acts on C for every position, as PyTorch's (*, in).
        check(b, () -> new Sequential(new Linear(4, 3), new Tanh()), Shape.of(5, 4), 2, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void fusedMlp(String b) {
        check(
                b,
                () ->
                        new Sequential(
                                new Linear(6, 5),
                                new ReLU(),
                                new Linear(5, 4),
                                new Sigmoid(),
                                new Linear(4, 3)),
                Shape.of(6),
                4,
                true,
                TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void residualBlockAndNesting(String b) {
        check(
                b,
                () ->
                        new Sequential(
                                new Linear(5, 6),
                                new Residual(new Linear(6, 6), new Tanh(), new Linear(6, 6)),
                                new Residual(
                                        new Sequential(new Linear(6, 4), new ReLU()),
                                        new Linear(4, 6)),
                                new Linear(6, 3)),
                Shape.of(5),
                3,
                true,
                TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void tiedWeightGetsBothContributions(String b) {
        check(
                b,
                () -> {
                    Linear encoder = new Linear(4, 6);
                    return new Sequential(encoder, new Tanh(), new TiedTranspose(encoder));
                },
                Shape.of(4),
                3,
                true,
                TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void losses(String backendName) {
        checkLoss(backendName, new CrossEntropyLoss(), new float[] {2, 0, 4, 1});
        SplittableRandom rng = new SplittableRandom(5);
        checkLoss(backendName, new MSELoss(), random(rng, 4 * 5));
    }

    private static void checkLoss(String backendName, Loss loss, float[] target) {
        int rows = 4;
        int cols = 5;
        SplittableRandom rng = new SplittableRandom(9);
        float[] out = random(rng, rows * cols);
        for (int i = 0; i < out.length; i++) {
            out[i] *= 3;
        }
        try (Backend b = Backends.create(backendName, 2).backend();
                Storage s = b.allocate(4L * 64 + 3L * rows * cols)) {
            Tensor o = Tensor.of(s, 0, rows, cols);
            Tensor g = Tensor.of(s, 64, rows, cols);
            Tensor t = Tensor.of(s, 128, rows, target.length / rows);
            Tensor sum = Tensor.of(s, 192, 1);
            b.upload(out, 0, o);
            b.upload(target, 0, t);
            b.fill(sum, 0f);
            loss.compute(b, o, t, g, sum);
            float[] analytic = new float[rows * cols];
            b.download(g, analytic, 0);
            double divisor = loss.meanDivisor(rows, cols);
            for (int i = 0; i < out.length; i++) {
                float saved = out[i];
                out[i] = saved + H;
                double plus = lossValue(b, loss, o, t, sum, out) / divisor;
                out[i] = saved - H;
                double minus = lossValue(b, loss, o, t, sum, out) / divisor;
                out[i] = saved;
                assertNear(
                        (plus - minus) / (2 * H),
                        analytic[i],
                        TOL,
                        loss + " d/dout[" + i + "] on " + backendName);
            }
        }
    }

    private static double lossValue(
            Backend b, Loss loss, Tensor o, Tensor t, Tensor sum, float[] out) {
        b.upload(out, 0, o);
        b.fill(sum, 0f);
        loss.compute(b, o, t, null, sum);
        float[] v = new float[1];
        b.download(sum, v, 0);
        return v[0];
    }
}
