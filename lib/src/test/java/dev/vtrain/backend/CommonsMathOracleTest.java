package dev.vtrain.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An oracle independent of our own code: Apache Commons Math's double-precision matrix product
 * checks both backends' GEMM (all transpose combinations, alpha and beta). Tolerance 1e-5 · (k + 1)
 * absolute for entries of O(√k) magnitude: float32 accumulation against double.
 */
@Tag("kernels")
class CommonsMathOracleTest {
    @ParameterizedTest
    @CsvSource({"1,1,1", "7,9,5", "33,17,65", "64,128,784", "31,257,19"})
    void gemmMatchesCommonsMath(int m, int n, int k) {
        SplittableRandom rng = new SplittableRandom(m + 31L * n + 977L * k);
        double[][] a = random(rng, m, k);
        double[][] b = random(rng, k, n);
        double[][] c = random(rng, m, n);
        RealMatrix expected =
                new Array2DRowRealMatrix(a)
                        .multiply(new Array2DRowRealMatrix(b))
                        .scalarMultiply(0.5)
                        .add(new Array2DRowRealMatrix(c).scalarMultiply(2));
        try (Backend scalar = new ScalarBackend();
                Backend cpu = new CpuBackend(2);
                Storage s = scalar.allocate(4L * (m * k + k * n + m * n) + 256)) {
            for (Backend backend : new Backend[] {scalar, cpu}) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        Tensor at =
                                ta
                                        ? upload(backend, s, 0, transpose(a), k, m)
                                        : upload(backend, s, 0, a, m, k);
                        long off = align((long) m * k);
                        Tensor bt =
                                tb
                                        ? upload(backend, s, off, transpose(b), n, k)
                                        : upload(backend, s, off, b, k, n);
                        off += align((long) k * n);
                        Tensor ct = upload(backend, s, off, c, m, n);
                        backend.gemm(ct, at, ta, bt, tb, 0.5f, 2f);
                        float[] got = new float[m * n];
                        backend.download(ct, got, 0);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                assertEquals(
                                        expected.getEntry(i, j),
                                        got[i * n + j],
                                        1e-5 * (k + 1),
                                        backend.name()
                                                + " ta="
                                                + ta
                                                + " tb="
                                                + tb
                                                + " at ("
                                                + i
                                                + ", "
                                                + j
                                                + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    private static long align(long n) {
        return (n + 15) / 16 * 16;
    }

    private static double[][] random(SplittableRandom rng, int r, int c) {
        double[][] x = new double[r][c];
        for (double[] row : x) {
            for (int j = 0; j < c; j++) {
                row[j] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        return x;
    }

    private static double[][] transpose(double[][] x) {
        return new Array2DRowRealMatrix(x).transpose().getData();
    }

    private static Tensor upload(
            Backend b, Storage s, long offset, double[][] x, int rows, int cols) {
        float[] flat = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                flat[i * cols + j] = (float) x[i][j];
            }
        }
        Tensor t = Tensor.of(s, offset, rows, cols);
        b.upload(flat, 0, t);
        return t;
    }
}
