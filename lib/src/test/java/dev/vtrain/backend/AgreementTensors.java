package dev.vtrain.backend;

import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Host tensors for the kernel agreement tests: made in the scalar backend's memory (which every
 * backend here reads), filled with seeded uniform values, compared exactly or within a relative
 * tolerance. Freed by {@link #close}.
 */
final class AgreementTensors implements AutoCloseable {
    private final ScalarBackend ref = new ScalarBackend();
    private final List<Storage> storages = new ArrayList<>();

    /** A zero tensor of rows × cols. */
    Tensor tensor(int rows, int cols) {
        Storage s = ref.allocate((long) rows * cols);
        storages.add(s);
        return Tensor.of(s, 0, rows, cols);
    }

    /** A tensor uniform in [-range, range), from {@code seed}. */
    Tensor random(int rows, int cols, long seed, double range) {
        Tensor t = tensor(rows, cols);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * range);
        }
        ref.upload(v, 0, t);
        return t;
    }

    float[] read(Tensor t) {
        float[] v = new float[(int) t.size()];
        ref.download(t, v, 0);
        return v;
    }

    void write(float[] v, Tensor t) {
        ref.upload(v, 0, t);
    }

    /** Bit-for-bit equality. */
    void same(Tensor expected, Tensor actual, String what) {
        float[] e = read(expected);
        float[] a = read(actual);
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                throw new AssertionError(what + "[" + i + "]: reference " + e[i] + ", cpu " + a[i]);
            }
        }
    }

    /** {@code |e - a| ≤ tol · (1 + |e|)} for every element (NaN fails). */
    void near(Tensor expected, Tensor actual, double tol, String what) {
        float[] e = read(expected);
        float[] a = read(actual);
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i])))) {
                throw new AssertionError(what + "[" + i + "]: reference " + e[i] + ", cpu " + a[i]);
            }
        }
    }

    @Override
    public void close() {
        storages.forEach(Storage::close);
        storages.clear();
    }
}
