package dev.vtrain.backend.cuda;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.BatchNormArgs;
import dev.vtrain.backend.ConvGeometry;
import dev.vtrain.backend.PoolGeometry;
import dev.vtrain.backend.cuda.Twins.Twin;
import dev.vtrain.tensor.Tensor;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The convolution, pooling and batch-norm families of the CUDA backend against the scalar
 * reference: padded, strided, dilated and grouped convolutions, overlapping, padded and adaptive
 * pooling, batch norm with and without affine parameters and the fused ReLU, on the fake driver
 * everywhere and on a real GPU where the probe finds one.
 */
@Tag("cuda")
class CudaFamiliesAgreementTest {
    private static final double TOL = 2e-5;

    private static void both(Twins w, BiConsumer<Backend, Boolean> op) {
        op.accept(w.ref, true);
        op.accept(w.dev, false);
    }

    private static Tensor pick(Twin t, boolean ref) {
        return t == null ? null : ref ? t.ref() : t.dev();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void im2colCol2imAndColumnMoves(String device) {
        ConvGeometry[] geometries = {
            new ConvGeometry(5, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(9, 7, 4, 3, 2, 2, 1, 0, 1, 2, 1, 1),
            new ConvGeometry(6, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2),
            new ConvGeometry(4, 3, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1)
        };
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            int n = 3;
            for (ConvGeometry g : geometries) {
                Twin x = w.random(1, 1, n, g.h() * g.w() * g.c());
                Twin cols = w.zeros(n * g.oh() * g.ow(), g.patch());
                Twin dx = w.random(2, 1, n, g.h() * g.w() * g.c());
                for (int group = 0; group < g.groups(); group++) {
                    int gr = group;
                    both(w, (be, r) -> be.conv().im2col(pick(cols, r), pick(x, r), g, gr));
                    w.same(cols, "im2col " + g + " group " + gr);
                    Twin dcols = w.random(3 + gr, 1, n * g.oh() * g.ow(), g.patch());
                    both(w, (be, r) -> be.conv().col2im(pick(dx, r), pick(dcols, r), g, gr));
                    w.near(dx, TOL, "col2im " + g + " group " + gr);
                }
            }
            Twin wide = w.random(4, 1, 7, 10);
            Twin part = w.zeros(7, 4);
            both(w, (be, r) -> be.conv().gatherColumns(pick(part, r), pick(wide, r), 3));
            w.same(part, "gatherColumns");
            Twin src = w.random(5, 1, 7, 4);
            both(w, (be, r) -> be.conv().scatterColumns(pick(wide, r), pick(src, r), 6));
            w.same(wide, "scatterColumns");
            Twin first = w.random(6, 1, 3, 5 * 6);
            Twin last = w.zeros(3, 5 * 6);
            both(
                    w,
                    (be, r) ->
                            be.conv().transposeSamples(pick(last, r), pick(first, r), 5, 6, false));
            w.same(last, "transposeSamples");
            both(
                    w,
                    (be, r) ->
                            be.conv().transposeSamples(pick(first, r), pick(last, r), 5, 6, true));
            w.same(first, "transposeSamples inverse");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void poolingForwardAndBackward(String device) {
        PoolGeometry[] geometries = {
            PoolGeometry.window(6, 6, 3, 2, 2, 2, 2, 0, 0),
            PoolGeometry.window(7, 5, 2, 3, 3, 2, 2, 1, 1),
            PoolGeometry.window(5, 5, 4, 3, 3, 1, 1, 1, 1),
            PoolGeometry.adaptive(5, 7, 3, 3, 2),
            PoolGeometry.adaptive(4, 4, 2, 1, 1)
        };
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            int n = 3;
            for (PoolGeometry g : geometries) {
                int in = g.h() * g.w() * g.c();
                int out = g.oh() * g.ow() * g.c();
                float[] values = Twins.values(n * in, 7, 1);
                // Ties and a NaN: the first maximum wins, and NaN wins over anything.
                values[1] = values[0];
                values[in + 2] = Float.NaN;
                Twin x = w.of(values, n, in);
                Twin y = w.zeros(n, out);
                Twin argmax = w.zeros(n, out);
                both(w, (be, r) -> be.conv().maxPool(pick(y, r), pick(argmax, r), pick(x, r), g));
                w.same(y, "maxPool " + g);
                w.same(argmax, "maxPool argmax " + g);
                Twin dy = w.random(8, 1, n, out);
                Twin dx = w.random(9, 1, n, in);
                both(
                        w,
                        (be, r) ->
                                be.conv()
                                        .maxPoolBackward(
                                                pick(dx, r), pick(dy, r), pick(argmax, r), g));
                w.near(dx, TOL, "maxPoolBackward " + g);
                Twin clean = w.random(10, 1, n, in);
                both(w, (be, r) -> be.conv().avgPool(pick(y, r), pick(clean, r), g));
                w.near(y, TOL, "avgPool " + g);
                both(w, (be, r) -> be.conv().avgPoolBackward(pick(dx, r), pick(dy, r), g));
                w.near(dx, TOL, "avgPoolBackward " + g);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestDevices.FAKE, TestDevices.GPU})
    void batchNormTrainEvalAndBackward(String device) {
        try (CudaBackend cuda = TestDevices.open(device);
                Twins w = new Twins(cuda)) {
            for (int[] s : new int[][] {{1, 3}, {37, 5}, {600, 4}}) {
                int rows = s[0];
                int c = s[1];
                for (boolean affine : new boolean[] {true, false}) {
                    for (boolean relu : new boolean[] {false, true}) {
                        String at =
                                rows + "x" + c + (affine ? " affine" : "") + (relu ? " relu" : "");
                        Twin gamma = affine ? w.random(11, 1, c) : null;
                        Twin beta = affine ? w.random(12, 1, c) : null;
                        Twin gammaGrad = affine ? w.random(13, 1, c) : null;
                        Twin betaGrad = affine ? w.random(14, 1, c) : null;
                        Twin runningMean = w.random(15, 0.1, c);
                        Twin runningVar = w.of(new float[c], c);
                        both(w, (be, r) -> be.fill(pick(runningVar, r), 1f));
                        Twin tracked = w.zeros(1);
                        Twin x = w.random(16, 2, rows, c);
                        Twin y = w.zeros(rows, c);
                        Twin mean = w.zeros(c);
                        Twin rstd = w.zeros(c);
                        BatchNormArgs[] args = new BatchNormArgs[2];
                        for (int k = 0; k < 2; k++) {
                            boolean r = k == 0;
                            args[k] =
                                    new BatchNormArgs(
                                            pick(gamma, r),
                                            pick(beta, r),
                                            pick(gammaGrad, r),
                                            pick(betaGrad, r),
                                            pick(runningMean, r),
                                            pick(runningVar, r),
                                            pick(tracked, r),
                                            1e-5f,
                                            0.1f,
                                            relu);
                        }
                        both(
                                w,
                                (be, r) ->
                                        be.norms()
                                                .batchNormTrain(
                                                        args[r ? 0 : 1],
                                                        pick(y, r),
                                                        pick(x, r),
                                                        pick(mean, r),
                                                        pick(rstd, r)));
                        w.near(y, 1e-4, "batchNormTrain y " + at);
                        w.near(mean, 1e-5, "batchNormTrain mean " + at);
                        w.near(rstd, 1e-5, "batchNormTrain rstd " + at);
                        w.near(runningMean, 1e-5, "running mean " + at);
                        w.near(runningVar, 1e-5, "running var " + at);
                        w.same(tracked, "batches tracked " + at);
                        Twin dy = w.random(17, 1, rows, c);
                        Twin dx = w.zeros(rows, c);
                        for (boolean stats : new boolean[] {true, false}) {
                            both(
                                    w,
                                    (be, r) ->
                                            be.norms()
                                                    .batchNormBackward(
                                                            args[r ? 0 : 1],
                                                            pick(dx, r),
                                                            pick(dy, r),
                                                            pick(x, r),
                                                            pick(y, r),
                                                            pick(mean, r),
                                                            pick(rstd, r),
                                                            1f,
                                                            0f,
                                                            stats));
                            w.near(dx, 1e-4, "batchNormBackward dx " + at + " stats " + stats);
                            if (affine) {
                                w.near(gammaGrad, 1e-4, "gamma gradient " + at);
                                w.near(betaGrad, 1e-4, "beta gradient " + at);
                            }
                        }
                        both(
                                w,
                                (be, r) ->
                                        be.norms()
                                                .batchNormEval(
                                                        args[r ? 0 : 1],
                                                        pick(y, r),
                                                        pick(x, r),
                                                        pick(mean, r),
                                                        pick(rstd, r)));
                        w.near(y, 1e-4, "batchNormEval y " + at);
                        w.near(rstd, 1e-5, "batchNormEval rstd " + at);
                    }
                }
            }
        }
    }
}
