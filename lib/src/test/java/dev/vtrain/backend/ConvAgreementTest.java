package dev.vtrain.backend;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's convolution, pooling and batch-norm kernels against the scalar reference, with
 * 1 and 2 threads, at channel counts around the vector length (1, L - 1, L, L + 1, 2L + 3), odd
 * image sizes, stride, padding, dilation and groups. Runs at the default species and again at 256
 * and 128 bits (tag {@code kernels}). Data movement (im2col, pooling, transposes) must agree
 * exactly; sums within 1e-5 relative.
 */
@Tag("kernels")
class ConvAgreementTest {
    private static final int L = CpuBackend.lanes();
    private static final ScalarBackend REF = new ScalarBackend();
    private static final CpuBackend[] CPU = {new CpuBackend(1), new CpuBackend(2)};
    private static final AgreementTensors T = new AgreementTensors();

    @AfterAll
    static void close() {
        T.close();
        for (CpuBackend b : CPU) {
            b.close();
        }
    }

    static Stream<Arguments> geometries() {
        List<Arguments> out = new ArrayList<>();
        for (int c : new int[] {1, L - 1, L, L + 1, 2 * L + 3}) {
            if (c < 1) {
                continue;
            }
            out.add(Arguments.of(new ConvGeometry(5, 7, c, 3, 3, 1, 1, 1, 1, 1, 1, 1)));
            out.add(Arguments.of(new ConvGeometry(7, 6, c, 3, 2, 2, 1, 0, 1, 1, 1, 1)));
            out.add(Arguments.of(new ConvGeometry(6, 6, c, 3, 3, 1, 1, 2, 2, 2, 2, 1)));
            out.add(Arguments.of(new ConvGeometry(4, 5, c, 1, 1, 1, 1, 0, 0, 1, 1, 1)));
        }
        out.add(Arguments.of(new ConvGeometry(5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2)));
        out.add(Arguments.of(new ConvGeometry(7, 7, 3, 3, 3, 2, 2, 1, 1, 1, 1, 3)));
        return out.stream();
    }

    private static Tensor tensor(int rows, int cols) {
        return T.tensor(rows, cols);
    }

    private static Tensor random(int rows, int cols, long seed) {
        return T.random(rows, cols, seed, 2);
    }

    private static void same(Tensor expected, Tensor actual, String what) {
        T.same(expected, actual, what);
    }

