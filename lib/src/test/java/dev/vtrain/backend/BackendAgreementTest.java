package dev.vtrain.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.cpu.GemmStrategy;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CPU-backend op against the scalar reference on seeded random inputs, at sizes around the
 * vector length and the GEMM tile sizes, with 1 and 2 threads. The build runs this class at the
 * default species and again with {@code -XX:MaxVectorSize=32} and {@code =16} (256- and 128-bit).
 *
 * <p>Tolerance: relative 1e-5 of the summed magnitudes for reductions/products (float rounding of a
 * different summation order), 2e-6 relative for element-wise transcendental ops.
 */
@Tag("kernels")
class BackendAgreementTest {
    private static final int L = CpuBackend.lanes();
    private static final ScalarBackend REF = new ScalarBackend();

    /** Clip-by-norm factor the optimizer updates read gradients with (1 would hide a bug). */
    private static final float GRAD_SCALE = 0.37f;

    private static final List<Storage> STORAGES = new ArrayList<>();
    private static CpuBackend one;
    private static CpuBackend two;
    private static CpuBackend[] gemmBackends;

    @BeforeAll
    static void start() {
        System.out.println("BackendAgreementTest: " + new CpuBackend(1).description());
        one = new CpuBackend(1);
        two = new CpuBackend(2);
        gemmBackends =
                new CpuBackend[] {
                    one,
                    two,
                    new CpuBackend(1, GemmStrategy.PACKED),
                    new CpuBackend(2, GemmStrategy.PACKED),
                    new CpuBackend(1, GemmStrategy.PACKED_SMALL_TILE),
                    new CpuBackend(2, GemmStrategy.PACKED_SMALL_TILE),
                    new CpuBackend(1, GemmStrategy.UNPACKED),
                    new CpuBackend(2, GemmStrategy.UNPACKED)
                };
    }

    @AfterAll
    static void stop() {
        for (CpuBackend b : gemmBackends) {
            b.close();
        }
        STORAGES.forEach(Storage::close);
    }

    static IntStream sizes() {
        return IntStream.of(0, 1, 7, 33, L - 1, L, L + 1, 3 * L + 5, 20_000, 70_001).distinct();
    }

    static Stream<CpuBackend> backends() {
        return Stream.of(one, two);
    }

    private static Tensor tensor(float[] values, int... shape) {
        Storage s = REF.allocate(values.length);
        STORAGES.add(s);
        Tensor t = Tensor.of(s, 0, shape);
        REF.upload(values, 0, t);
        return t;
    }

