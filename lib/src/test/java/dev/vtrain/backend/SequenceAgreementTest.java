package dev.vtrain.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's sequence kernels (embedding, layer norm, GELU, causal attention and its cached
 * single-query form) against the scalar reference, with 1 and 2 threads, at widths around the
 * vector length and odd sequence lengths and head sizes; again at 256 and 128 bits (tag {@code
 * kernels}). Copies agree exactly; sums within 2e-5 relative.
 */
@Tag("kernels")
class SequenceAgreementTest {
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

    private static Tensor tensor(int rows, int cols) {
        return T.tensor(rows, cols);
    }

    private static Tensor random(int rows, int cols, long seed, double range) {
        return T.random(rows, cols, seed, range);
    }

    private static Tensor ids(int n, int vocab, long seed) {
        Tensor t = tensor(n, 1);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(vocab);
        }
        T.write(v, t);
        return t;
    }

    private static float[] read(Tensor t) {
        return T.read(t);
    }

    private static void near(Tensor expected, Tensor actual, double tol, String what) {
        T.near(expected, actual, tol, what);
    }

    static IntStream widths() {
        return IntStream.of(1, L - 1, L, L + 1, 2 * L + 3, 128).filter(c -> c >= 1).distinct();
    }

    @ParameterizedTest
    @MethodSource("widths")
    void embedding(int c) {
        int vocab = 7;
        int period = 5;
        int rows = 15;
        Tensor table = random(vocab, c, 1, 1);
        Tensor pos = random(period, c, 2, 1);
        Tensor id = ids(rows, vocab, 3);
        Tensor dOut = random(rows, c, 4, 1);
        Tensor ref = tensor(rows, c);
        REF.sequence().embedding(ref, id, table, pos, period);
        Tensor refTg = random(vocab, c, 5, 1);
        Tensor refPg = random(period, c, 6, 1);
        REF.sequence().embeddingBackward(refTg, 1f, refPg, 0f, dOut, id, period);
        for (CpuBackend b : CPU) {
            Tensor out = random(rows, c, 9, 1);
            b.sequence().embedding(out, id, table, pos, period);
            near(ref, out, 0, "embedding c=" + c);
            Tensor tg = random(vocab, c, 5, 1);
            Tensor pg = random(period, c, 6, 1);
            b.sequence().embeddingBackward(tg, 1f, pg, 0f, dOut, id, period);
            near(refTg, tg, 1e-6, "table grad c=" + c);
            near(refPg, pg, 1e-6, "position grad c=" + c);
        }
    }

    @ParameterizedTest
    @MethodSource("widths")
    void transposeBlocks(int f) {
        Tensor src = random(3 * 5, f, 1, 1);
        Tensor ref = tensor(3 * 5, f);
        REF.sequence().transposeBlocks(ref, src, 3, 5, f);
        Tensor back = tensor(3 * 5, f);
        REF.sequence().transposeBlocks(back, ref, 5, 3, f);
        near(src, back, 0, "transpose round trip f=" + f);
        for (CpuBackend b : CPU) {
            Tensor out = random(3 * 5, f, 2, 1);
            b.sequence().transposeBlocks(out, src, 3, 5, f);
            near(ref, out, 0, "transposeBlocks f=" + f);
        }
    }

    @ParameterizedTest
    @MethodSource("attentionShapes")
    void causalAttentionWithDropout(int sequences, int length, int heads, int d) {
        int c = heads * d;
        int rows = sequences * length;
        long key = 0x1234_5678_9abcL;
        Tensor qkv = random(rows, 3 * c, 1, 2);
        Tensor dy = random(rows, c, 2, 1);
        Tensor y = tensor(rows, c);
        Tensor p = tensor(sequences * heads * length, length);
        Tensor dqkv = tensor(rows, 3 * c);
        REF.sequence().causalAttention(y, p, qkv, sequences, length, heads, 0.3f, key);
        REF.sequence()
                .causalAttentionBackward(dqkv, dy, qkv, p, sequences, length, heads, 0.3f, key);
        String what = "dropout attention T=" + length + " H=" + heads + " D=" + d;
        for (CpuBackend b : CPU) {
            Tensor y2 = tensor(rows, c);
            Tensor p2 = tensor(sequences * heads * length, length);
            Tensor dqkv2 = tensor(rows, 3 * c);
            b.sequence().causalAttention(y2, p2, qkv, sequences, length, heads, 0.3f, key);
            near(y, y2, 2e-5, what + " y");
            near(p, p2, 2e-5, what + " probs");
            b.sequence()
                    .causalAttentionBackward(
                            dqkv2, dy, qkv, p2, sequences, length, heads, 0.3f, key);
            near(dqkv, dqkv2, 5e-5, what + " dqkv");
        }
    }

    @Test
    void attentionDropoutGradientMatchesFiniteDifferences() {
        // f = Σ y · R with a fixed dropout key: central differences on the reference (sums in
        // double) against its backward.
        int sequences = 2;
        int length = 5;
        int heads = 2;
        int c = 6;
        int rows = sequences * length;
        long key = 77;
        Tensor qkv = random(rows, 3 * c, 3, 1);
        Tensor r = random(rows, c, 4, 1);
        Tensor y = tensor(rows, c);
        Tensor p = tensor(sequences * heads * length, length);
        Tensor dqkv = tensor(rows, 3 * c);
        REF.sequence().causalAttention(y, p, qkv, sequences, length, heads, 0.4f, key);
        REF.sequence()
                .causalAttentionBackward(dqkv, r, qkv, p, sequences, length, heads, 0.4f, key);
        float[] x = read(qkv);
        float[] rv = read(r);
        float[] analytic = read(dqkv);
        float h = 1e-3f;
        for (int i = 0; i < x.length; i += 3) {
            float saved = x[i];
            double[] f = new double[2];
            for (int side = 0; side < 2; side++) {
                x[i] = saved + (side == 0 ? h : -h);
                T.write(x, qkv);
                REF.sequence().causalAttention(y, p, qkv, sequences, length, heads, 0.4f, key);
                float[] out = read(y);
                for (int k = 0; k < out.length; k++) {
                    f[side] += (double) out[k] * rv[k];
                }
            }
            x[i] = saved;
            double numeric = (f[0] - f[1]) / (2 * h);
            assertEquals(numeric, analytic[i], 2e-3 * (1 + Math.abs(numeric)), "d/dqkv[" + i + "]");
        }
        T.write(x, qkv);
    }

    @Test
    void badTokenIdIsNamed() {
        Tensor table = random(4, 3, 1, 1);
        Tensor id = tensor(2, 1);
        REF.upload(new float[] {1, 4}, 0, id);
        for (Backend b : new Backend[] {REF, CPU[0]}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> b.sequence().embedding(tensor(2, 3), id, table, null, 1));
            assertTrue(e.getMessage().contains("token id 4.0 at position 1"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("widths")
    void layerNorm(int c) {
        int rows = 13;
        Tensor x = random(rows, c, 1, 3);
        // A large common offset: the variance must not cancel.
        float[] shifted = read(x);
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 50f;
        }
        REF.upload(shifted, 0, x);
        Tensor gamma = random(1, c, 2, 1);
        Tensor beta = random(1, c, 3, 1);
        Tensor dy = random(rows, c, 4, 1);
        Tensor y = tensor(rows, c);
        Tensor mean = tensor(rows, 1);
        Tensor rstd = tensor(rows, 1);
        Tensor dx = tensor(rows, c);
        Tensor dg = random(1, c, 5, 1);
        Tensor db = random(1, c, 6, 1);
        REF.sequence().layerNorm(y, mean, rstd, x, gamma, beta, 1e-5f);
        REF.sequence()
                .layerNormBackward(dx, dg, 1f, db, 0f, tensor(rows, c), dy, x, gamma, mean, rstd);
        for (CpuBackend b : CPU) {
            Tensor y2 = tensor(rows, c);
            Tensor m2 = tensor(rows, 1);
            Tensor r2 = tensor(rows, 1);
            b.sequence().layerNorm(y2, m2, r2, x, gamma, beta, 1e-5f);
            near(y, y2, 2e-5, "layer norm c=" + c);
            near(mean, m2, 1e-6, "mean c=" + c);
            near(rstd, r2, 2e-5, "rstd c=" + c);
            Tensor dx2 = tensor(rows, c);
            Tensor dg2 = random(1, c, 5, 1);
            Tensor db2 = random(1, c, 6, 1);
            b.sequence()
                    .layerNormBackward(
                            dx2, dg2, 1f, db2, 0f, tensor(rows, c), dy, x, gamma, m2, r2);
            near(dx, dx2, 5e-5, "layer norm dx c=" + c);
            near(dg, dg2, 5e-5, "layer norm dgamma c=" + c);
            near(db, db2, 1e-6, "layer norm dbias c=" + c);
        }
    }

    @ParameterizedTest
    @MethodSource("widths")
    void gelu(int c) {
        int rows = 7;
        Tensor x = random(rows, c, 1, 6);
        Tensor dy = random(rows, c, 2, 1);
        for (boolean tanh : new boolean[] {false, true}) {
            Tensor y = tensor(rows, c);
            Tensor dx = tensor(rows, c);
            REF.sequence().gelu(y, x, tanh);
            REF.sequence().geluBackward(dx, dy, x, tanh);
            for (CpuBackend b : CPU) {
                Tensor y2 = tensor(rows, c);
                Tensor dx2 = tensor(rows, c);
                b.sequence().gelu(y2, x, tanh);
                b.sequence().geluBackward(dx2, dy, x, tanh);
                near(y, y2, 1e-6, "gelu tanh=" + tanh + " c=" + c);
                near(dx, dx2, 2e-6, "gelu' tanh=" + tanh + " c=" + c);
            }
        }
    }

    @Test
    void geluReferenceMatchesKnownValues() {
        // Φ(1) = 0.8413447460685429, Φ(-2) = 0.022750131948179195 (tables of the normal CDF).
        assertEquals(0.8413447460685429, GeluMath.gelu(1, false), 1e-12);
        assertEquals(-2 * 0.022750131948179195, GeluMath.gelu(-2, false), 1e-12);
        assertEquals(0.9999779095030014, GeluMath.erf(3), 1e-12);
        double h = 1e-5;
        for (double x : new double[] {-3, -0.5, 0.2, 2.5}) {
            for (boolean tanh : new boolean[] {false, true}) {
                double numeric =
                        (GeluMath.gelu(x + h, tanh) - GeluMath.gelu(x - h, tanh)) / (2 * h);
                assertEquals(numeric, GeluMath.geluGrad(x, tanh), 1e-8, "x=" + x + " tanh=" + tanh);
            }
        }
    }

    static Stream<Arguments> attentionShapes() {
        List<Arguments> out = new ArrayList<>();
        for (int d : new int[] {1, L - 1, L + 1, 32}) {
            if (d < 1) {
                continue;
            }
            for (int t : new int[] {1, 5, L + 3}) {
                out.add(Arguments.of(2, t, 1, d));
                out.add(Arguments.of(3, t, 3, d));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("attentionShapes")
    void causalAttention(int sequences, int length, int heads, int d) {
        int c = heads * d;
        int rows = sequences * length;
        Tensor qkv = random(rows, 3 * c, 1, 2);
        Tensor dy = random(rows, c, 2, 1);
        Tensor y = tensor(rows, c);
        Tensor p = tensor(sequences * heads * length, length);
        Tensor dqkv = tensor(rows, 3 * c);
        REF.sequence().causalAttention(y, p, qkv, sequences, length, heads);
        REF.sequence().causalAttentionBackward(dqkv, dy, qkv, p, sequences, length, heads);
        String what = "attention n=" + sequences + " T=" + length + " H=" + heads + " D=" + d;
        for (CpuBackend b : CPU) {
            Tensor y2 = random(rows, c, 7, 1);
            Tensor p2 = random(sequences * heads * length, length, 8, 1);
            Tensor dqkv2 = random(rows, 3 * c, 9, 1);
            b.sequence().causalAttention(y2, p2, qkv, sequences, length, heads);
            near(p, p2, 2e-5, what + " probs");
            near(y, y2, 2e-5, what + " y");
            b.sequence().causalAttentionBackward(dqkv2, dy, qkv, p2, sequences, length, heads);
            near(dqkv, dqkv2, 5e-5, what + " dqkv");
        }
        // The cached single-query form gives each row of the full pass (last sequence), within
        // rounding (its scores are dot products over the key rows, not a transposed product).
        float[] all = read(qkv);
        int base = (sequences - 1) * length;
        Tensor lastRows = tensor(length, 3 * c);
        Storage last = lastRows.storage();
        float[] rowsOfLast = new float[length * 3 * c];
        System.arraycopy(all, base * 3 * c, rowsOfLast, 0, rowsOfLast.length);
        REF.upload(rowsOfLast, 0, Tensor.of(last, 0, length, 3 * c));
        float[] expected = read(y);
        Tensor cpuY = tensor(rows, c);
        CPU[0].sequence()
                .causalAttention(
                        cpuY,
                        tensor(sequences * heads * length, length),
                        qkv,
                        sequences,
                        length,
                        heads);
        float[] cpuExpected = read(cpuY);
        for (Backend b : new Backend[] {REF, CPU[0]}) {
            for (int i = 0; i < length; i++) {
                Tensor out = tensor(1, c);
                b.sequence()
                        .attendCached(
                                out,
                                tensor(heads, i + 1),
                                Tensor.of(last, 0, i + 1, 3 * c),
                                i + 1,
                                heads);
                float[] got = read(out);
                for (int e = 0; e < c; e++) {
                    float want = expected[(base + i) * c + e];
                    assertEquals(
                            want, got[e], 2e-5 * (1 + Math.abs(want)), what + " cached row " + i);
                    assertEquals(
                            cpuExpected[(base + i) * c + e],
                            got[e],
                            2e-5 * (1 + Math.abs(want)),
                            what + " cached row " + i + " against the cpu pass");
                }
            }
        }
    }
}