    private static void near(Tensor expected, Tensor actual, double tol, String what) {
        T.near(expected, actual, tol, what);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void im2colAndCol2im(ConvGeometry g) {
        int n = 3;
        Tensor x = random(n, g.h() * g.w() * g.c(), 1);
        int rows = n * g.oh() * g.ow();
        for (int grp = 0; grp < g.groups(); grp++) {
            Tensor ref = tensor(rows, g.patch());
            REF.conv().im2col(ref, x, g, grp);
            Tensor dcols = random(rows, g.patch(), 2 + grp);
            Tensor refDx = random(n, g.h() * g.w() * g.c(), 9);
            REF.conv().col2im(refDx, dcols, g, grp);
            for (CpuBackend b : CPU) {
                Tensor out = random(rows, g.patch(), 5);
                b.conv().im2col(out, x, g, grp);
                same(ref, out, "im2col " + g + " group " + grp + " threads " + b.threads());
                Tensor dx = random(n, g.h() * g.w() * g.c(), 9);
                b.conv().col2im(dx, dcols, g, grp);
                near(refDx, dx, 1e-6, "col2im " + g + " group " + grp + " threads " + b.threads());
            }
        }
    }

    static Stream<Arguments> pools() {
        List<Arguments> out = new ArrayList<>();
        for (int c : new int[] {1, L - 1, L, L + 1, 2 * L + 3}) {
            if (c < 1) {
                continue;
            }
            out.add(Arguments.of(PoolGeometry.window(6, 6, c, 2, 2, 2, 2, 0, 0)));
            out.add(Arguments.of(PoolGeometry.window(7, 5, c, 3, 3, 2, 2, 1, 1)));
            out.add(Arguments.of(PoolGeometry.window(5, 5, c, 2, 2, 2, 2, 0, 0)));
            out.add(Arguments.of(PoolGeometry.adaptive(5, 7, c, 2, 3)));
            out.add(Arguments.of(PoolGeometry.adaptive(4, 4, c, 1, 1)));
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("pools")
    void pooling(PoolGeometry g) {
        int n = 3;
        int in = g.h() * g.w() * g.c();
        int out = g.oh() * g.ow() * g.c();
        Tensor x = random(n, in, 3);
        Tensor dy = random(n, out, 4);
        Tensor refY = tensor(n, out);
        Tensor refArg = tensor(n, out);
        Tensor refDx = tensor(n, in);
        Tensor refAvg = tensor(n, out);
        Tensor refAvgDx = tensor(n, in);
        if (!g.adaptive()) {
            REF.conv().maxPool(refY, refArg, x, g);
            REF.conv().maxPoolBackward(refDx, dy, refArg, g);
        }
        REF.conv().avgPool(refAvg, x, g);
        REF.conv().avgPoolBackward(refAvgDx, dy, g);
        for (CpuBackend b : CPU) {
            String what = g + " threads " + b.threads();
            if (!g.adaptive()) {
                Tensor y = random(n, out, 8);
                Tensor arg = random(n, out, 8);
                Tensor dx = random(n, in, 8);
                b.conv().maxPool(y, arg, x, g);
                same(refY, y, "maxPool " + what);
                same(refArg, arg, "maxPool argmax " + what);
                b.conv().maxPoolBackward(dx, dy, arg, g);
                same(refDx, dx, "maxPoolBackward " + what);
            }
            Tensor avg = random(n, out, 8);
            Tensor avgDx = random(n, in, 8);
            b.conv().avgPool(avg, x, g);
            near(refAvg, avg, 1e-6, "avgPool " + what);
            b.conv().avgPoolBackward(avgDx, dy, g);
            near(refAvgDx, avgDx, 1e-6, "avgPoolBackward " + what);
        }
    }

    static Stream<Arguments> channels() {
        return Stream.of(1, 3, L - 1, L, L + 1, 2 * L + 3).filter(c -> c > 0).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("channels")
    void transposesAndColumns(int c) {
        int n = 3;
        int hw = 7;
        Tensor x = random(n, c * hw, 11);
        Tensor ref = tensor(n, c * hw);
        Tensor refBack = tensor(n, c * hw);
        REF.conv().transposeSamples(ref, x, c, hw, false);
        REF.conv().transposeSamples(refBack, ref, c, hw, true);
        same(x, refBack, "transpose round trip");
        Tensor wide = random(37, c + 5, 12);
        Tensor refCols = tensor(37, c);
        REF.conv().gatherColumns(refCols, wide, 3);
        Tensor refWide = random(37, c + 5, 13);
        REF.conv().scatterColumns(refWide, refCols, 2);
        for (CpuBackend b : CPU) {
            Tensor t = random(n, c * hw, 5);
            b.conv().transposeSamples(t, x, c, hw, false);
            same(ref, t, "transpose c=" + c);
            Tensor back = random(n, c * hw, 5);
            b.conv().transposeSamples(back, t, c, hw, true);
            same(x, back, "inverse transpose c=" + c);
            Tensor cols = random(37, c, 6);
            b.conv().gatherColumns(cols, wide, 3);
            same(refCols, cols, "gatherColumns c=" + c);
            Tensor w = random(37, c + 5, 13);
            b.conv().scatterColumns(w, cols, 2);
            same(refWide, w, "scatterColumns c=" + c);
        }
    }

    private static BatchNormArgs args(int c, long seed, boolean grads, boolean relu) {
        Tensor gamma = random(1, c, seed);
        Tensor beta = random(1, c, seed + 1);
        Tensor rm = random(1, c, seed + 2);
        Tensor rv = tensor(1, c);
        REF.fill(rv, 1.5f);
        Tensor tracked = tensor(1, 1);
        return new BatchNormArgs(
                gamma.matrix(c),
                beta.matrix(c),
                grads ? random(1, c, seed + 3) : null,
                grads ? random(1, c, seed + 4) : null,
                rm,
                rv,
                tracked,
                1e-5f,
                0.1f,
                relu);
    }

    private static BatchNormArgs copy(BatchNormArgs a) {
        int c = a.channels();
        return new BatchNormArgs(
                a.gamma(),
                a.beta(),
                clone(a.gammaGrad(), c),
                clone(a.betaGrad(), c),
                clone(a.runningMean(), c),
                clone(a.runningVar(), c),
                clone(a.tracked(), 1),
                a.eps(),
                a.momentum(),
                a.relu());
    }

    private static Tensor clone(Tensor t, int cols) {
        if (t == null) {
            return null;
        }
        Tensor c = tensor(1, cols);
        REF.copy(t, c);
        return c;
    }

    @ParameterizedTest
    @MethodSource("channels")
    void batchNorm(int c) {
        for (int rows : new int[] {1, 2, 7, 65, 1031}) {
            for (boolean relu : new boolean[] {false, true}) {
                batchNorm(c, rows, relu);
            }
        }
    }

    private static void batchNorm(int c, int rows, boolean relu) {
        {
            Tensor x = random(rows, c, 21);
            Tensor dy = random(rows, c, 22);
            BatchNormArgs ref = args(c, 30, true, relu);
            Tensor y = tensor(rows, c);
            Tensor mean = tensor(1, c);
            Tensor rstd = tensor(1, c);
            Tensor dx = tensor(rows, c);
            BatchNormArgs start = copy(ref);
            REF.norms().batchNormTrain(ref, y, x, mean, rstd);
            REF.norms().batchNormBackward(ref, dx, dy, x, y, mean, rstd, 1f, 0f, true);
            Tensor ye = tensor(rows, c);
            REF.norms().batchNormEval(ref, ye, x, tensor(1, c), tensor(1, c));
            for (CpuBackend b : CPU) {
                String what =
                        "c=" + c + " rows=" + rows + " relu=" + relu + " threads " + b.threads();
                BatchNormArgs a = copy(start);
                Tensor y2 = tensor(rows, c);
                Tensor m2 = tensor(1, c);
                Tensor r2 = tensor(1, c);
                Tensor dx2 = tensor(rows, c);
                b.norms().batchNormTrain(a, y2, x, m2, r2);
                near(y, y2, 2e-5, "batchNormTrain y " + what);
                near(mean, m2, 1e-5, "mean " + what);
                near(rstd, r2, 1e-5, "rstd " + what);
                near(ref.runningMean(), a.runningMean(), 1e-5, "running mean " + what);
                near(ref.runningVar(), a.runningVar(), 1e-5, "running var " + what);
                same(ref.tracked(), a.tracked(), "tracked " + what);
                b.norms().batchNormBackward(a, dx2, dy, x, y2, m2, r2, 1f, 0f, true);
                near(dx, dx2, 5e-5, "batchNormBackward dx " + what);
                near(ref.gammaGrad(), a.gammaGrad(), 2e-5, "dgamma " + what);
                near(ref.betaGrad(), a.betaGrad(), 2e-5, "dbeta " + what);
                Tensor ye2 = tensor(rows, c);
                b.norms().batchNormEval(a, ye2, x, tensor(1, c), tensor(1, c));
                near(ye, ye2, 2e-5, "batchNormEval " + what);
            }
        }
    }
}
