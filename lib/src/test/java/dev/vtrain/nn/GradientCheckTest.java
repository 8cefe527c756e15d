package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Central finite differences against every layer's and loss's analytic gradients, with respect to
 * inputs and parameters. A layer is probed with the scalar function {@code f = Σ out · R} for a
 * fixed random R, so its analytic input gradient is {@code backward(gradOut = R)}.
 *
 * <p>Float32 forward passes with step h = 1e-2 give truncation error O(h²) and rounding error about
 * 1e-7·|f|/h; agreement is required within 2e-3 absolute + 2e-3 relative. Inputs avoid ReLU's kink
 * by at least 2h.
 */
class GradientCheckTest {
    private static final float H = 1e-2f;
    private static final double TOL = 2e-3;

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do {
                v = (float) (rng.nextDouble() * 2 - 1);
            } while (Math.abs(v) < 3 * H);
            a[i] = v;
        }
        return a;
    }

    private static void assertNear(double numeric, double analytic, String what) {
        if (Math.abs(numeric - analytic) > TOL + TOL * Math.abs(numeric)) {
            throw new AssertionError(what + ": numeric " + numeric + " vs analytic " + analytic);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void layers(String backendName) {
        checkLayer(backendName, () -> new Linear(5, 4), 5);
        checkLayer(backendName, () -> new Linear(3, 7, false), 3);
        checkLayer(backendName, ReLU::new, 6);
        checkLayer(backendName, Sigmoid::new, 6);
        checkLayer(backendName, Tanh::new, 6);
    }

    private static void checkLayer(String backendName, Supplier<Layer> factory, int in) {
        int batch = 3;
        SplittableRandom rng = new SplittableRandom(42);
        Layer layer = factory.get();
        try (Backend b = Backends.create(backendName, 2).backend();
                Model model = Model.build(new Sequential(layer), in, batch, b, 7)) {
            int out = model.outFeatures();
            float[] x = random(rng, batch * in);
            float[] r = random(rng, batch * out);
            Storage s = b.allocate(2L * batch * in + 64);
            try (s) {
                Tensor xt = Tensor.of(s, 0, batch, in);
                Tensor gradIn = Tensor.of(s, 64L * ((batch * in + 63) / 64), batch, in);
                b.upload(x, 0, xt);
                model.zeroGrad();
                Tensor y = model.forward(xt, true);
                b.upload(r, 0, model.outputGradient(batch));
                // One backward call: parameter gradients accumulate, the input gradient is
                // overwritten.
                layer.backward(b, xt, y, model.outputGradient(batch), gradIn);
                float[] analyticIn = new float[batch * in];
                b.download(gradIn, analyticIn, 0);
                for (int i = 0; i < x.length; i++) {
                    float saved = x[i];
                    x[i] = saved + H;
                    double plus = probe(b, model, xt, x, r);
                    x[i] = saved - H;
                    double minus = probe(b, model, xt, x, r);
                    x[i] = saved;
                    assertNear(
                            (plus - minus) / (2 * H),
                            analyticIn[i],
                            layer + " d/dx[" + i + "] on " + backendName);
                }
                b.upload(x, 0, xt);
                for (Parameter p : model.parameters()) {
                    float[] grad = new float[(int) p.size()];
                    b.download(p.grad(), grad, 0);
                    float[] values = model.read(p.name());
                    for (int i = 0; i < values.length; i++) {
                        float saved = values[i];
                        values[i] = saved + H;
                        model.write(p.name(), values);
                        double plus = probe(b, model, xt, x, r);
                        values[i] = saved - H;
                        model.write(p.name(), values);
                        double minus = probe(b, model, xt, x, r);
                        values[i] = saved;
                        model.write(p.name(), values);
                        assertNear(
                                (plus - minus) / (2 * H),
                                grad[i],
                                layer + " d/d" + p + "[" + i + "] on " + backendName);
                    }
                }
            }
        }
    }

    /** f = Σ forward(x) · r, in double on the host. */
    private static double probe(Backend b, Model model, Tensor xt, float[] x, float[] r) {
        b.upload(x, 0, xt);
        Tensor y = model.forward(xt, true);
        float[] out = new float[(int) y.size()];
        b.download(y, out, 0);
        double f = 0;
        for (int i = 0; i < out.length; i++) {
            f += (double) out[i] * r[i];
        }
        return f;
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