    private static float[] random(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static float[] read(Tensor t) {
        float[] out = new float[(int) t.size()];
        REF.download(t, out, 0);
        return out;
    }

    private static void assertClose(
            float[] expected, float[] actual, double rel, double abs, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = abs + rel * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)
                    && !(Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                throw new AssertionError(
                        what
                                + ": element "
                                + i
                                + " expected "
                                + expected[i]
                                + " but was "
                                + actual[i]);
            }
        }
    }

    static Stream<int[]> gemmShapes() {
        int[] dims = {1, 3, 4, 5, 7, 12, 13, L - 1, L + 1, 3 * L, 3 * L + 1, 33};
        List<int[]> shapes = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(1);
        for (int m : dims) {
            for (int n : dims) {
                shapes.add(new int[] {m, n, dims[rng.nextInt(dims.length)]});
            }
        }
        shapes.add(new int[] {0, 5, 3});
        shapes.add(new int[] {5, 0, 3});
        shapes.add(new int[] {5, 4, 0});
        shapes.add(new int[] {128, 256, 784});
        shapes.add(new int[] {67, 131, 97});
        // Several depth blocks of uneven size and more than one packed B panel.
        shapes.add(new int[] {37, 530, 300});
        // Long reductions into a small C (the k-split kernel for Aᵀ·B) and short k with a small
        // transposed B (the transposed-copy path), as in convolutions over few channels.
        shapes.add(new int[] {32, 9, 3000});
        shapes.add(new int[] {9, 40, 2500});
        shapes.add(new int[] {1, 1, 700});
        shapes.add(new int[] {17, 2 * L + 3, 1031});
        shapes.add(new int[] {64, 63, 2048});
        shapes.add(new int[] {1000, 32, 9});
        shapes.add(new int[] {301, L + 3, 3});
        // Packed B with A read in place (C at most four slivers wide), with edge rows packed.
        shapes.add(new int[] {200, 64, 288});
        shapes.add(new int[] {131, 97, 70});
        // Several B panels of the packed paths, with an edge sliver and edge rows.
        shapes.add(new int[] {7, 1100 + 5, 300});
        return shapes.stream();
    }

    @ParameterizedTest
    @MethodSource("gemmShapes")
    void gemmMatchesReference(int[] mnk) {
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        SplittableRandom rng = new SplittableRandom(m * 1000L + n * 10L + k);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] av = random(rng, m * k, 1);
                float[] bv = random(rng, k * n, 1);
                float[] cv = random(rng, m * n, 1);
                Tensor a = ta ? tensor(av, k, m) : tensor(av, m, k);
                Tensor b = tb ? tensor(bv, n, k) : tensor(bv, k, n);
                float[][] params = {{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}};
                for (float[] ab : params) {
                    Tensor expected = tensor(cv, m, n);
                    REF.gemm(expected, a, ta, b, tb, ab[0], ab[1]);
                    for (CpuBackend cpu : gemmBackends) {
                        Tensor actual = tensor(cv, m, n);
                        cpu.gemm(actual, a, ta, b, tb, ab[0], ab[1]);
                        String what =
                                "gemm "
                                        + m
                                        + "x"
                                        + n
                                        + "x"
                                        + k
                                        + " ta="
                                        + ta
                                        + " tb="
                                        + tb
                                        + " alpha="
                                        + ab[0]
                                        + " beta="
                                        + ab[1]
                                        + " "
                                        + cpu.description();
                        assertClose(read(expected), read(actual), 1e-5, 1e-5 * (k + 1), what);
                    }
                }
            }
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNanInOutput() {
        float[] nan = new float[6];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor a = tensor(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = tensor(new float[] {1, 0, 0, 0, 1, 0}, 2, 3);
        Tensor c = tensor(nan, 2, 3);
        one.gemm(c, a, false, b, false, 1f, 0f);
        assertClose(new float[] {1, 2, 0, 3, 4, 0}, read(c), 0, 0, "beta=0 overwrites");
    }

    @Test
    void gemmRejectsMismatchedShapes() {
        Tensor a = tensor(new float[6], 2, 3);
        Tensor b = tensor(new float[8], 4, 2);
        Tensor c = tensor(new float[4], 2, 2);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> one.gemm(c, a, false, b, false, 1f, 0f));
        assertEquals(
                "gemm: op(a) is 2×3, op(b) is 4×2: expected c of 2×2 and equal inner sizes, but c is 2×2",
                e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void elementwiseOpsMatchReference(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        float[] x = random(rng, n, 4);
        for (Activation f : Activation.values()) {
            Tensor in = tensor(x, n);
            Tensor expected = tensor(new float[n], n);
            REF.activation(f, in, expected);
            float[] g = random(rng, n, 1);
            Tensor gradOut = tensor(g, n);
            Tensor expectedGrad = tensor(new float[n], n);
            REF.activationBackward(f, expected, gradOut, expectedGrad);
            for (CpuBackend cpu : new CpuBackend[] {one, two}) {
                Tensor actual = tensor(new float[n], n);
                cpu.activation(f, in, actual);
                assertClose(read(expected), read(actual), 2e-6, 1e-7, f + " forward n=" + n);
                Tensor actualGrad = tensor(new float[n], n);
                cpu.activationBackward(f, expected, gradOut, actualGrad);
                assertClose(
                        read(expectedGrad), read(actualGrad), 2e-6, 1e-7, f + " backward n=" + n);
            }
        }
        Tensor fillRef = tensor(x, n);
        Tensor fillCpu = tensor(x, n);
        REF.fill(fillRef, 3.5f);
        one.fill(fillCpu, 3.5f);
        assertClose(read(fillRef), read(fillCpu), 0, 0, "fill");
        Tensor scaleRef = tensor(x, n);
        Tensor scaleCpu = tensor(x, n);
        REF.scale(scaleRef, -0.75f);
        one.scale(scaleCpu, -0.75f);
        assertClose(read(scaleRef), read(scaleCpu), 0, 0, "scale");
        double ss = REF.sumOfSquares(tensor(x, n));
        assertEquals(ss, one.sumOfSquares(tensor(x, n)), 1e-6 * (ss + 1), "sumOfSquares n=" + n);
    }

    static Stream<int[]> linearShapes() {
        // batch × in × out: below and above the packed path's thresholds, with edge tiles; one row
        // (the matrix-vector path of generation) with odd widths, several tasks and a vector tail.
        return Stream.of(
                new int[] {1, 3, 5},
                new int[] {1, 4 * L + 5, 131},
                new int[] {1, 512, 700},
                new int[] {7, 33, L + 1},
                new int[] {33, 70, 65},
                new int[] {67, 131, 97},
                new int[] {128, 300, 130},
                new int[] {500, 9, 32},
                new int[] {4 * L + 3, 27, 4 * L},
                new int[] {300, 1, 3 * L},
                new int[] {257, 32, L});
    }

    @ParameterizedTest
    @MethodSource("linearShapes")
    void fusedLinearMatchesReference(int[] shape) {
        int rows = shape[0];
        int in = shape[1];
        int out = shape[2];
        SplittableRandom rng = new SplittableRandom(rows * 31L + in * 7L + out);
        Tensor x = tensor(random(rng, rows * in, 1), rows, in);
        Tensor w = tensor(random(rng, out * in, 1), out, in);
        Tensor bias = tensor(random(rng, out, 1), out);
        Activation[] functions = {null, Activation.RELU, Activation.SIGMOID, Activation.TANH};
        for (Activation f : functions) {
            for (Tensor b : new Tensor[] {bias, null}) {
                Tensor expected = tensor(new float[rows * out], rows, out);
                REF.gemm(expected, x, false, w, true, 1f, 0f);
                if (b != null) {
                    REF.addRowVector(expected, b);
                }
                if (f != null) {
                    REF.activation(f, expected, expected);
                }
                for (CpuBackend cpu : gemmBackends) {
                    Tensor actual = tensor(random(rng, rows * out, 9), rows, out);
                    cpu.linear(actual, x, w, b, f);
                    String what =
                            "linear "
                                    + rows
                                    + "x"
                                    + in
                                    + "x"
                                    + out
                                    + " f="
                                    + f
                                    + " bias="
                                    + (b != null)
                                    + " "
                                    + cpu.description();
                    assertClose(read(expected), read(actual), 1e-5, 1e-5 * (in + 1), what);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void activationBackwardWithBiasGradMatchesReference(int cols) {
        if (cols > 5000) {
            return;
        }
        SplittableRandom rng = new SplittableRandom(cols + 11);
        for (int rows : new int[] {0, 1, 5, 300}) {
            for (Activation f : Activation.values()) {
                float[] pre = random(rng, rows * cols, 2);
                Tensor out = tensor(pre, rows, cols);
                REF.activation(f, out, out);
                Tensor gradOut = tensor(random(rng, rows * cols, 1), rows, cols);
                float[] db = random(rng, cols, 1);
                for (float beta : new float[] {0f, 1f}) {
                    Tensor expectedIn = tensor(new float[rows * cols], rows, cols);
                    Tensor expectedDb = tensor(db, cols);
                    REF.activationBackward(f, out, gradOut, expectedIn);
                    REF.sumRows(expectedIn, expectedDb, beta);
                    for (CpuBackend cpu : new CpuBackend[] {one, two}) {
                        Tensor actualIn = tensor(new float[rows * cols], rows, cols);
                        Tensor actualDb = tensor(db, cols);
                        cpu.activationBackwardWithBiasGrad(
                                f, out, gradOut, actualIn, actualDb, beta);
                        String what = f + " " + rows + "x" + cols + " beta=" + beta;
                        assertClose(read(expectedIn), read(actualIn), 0, 0, what + " gradIn");
                        assertClose(
                                read(expectedDb),
                                read(actualDb),
                                1e-6,
                                1e-6 * (rows + 1),
                                what + " biasGrad");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void rowOpsMatchReference(int cols) {
        if (cols > 5000) {
            return;
        }
        SplittableRandom rng = new SplittableRandom(cols + 7);
        for (int rows : new int[] {0, 1, 5, 33}) {
            float[] x = random(rng, rows * cols, 2);
            float[] bias = random(rng, cols, 1);
            Tensor ref = tensor(x, rows, cols);
            Tensor cpu = tensor(x, rows, cols);
            REF.addRowVector(ref, tensor(bias, cols));
            one.addRowVector(cpu, tensor(bias, cols));
            assertClose(read(ref), read(cpu), 0, 0, "addRowVector " + rows + "x" + cols);
            for (float beta : new float[] {0f, 1f}) {
                Tensor sumRef = tensor(bias, cols);
                Tensor sumCpu = tensor(bias, cols);
                REF.sumRows(tensor(x, rows, cols), sumRef, beta);
                one.sumRows(tensor(x, rows, cols), sumCpu, beta);
                assertClose(read(sumRef), read(sumCpu), 1e-5, 1e-5 * rows, "sumRows beta=" + beta);
            }
        }
    }

    @Test
    void columnSumsOfTallMatricesMatchReferenceWithOneAndTwoThreads() {
        // A convolution's bias gradient: many rows, a few vectors of channels (chunked partials).
        SplittableRandom rng = new SplittableRandom(77);
        for (int cols : new int[] {L, 2 * L, 4 * L}) {
            for (int rows : new int[] {4096, 9001, 70000}) {
                float[] x = random(rng, rows * cols, 2);
                float[] start = random(rng, cols, 1);
                for (float beta : new float[] {0f, 1f}) {
                    Tensor ref = tensor(start, cols);
                    REF.sumRows(tensor(x, rows, cols), ref, beta);
                    float[] first = null;
                    for (CpuBackend cpu : new CpuBackend[] {one, two}) {
                        Tensor out = tensor(start, cols);
                        cpu.sumRows(tensor(x, rows, cols), out, beta);
                        assertClose(
                                read(ref),
                                read(out),
                                1e-5,
                                1e-6 * rows,
                                "column sums " + rows + "x" + cols);
                        if (first == null) {
                            first = read(out);
                        } else {
                            org.junit.jupiter.api.Assertions.assertArrayEquals(
                                    first, read(out), "1 and 2 threads agree bit for bit");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void lossesMatchReference(int classes) {
        if (classes < 1 || classes > 5000) {
            return;
        }
        SplittableRandom rng = new SplittableRandom(classes + 11);
        for (int rows : new int[] {1, 7, 33}) {
            float[] logits = random(rng, rows * classes, 5);
            float[] labels = new float[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = rng.nextInt(classes);
            }
            Tensor lg = tensor(logits, rows, classes);
            Tensor lb = tensor(labels, rows);
            Tensor gradRef = tensor(new float[rows * classes], rows, classes);
            Tensor gradCpu = tensor(new float[rows * classes], rows, classes);
            Tensor lossRef = tensor(new float[] {1f}, 1);
            Tensor lossCpu = tensor(new float[] {1f}, 1);
            REF.softmaxCrossEntropy(lg, lb, gradRef, 1f / rows, lossRef);
            one.softmaxCrossEntropy(lg, lb, gradCpu, 1f / rows, lossCpu);
            assertClose(
                    read(gradRef),
                    read(gradCpu),
                    1e-5,
                    1e-7,
                    "softmaxCE grad " + rows + "x" + classes);
            assertClose(read(lossRef), read(lossCpu), 1e-5, 1e-5, "softmaxCE loss");
            Tensor correctRef = tensor(new float[] {2f}, 1);
            Tensor correctCpu = tensor(new float[] {2f}, 1);
            REF.countCorrect(lg, lb, correctRef);
            one.countCorrect(lg, lb, correctCpu);
            assertClose(read(correctRef), read(correctCpu), 0, 0, "countCorrect");

            float[] target = random(rng, rows * classes, 5);
            Tensor mseRef = tensor(new float[] {0f}, 1);
            Tensor mseCpu = tensor(new float[] {0f}, 1);
            Tensor mgRef = tensor(new float[rows * classes], rows, classes);
            Tensor mgCpu = tensor(new float[rows * classes], rows, classes);
            REF.squaredError(lg, tensor(target, rows, classes), mgRef, 0.5f, mseRef);
            one.squaredError(lg, tensor(target, rows, classes), mgCpu, 0.5f, mseCpu);
            assertClose(read(mgRef), read(mgCpu), 1e-6, 1e-7, "squaredError grad");
            assertClose(read(mseRef), read(mseCpu), 1e-5, 1e-5, "squaredError loss");
        }
    }

    @Test
    void softmaxCrossEntropyRejectsBadLabels() {
        Tensor lg = tensor(new float[6], 2, 3);
        Tensor lb = tensor(new float[] {1f, 3f}, 2);
        Tensor loss = tensor(new float[1], 1);
        for (Backend b : new Backend[] {REF, one}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> b.softmaxCrossEntropy(lg, lb, null, 1f, loss));
            assertEquals(
                    "Label 3.0 in row 1 is not a class index in [0, 3) — check the label column and the model's output size",
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void optimizerUpdatesMatchReference(int n) {
        SplittableRandom rng = new SplittableRandom(n + 3);
        float[] p = random(rng, n, 1);
        float[] g = random(rng, n, 1);
        float[] s1 = random(rng, n, 0.1);
        float[] s2 = new float[n];
        for (int i = 0; i < n; i++) {
            s2[i] = (float) rng.nextDouble() * 0.01f;
        }
        for (boolean first : new boolean[] {true, false}) {
            for (boolean nesterov : new boolean[] {false, true}) {
                for (float momentum : new float[] {0f, 0.9f}) {
                    if (nesterov && momentum == 0f) {
                        continue;
                    }
                    Tensor pr = tensor(p, n);
                    Tensor br = tensor(s1, n);
                    REF.updates()
                            .sgd(
                                    pr,
                                    br,
                                    tensor(g, n),
                                    new SgdRule(momentum, nesterov ? 0f : 0.1f, nesterov),
                                    new UpdateStep().set(0.1f, GRAD_SCALE, 0.01f).firstStep(first));
                    for (CpuBackend cpu : gemmBackends) {
                        Tensor pc = tensor(p, n);
                        Tensor bc = tensor(s1, n);
                        cpu.updates()
                                .sgd(
                                        pc,
                                        bc,
                                        tensor(g, n),
                                        new SgdRule(momentum, nesterov ? 0f : 0.1f, nesterov),
                                        new UpdateStep()
                                                .set(0.1f, GRAD_SCALE, 0.01f)
                                                .firstStep(first));
                        String what =
                                "sgd n="
                                        + n
                                        + " m="
                                        + momentum
                                        + " nesterov="
                                        + nesterov
                                        + " first="
                                        + first;
                        assertClose(read(pr), read(pc), 1e-6, 1e-7, what);
                        assertClose(read(br), read(bc), 1e-6, 1e-7, what + " buffer");
                    }
                }
            }
        }
        for (boolean decoupled : new boolean[] {false, true}) {
            Tensor pr = tensor(p, n);
            Tensor mr = tensor(s1, n);
            Tensor vr = tensor(s2, n);
            REF.updates()
                    .adam(
                            pr,
                            mr,
                            vr,
                            tensor(g, n),
                            new AdamRule(0.9f, 0.999f, 1e-8f, decoupled),
                            new UpdateStep()
                                    .set(1e-3f, GRAD_SCALE, 0.01f)
                                    .adamCorrections(0.01f, 0.05f));
            for (CpuBackend cpu : new CpuBackend[] {one, two}) {
                Tensor pc = tensor(p, n);
                Tensor mc = tensor(s1, n);
                Tensor vc = tensor(s2, n);
                cpu.updates()
                        .adam(
                                pc,
                                mc,
                                vc,
                                tensor(g, n),
                                new AdamRule(0.9f, 0.999f, 1e-8f, decoupled),
                                new UpdateStep()
                                        .set(1e-3f, GRAD_SCALE, 0.01f)
                                        .adamCorrections(0.01f, 0.05f));
                String what =
                        "adam n=" + n + " decoupled=" + decoupled + " threads=" + cpu.threads();
                assertClose(read(pr), read(pc), 1e-6, 1e-7, what);
                // m = m + (1-β1)(g - m) cancels: error is relative to the O(1) inputs, not to the
                // result.
                assertClose(read(mr), read(mc), 1e-6, 1e-7, what + " m");
                assertClose(read(vr), read(vc), 1e-6, 1e-9, what + " v");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void toolkitOpsMatchReference(int n) {
        SplittableRandom rng = new SplittableRandom(n + 99);
        float[] a = random(rng, n, 2);
        float[] b = random(rng, n, 2);
        for (CpuBackend cpu : new CpuBackend[] {one, two}) {
            Tensor dst = tensor(new float[n], n);
            cpu.copy(tensor(a, n), dst);
            assertClose(a, read(dst), 0, 0, "copy n=" + n);
            Tensor ref = tensor(new float[n], n);
            Tensor out = tensor(new float[n], n);
            REF.multiply(tensor(a, n), tensor(b, n), ref);
            cpu.multiply(tensor(a, n), tensor(b, n), out);
            assertClose(read(ref), read(out), 0, 0, "multiply n=" + n);
            Tensor cr = tensor(a, n);
            Tensor cc = tensor(a, n);
            REF.clamp(cr, -0.5f, 0.75f);
            cpu.clamp(cc, -0.5f, 0.75f);
            assertClose(read(cr), read(cc), 0, 0, "clamp n=" + n);
            Tensor gr = tensor(b, n);
            Tensor gc = tensor(b, n);
            double sr = REF.addL1Gradient(tensor(a, n), gr, 0.01f);
            double sc = cpu.addL1Gradient(tensor(a, n), gc, 0.01f);
            assertClose(read(gr), read(gc), 0, 0, "addL1Gradient n=" + n);
            assertEquals(sr, sc, 1e-6 * (sr + 1), "L1 sum n=" + n);
            for (float p : new float[] {0f, 0.1f, 0.5f, 0.9f}) {
                Tensor mr = tensor(new float[n], n);
                Tensor mc = tensor(new float[n], n);
                REF.dropoutMask(mr, p, 0x1234_5678_9abcL + n);
                cpu.dropoutMask(mc, p, 0x1234_5678_9abcL + n);
                assertClose(read(mr), read(mc), 0, 0, "dropoutMask p=" + p + " n=" + n);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void rmspropAndAdagradMatchReference(int n) {
        SplittableRandom rng = new SplittableRandom(n + 5);
        float[] p = random(rng, n, 1);
        float[] g = random(rng, n, 1);
        float[] sq = new float[n];
        float[] ga = random(rng, n, 0.01);
        float[] buf = random(rng, n, 0.1);
        for (int i = 0; i < n; i++) {
            sq[i] = (float) rng.nextDouble() * 0.1f + 0.01f;
        }
        for (boolean centered : new boolean[] {false, true}) {
            for (float momentum : new float[] {0f, 0.9f}) {
                Tensor pr = tensor(p, n);
                Tensor sr = tensor(sq, n);
                Tensor gar = tensor(ga, n);
                Tensor br = tensor(buf, n);
                REF.updates()
                        .rmsprop(
                                pr,
                                sr,
                                gar,
                                br,
                                tensor(g, n),
                                new RmspropRule(0.99f, 1e-8f, momentum, centered),
                                new UpdateStep().set(0.01f, GRAD_SCALE, 0.01f));
                for (CpuBackend cpu : new CpuBackend[] {one, two}) {
                    Tensor pc = tensor(p, n);
                    Tensor sc = tensor(sq, n);
                    Tensor gac = tensor(ga, n);
                    Tensor bc = tensor(buf, n);
                    cpu.updates()
                            .rmsprop(
                                    pc,
                                    sc,
                                    gac,
                                    bc,
                                    tensor(g, n),
                                    new RmspropRule(0.99f, 1e-8f, momentum, centered),
                                    new UpdateStep().set(0.01f, GRAD_SCALE, 0.01f));
                    String what =
                            "rmsprop n=" + n + " centered=" + centered + " momentum=" + momentum;
                    assertClose(read(pr), read(pc), 1e-6, 1e-7, what);
                    assertClose(read(sr), read(sc), 1e-6, 1e-9, what + " square_avg");
                    assertClose(read(gar), read(gac), 1e-6, 1e-8, what + " grad_avg");
                    assertClose(read(br), read(bc), 1e-5, 1e-6, what + " buffer");
                }
            }
        }
        Tensor pr = tensor(p, n);
        Tensor sr = tensor(sq, n);
        REF.updates()
                .adagrad(
                        pr,
                        sr,
                        tensor(g, n),
                        new AdagradRule(1e-10f),
                        new UpdateStep().set(0.05f, GRAD_SCALE, 0.01f));
        for (CpuBackend cpu : new CpuBackend[] {one, two}) {
            Tensor pc = tensor(p, n);
            Tensor sc = tensor(sq, n);
            cpu.updates()
                    .adagrad(
                            pc,
                            sc,
                            tensor(g, n),
                            new AdagradRule(1e-10f),
                            new UpdateStep().set(0.05f, GRAD_SCALE, 0.01f));
            assertClose(read(pr), read(pc), 1e-6, 1e-7, "adagrad n=" + n);
            assertClose(read(sr), read(sc), 1e-6, 1e-8, "adagrad sum n=" + n);
        }
    }

    @Test
    void dropoutMaskKeepsTheExpectedFractionAndDependsOnlyOnKey() {
        int n = 100_000;
        Tensor m1 = tensor(new float[n], n);
        Tensor m2 = tensor(new float[n], n);
        one.dropoutMask(m1, 0.3f, 42);
        two.dropoutMask(m2, 0.3f, 42);
        float[] a = read(m1);
        assertClose(a, read(m2), 0, 0, "same key, same mask");
        double sum = 0;
        int kept = 0;
        for (float v : a) {
            sum += v;
            kept += v != 0f ? 1 : 0;
        }
        assertEquals(0.7, kept / (double) n, 0.01, "kept fraction");
        assertEquals(1.0, sum / n, 0.015, "inverted dropout preserves the expectation");
        two.dropoutMask(m2, 0.3f, 43);
        int same = 0;
        float[] b = read(m2);
        for (int i = 0; i < n; i++) {
            same += (a[i] != 0f) == (b[i] != 0f) ? 1 : 0;
        }
        assertEquals(0.58, same / (double) n, 0.02, "another key draws an independent mask");
    }
}
