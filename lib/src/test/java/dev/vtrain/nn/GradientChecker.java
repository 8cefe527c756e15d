package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Central finite differences against a whole model's analytic gradients, with respect to its input
 * and every parameter. The model is probed with the scalar function {@code f = Σ out · R} for a
 * fixed random R, so the analytic gradients are one backward pass with {@code dOut = R}. Forward
 * passes run in float32 and f is summed in double; with step h = 1e-2 the truncation error is O(h²)
 * and rounding about 1e-7·|f|/h, so agreement within {@code tol} absolute plus {@code tol} relative
 * is required. At most {@code MAX_PROBES} evenly spaced elements per tensor are checked.
 */
final class GradientChecker {
    static final float H = 1e-2f;
    private static final int MAX_PROBES = 48;

    private GradientChecker() {}

    static float[] random(SplittableRandom rng, int n) {
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

    static void check(
            String backendName,
            Supplier<Layer> factory,
            Shape input,
            int batch,
            boolean training,
            double tol) {
        check(backendName, factory, input, batch, training, tol, false);
    }

    /**
     * As above; with {@code distinct} the inputs are a shuffled sequence spaced 5h apart, so a
     * probe never changes which element of a max-pooling window wins.
     */
    static void check(
            String backendName,
            Supplier<Layer> factory,
            Shape input,
            int batch,
            boolean training,
            double tol,
            boolean distinct) {
        check(backendName, factory, input, batch, training, tol, distinct, 0);
    }

    /**
     * For layers whose input is token ids: inputs are random ids in [0, vocab) and only the
     * parameter gradients are probed (ids are not differentiable).
     */
    static void checkTokens(
            String backendName,
            Supplier<Layer> factory,
            Shape input,
            int batch,
            int vocab,
            double tol) {
        checkTokens(backendName, factory, input, batch, vocab, tol, true);
    }

    /** As above, in training or evaluation mode. */
    static void checkTokens(
            String backendName,
            Supplier<Layer> factory,
            Shape input,
            int batch,
            int vocab,
            double tol,
            boolean training) {
        check(backendName, factory, input, batch, training, tol, false, vocab);
    }

    private static void check(
            String backendName,
            Supplier<Layer> factory,
            Shape input,
            int batch,
            boolean training,
            double tol,
            boolean distinct,
            int vocab) {
        SplittableRandom rng = new SplittableRandom(42);
        Layer layer = factory.get();
        try (Backend b = Backends.create(backendName, 2).backend();
                Model model = Model.build(layer, input, batch, b, 7)) {
            int in = input.size();
            int out = model.outFeatures();
            float[] x = distinct ? spaced(rng, batch * in) : random(rng, batch * in);
            if (vocab > 0) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = rng.nextInt(vocab);
                }
            }
            float[] r = random(rng, batch * out);
            long padded = 64L * ((batch * (long) in + 63) / 64);
            try (Storage s = b.allocate(2 * padded)) {
                Tensor xt = Tensor.of(s, 0, batch, in);
                Tensor gradIn = Tensor.of(s, padded, batch, in);
                b.upload(x, 0, xt);
                // Every probe replays the analytic pass's random draws (dropout masks).
                long[] draws = model.randomState();
                model.forward(xt, training);
                b.upload(r, 0, model.outputGradient(batch));
                model.backward(xt, false, gradIn);
                float[] analyticIn = new float[batch * in];
                b.download(gradIn, analyticIn, 0);
                String what = layer.toString().replace('\n', ' ') + " on " + backendName;
                int stride = Math.max(1, x.length / MAX_PROBES);
                for (int i = 0; vocab == 0 && i < x.length; i += stride) {
                    float saved = x[i];
                    x[i] = saved + H;
                    double plus = probe(b, model, xt, x, r, training, draws);
                    x[i] = saved - H;
                    double minus = probe(b, model, xt, x, r, training, draws);
                    x[i] = saved;
                    assertNear(
                            (plus - minus) / (2 * H),
                            analyticIn[i],
                            tol,
                            what + " d/dx[" + i + "]");
                }
                b.upload(x, 0, xt);
                for (Parameter p : model.parameters()) {
                    float[] grad = model.readGradient(p.name());
                    float[] values = model.read(p.name());
                    int ps = Math.max(1, values.length / MAX_PROBES);
                    for (int i = 0; i < values.length; i += ps) {
                        float saved = values[i];
                        values[i] = saved + H;
                        model.write(p.name(), values);
                        double plus = probe(b, model, xt, x, r, training, draws);
                        values[i] = saved - H;
                        model.write(p.name(), values);
                        double minus = probe(b, model, xt, x, r, training, draws);
                        values[i] = saved;
                        model.write(p.name(), values);
                        assertNear(
                                (plus - minus) / (2 * H),
                                grad[i],
                                tol,
                                what + " d/d" + p + "[" + i + "]");
                    }
                }
            }
        }
    }

    static float[] spaced(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (i - n / 2) * 5 * H + H;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static void assertNear(double numeric, double analytic, double tol, String what) {
        if (Math.abs(numeric - analytic) > tol + tol * Math.abs(numeric)) {
            throw new AssertionError(what + ": numeric " + numeric + " vs analytic " + analytic);
        }
    }

    /** f = Σ forward(x) · r, in double on the host. */
    private static double probe(
            Backend b,
            Model model,
            Tensor xt,
            float[] x,
            float[] r,
            boolean training,
            long[] draws) {
        model.restoreRandomState(draws);
        b.upload(x, 0, xt);
        Tensor y = model.forward(xt, training);
        float[] out = new float[(int) y.size()];
        b.download(y, out, 0);
        double f = 0;
        for (int i = 0; i < out.length; i++) {
            f += (double) out[i] * r[i];
        }
        return f;
    }
}
