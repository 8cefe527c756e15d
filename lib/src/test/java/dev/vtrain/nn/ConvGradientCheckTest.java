package dev.vtrain.nn;

import static dev.vtrain.nn.GradientChecker.check;

import dev.vtrain.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite-difference checks ({@link GradientChecker}) of the image layers — convolutions with
 * stride, padding, dilation, groups and no bias; max, average and adaptive pooling; batch norm in
 * training mode; flatten — and of whole small conv nets (conv-BN-ReLU-pool-linear, a residual conv
 * block), on both backends. Channel counts > 1 at the input exercise the channels-first to
 * channels-last conversion of the model's input and input gradient.
 */
class ConvGradientCheckTest {
    private static final double TOL = 3e-3;

    private static Conv2d conv(int in, int out, int k, int s, int p, int d, int g, boolean bias) {
        return new Conv2d(
                in,
                out,
                new int[] {k, k},
                new int[] {s, s},
                new int[] {p, p},
                new int[] {d, d},
                g,
                bias);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void convolutions(String b) {
        check(b, () -> conv(3, 4, 3, 1, 1, 1, 1, true), Shape.of(3, 5, 5), 2, true, TOL);
        check(b, () -> conv(2, 3, 3, 2, 0, 1, 1, true), Shape.of(2, 7, 6), 2, true, TOL);
        check(b, () -> conv(2, 3, 3, 1, 2, 2, 1, true), Shape.of(2, 6, 6), 2, true, TOL);
        check(b, () -> conv(4, 6, 3, 1, 1, 1, 2, true), Shape.of(4, 5, 5), 2, true, TOL);
        check(b, () -> conv(3, 3, 3, 2, 1, 1, 3, false), Shape.of(3, 7, 7), 2, true, TOL);
        check(b, () -> conv(5, 2, 1, 1, 0, 1, 1, false), Shape.of(5, 3, 4), 2, true, TOL);
        check(
                b,
                () ->
                        new Conv2d(
                                2,
                                3,
                                new int[] {2, 3},
                                new int[] {2, 1},
                                new int[] {1, 0},
                                new int[] {1, 1},
                                1,
                                true),
                Shape.of(2, 5, 6),
                2,
                true,
                TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void pooling(String b) {
        check(b, () -> Pool2d.max(2), Shape.of(3, 6, 6), 2, true, TOL, true);
        check(
                b,
                () -> Pool2d.max(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}),
                Shape.of(2, 7, 7),
                2,
                true,
                TOL,
                true);
        check(
                b,
                () -> Pool2d.avg(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}),
                Shape.of(2, 5, 5),
                2,
                true,
                TOL);
        check(b, () -> Pool2d.adaptiveAvg(1, 1), Shape.of(3, 5, 5), 2, true, TOL);
        check(b, () -> Pool2d.adaptiveAvg(2, 3), Shape.of(2, 5, 7), 2, true, TOL);
        check(b, Flatten::new, Shape.of(3, 2, 4), 2, true, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void batchNorm(String b) {
        check(b, () -> BatchNorm.of2d(3), Shape.of(3, 4, 4), 3, true, 5e-3);
        check(b, () -> BatchNorm.of1d(5, 1e-5f, 0.1f, true), Shape.of(5), 6, true, 5e-3);
        check(b, () -> BatchNorm.of2d(3), Shape.of(3, 4, 4), 3, false, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void smallConvNets(String b) {
        check(
                b,
                () ->
                        new Sequential(
                                conv(2, 4, 3, 1, 1, 1, 1, true),
                                BatchNorm.of2d(4),
                                new ReLU(),
                                Pool2d.max(2),
                                new Flatten(),
                                new Linear(4 * 3 * 3, 5),
                                new Tanh(),
                                new Linear(5, 3)),
                Shape.of(2, 6, 6),
                3,
                true,
                5e-3);
        check(
                b,
                () ->
                        new Sequential(
                                conv(1, 3, 3, 1, 1, 1, 1, true),
                                new Residual(
                                        conv(3, 3, 3, 1, 1, 1, 1, false),
                                        BatchNorm.of2d(3),
                                        new Tanh()),
                                Pool2d.adaptiveAvg(1, 1),
                                new Flatten(),
                                new Linear(3, 2)),
                Shape.of(1, 5, 5),
                3,
                true,
                5e-3);
    }
}
