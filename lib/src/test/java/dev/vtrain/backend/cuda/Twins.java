package dev.vtrain.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test-only: pairs of tensors with the same values, one in the scalar reference backend, one in a
 * CUDA backend, and the comparison of the two after the same op ran on each. Closes its storages.
 */
final class Twins implements AutoCloseable {
    /** The same tensor in both backends. */
    record Twin(Tensor ref, Tensor dev) {}

    final ScalarBackend ref = new ScalarBackend();
    final Backend dev;
    private final List<Storage> storages = new ArrayList<>();

    Twins(Backend dev) {
        this.dev = dev;
    }

    Twin of(float[] values, int... shape) {
        Storage a = ref.allocate(values.length);
        Storage b = dev.allocate(values.length);
        storages.add(a);
        storages.add(b);
        Twin t = new Twin(Tensor.of(a, 0, shape), Tensor.of(b, 0, shape));
        ref.upload(values, 0, t.ref());
        dev.upload(values, 0, t.dev());
        return t;
    }

    Twin random(long seed, double range, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return of(values(n, seed, range), shape);
    }

    static float[] values(int n, long seed, double range) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * range);
        }
        return v;
    }

    Twin zeros(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return of(new float[n], shape);
    }

    float[] refValues(Twin t) {
        float[] v = new float[(int) t.ref().size()];
        ref.download(t.ref(), v, 0);
        return v;
    }

    float[] devValues(Twin t) {
        float[] v = new float[(int) t.dev().size()];
        dev.download(t.dev(), v, 0);
        return v;
    }

    /** {@code |ref - dev| ≤ tol · (1 + |ref|)} for every element; NaN must meet NaN. */
    void near(Twin t, double tol, String what) {
        float[] e = refValues(t);
        float[] a = devValues(t);
        for (int i = 0; i < e.length; i++) {
            boolean ok =
                    Float.isNaN(e[i])
                            ? Float.isNaN(a[i])
                            : Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i]));
            if (!ok) {
                fail(
                        what
                                + "["
                                + i
                                + "] of "
                                + e.length
                                + ": reference "
                                + e[i]
                                + ", cuda "
                                + a[i]);
            }
        }
    }

    /** Bit-for-bit equality. */
    void same(Twin t, String what) {
        float[] e = refValues(t);
        float[] a = devValues(t);
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                fail(what + "[" + i + "]: reference " + e[i] + ", cuda " + a[i]);
            }
        }
    }

    @Override
    public void close() {
        for (Storage s : storages) {
            s.close();
        }
        storages.clear();
    }
}
