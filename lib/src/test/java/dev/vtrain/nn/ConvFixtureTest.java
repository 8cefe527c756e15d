package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.FixtureFile;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.io.Json;
import dev.vtrain.io.Pretrained;
import dev.vtrain.io.SafetensorsException;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image layers against PyTorch 1.13 (fixtures from {@code
 * tools/fixtures/make_conv_fixtures.py}): forward and backward of convolutions (stride, padding,
 * dilation, groups, no bias, rectangular), max/average/adaptive pooling and batch norm; running
 * statistics after 20 steps and the eval output; a 10-step Adam trajectory of a small CNN from
 * PyTorch's initial state dict, with the final state dict and eval logits; strict state-dict
 * loading. Scalar backend and the CPU backend with 1 and 2 threads. Tensors in the fixtures are
 * NCHW; model outputs and output gradients of image layers are channels-last in memory, and are
 * converted here.
 */
class ConvFixtureTest {
    private static final float TOL = 2e-4f;
    private static Map<String, List<String>> fx;

    @BeforeAll
    static void read() throws IOException {
        fx = FixtureFile.read("conv_layers.txt");
    }

    static Stream<Arguments> backends() {
        return Stream.of(Arguments.of("scalar", 1), Arguments.of("cpu", 1), Arguments.of("cpu", 2));
    }

    private static float[] t(String name) {
        List<String> v = fx.get(name);
        if (v == null) {
            throw new AssertionError("fixture lacks " + name);
        }
        return FixtureFile.floats(v, 1);
    }

    private static int[] dims(String name) {
        String[] d = fx.get(name).get(0).split(",", -1);
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Integer.parseInt(d[i]);
        }
        return out;
    }

    private static Map<?, ?> cfg(String c) {
        return (Map<?, ?>) Json.parse(fx.get(c + ".cfg").get(0));
    }

    private static int[] pair(Map<?, ?> m, String k) {
        List<?> l = (List<?>) m.get(k);
        return new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
    }

    /** NCHW → NHWC (or back with {@code inverse}) for {@code n} samples of (c, hw). */
    static float[] layout(float[] v, int n, int c, int hw, boolean inverse) {
        float[] out = new float[v.length];
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) {
                    int first = s * c * hw + ch * hw + p;
                    int last = s * c * hw + p * c + ch;
                    if (inverse) {
                        out[first] = v[last];
                    } else {
                        out[last] = v[first];
                    }
                }
            }
        }
        return out;
    }

    static void near(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > TOL + TOL * Math.abs(expected[i])) {
                throw new AssertionError(
                        what + "[" + i + "]: PyTorch " + expected[i] + ", vtrain " + actual[i]);
            }
        }
    }

    /**
     * Runs one layer forward (training) and backward on the case's x and dy, checks y and dx, and
     * returns the model (open) for further checks by the caller.
     */
    private static void layerCase(
            String backend,
            int threads,
            String c,
            Layer layer,
            Map<String, String> weights,
            String[] grads) {
        int[] xd = dims(c + ".x");
        int n = xd[0];
        Shape in = xd.length == 4 ? Shape.of(xd[1], xd[2], xd[3]) : Shape.of(xd[1]);
        try (Backend b = Backends.create(backend, threads).backend();
                Model m = Model.build(layer, in, n, b, 0);
                Storage s = b.allocate(2L * n * in.size() + 64)) {
            for (Map.Entry<String, String> w : weights.entrySet()) {
                m.write(w.getKey(), t(c + "." + w.getValue()));
            }
            Tensor x = Tensor.of(s, 0, n, in.size());
            Tensor dx =
                    Tensor.of(s, (long) n * in.size() + 16 - (n * in.size()) % 16, n, in.size());
            b.upload(t(c + ".x"), 0, x);
            Tensor y = m.forward(x, true);
            float[] yv = new float[(int) y.size()];
            b.download(y, yv, 0);
            Shape out = m.outputShape();
            boolean image = out.rank() == 3;
            int oc = out.dim(0);
            int ohw = image ? out.dim(1) * out.dim(2) : 1;
            String where = c + " on " + backend + "/" + threads;
            near(t(c + ".y"), image ? layout(yv, n, oc, ohw, true) : yv, where + " y");
            float[] dy = t(c + ".dy");
            b.upload(image ? layout(dy, n, oc, ohw, false) : dy, 0, m.outputGradient(n));
            m.backward(x, false, dx);
            float[] dxv = new float[n * in.size()];
            b.download(dx, dxv, 0);
            near(t(c + ".dx"), dxv, where + " dx");
            for (String g : grads) {
                near(t(c + ".d" + g), m.readGradient(g), where + " d" + g);
            }
            if (fx.containsKey(c + ".running_mean")) {
                near(t(c + ".running_mean"), m.read("running_mean"), where + " running_mean");
                near(t(c + ".running_var"), m.read("running_var"), where + " running_var");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void convolutions(String backend, int threads) {
        for (String c :
                List.of(
                        "conv_basic",
                        "conv_stride",
                        "conv_dilation",
                        "conv_groups",
                        "conv_depthwise",
                        "conv_1x1_nobias",
                        "conv_rect")) {
            Map<?, ?> g = cfg(c);
            boolean bias = (Boolean) g.get("bias");
            Conv2d conv =
                    new Conv2d(
                            ((Number) g.get("in")).intValue(),
                            ((Number) g.get("out")).intValue(),
                            pair(g, "kernel"),
                            pair(g, "stride"),
                            pair(g, "padding"),
                            pair(g, "dilation"),
                            ((Number) g.get("groups")).intValue(),
                            bias);
            layerCase(
                    backend,
                    threads,
                    c,
                    conv,
                    bias ? Map.of("weight", "weight", "bias", "bias") : Map.of("weight", "weight"),
                    bias ? new String[] {"weight", "bias"} : new String[] {"weight"});
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pooling(String backend, int threads) {
        for (String c :
                List.of(
                        "pool_max_2",
                        "pool_max_3s2p1",
                        "pool_max_odd",
                        "pool_avg_2",
                        "pool_avg_3s1p1")) {
            Map<?, ?> g = cfg(c);
            Layer l =
                    c.startsWith("pool_max")
                            ? Pool2d.max(pair(g, "kernel"), pair(g, "stride"), pair(g, "padding"))
                            : Pool2d.avg(pair(g, "kernel"), pair(g, "stride"), pair(g, "padding"));
            layerCase(backend, threads, c, l, Map.of(), new String[0]);
        }
        for (String c : List.of("pool_adaptive_1", "pool_adaptive_2x3")) {
            int[] o = pair(cfg(c), "output");
            layerCase(backend, threads, c, Pool2d.adaptiveAvg(o[0], o[1]), Map.of(), new String[0]);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void batchNormStep(String backend, int threads) {
        Map<String, String> w = Map.of("weight", "weight", "bias", "bias");
        String[] g = {"weight", "bias"};
        layerCase(backend, threads, "bn2d", BatchNorm.of2d(3), w, g);
        layerCase(backend, threads, "bn1d", BatchNorm.of1d(5, 1e-5f, 0.1f, true), w, g);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void runningStatisticsAfterTwentyStepsAndEvalOutput(String backend, int threads) {
        for (String c : List.of("bn2d_20", "bn1d_20")) {
            int[] xd = dims(c + ".x0");
            int n = xd[0];
            boolean image = xd.length == 4;
            Shape in = image ? Shape.of(xd[1], xd[2], xd[3]) : Shape.of(xd[1]);
            Layer l = image ? BatchNorm.of2d(xd[1]) : BatchNorm.of1d(xd[1], 1e-5f, 0.1f, true);
            try (Backend b = Backends.create(backend, threads).backend();
                    Model m = Model.build(l, in, n, b, 0);
                    Storage s = b.allocate((long) n * in.size())) {
                Tensor x = Tensor.of(s, 0, n, in.size());
                for (int k = 0; k < 20; k++) {
                    b.upload(t(c + ".x" + k), 0, x);
                    m.forward(x, true);
                }
                String where = c + " on " + backend + "/" + threads;
                near(t(c + ".running_mean"), m.read("running_mean"), where + " running_mean");
                near(t(c + ".running_var"), m.read("running_var"), where + " running_var");
                near(
                        t(c + ".num_batches_tracked"),
                        m.read("num_batches_tracked"),
                        where + " num_batches_tracked");
                b.upload(t(c + ".xe"), 0, x);
                Tensor y = m.forward(x, false);
                float[] yv = new float[(int) y.size()];
                b.download(y, yv, 0);
                near(
                        t(c + ".ye"),
                        image ? layout(yv, n, xd[1], xd[2] * xd[3], true) : yv,
                        where + " eval y");
            }
        }
    }

    static final String CNN =
            "conv2d(4,3,padding=1),batchnorm2d,relu,maxpool2d(2),conv2d(8,3,padding=1),batchnorm2d,relu,"
                    + "maxpool2d(2),flatten,linear(16),relu,linear(10)";

    private static Path resource(String name) {
        try {
            return Path.of(ConvFixtureTest.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] evalLogits(Model m, Backend b, Tensor x) {
        Tensor y = m.forward(x, false);
        float[] v = new float[(int) y.size()];
        b.download(y, v, 0);
        return v;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cnnAdamTrajectoryFromPyTorchsInitialStateDict(String backend, int threads) {
        Shape in = Shape.of(1, 8, 8);
        try (Backend b = Backends.create(backend, threads).backend();
                Model m = Model.build(Layers.fromSpec(CNN, in), in, 8, b, 0);
                Adam adam = new Adam(m, 1e-3f);
                Trainer tr = new Trainer(m, new CrossEntropyLoss(), adam)) {
            Pretrained.loadStrict(m, resource("torch_cnn.safetensors"));
            b.upload(t("cnn.x"), 0, tr.input());
            b.upload(t("cnn.y"), 0, tr.target().firstRows(8));
            String where = "cnn on " + backend + "/" + threads;
            for (int k = 1; k <= 10; k++) {
                tr.step(8, 1e-3f, false);
                assertEquals(
                        t("cnn.step" + k + ".loss")[0],
                        tr.lastLoss(),
                        2e-5,
                        where + " loss at step " + k);
                near(
                        t("cnn.step" + k + ".0.weight"),
                        m.read("0.weight"),
                        where + " 0.weight after step " + k);
            }
            for (Parameter p : m.parameters()) {
                if (p.name().equals("0.bias") || p.name().equals("4.bias")) {
                    // A convolution bias followed by batch norm has an analytically zero
                    // gradient (the normalisation removes it); both frameworks see rounding
                    // noise of ~1e-9, which Adam scales to steps of about ±lr. Only the bound
                    // holds: 10 steps move it by at most 10 lr from PyTorch's value.
                    float[] e = t("cnn.final." + p.name());
                    float[] a = m.read(p.name());
                    for (int i = 0; i < e.length; i++) {
                        assertEquals(e[i], a[i], 2 * 10 * 1e-3 + 1e-6, where + " " + p.name());
                    }
                    continue;
                }
                near(t("cnn.final." + p.name()), m.read(p.name()), where + " final " + p.name());
            }
            for (Buffer buf : m.buffers()) {
                if (buf.name().endsWith("running_mean")) {
                    // Tracks the batch mean, which includes the noise-driven bias above.
                    float[] e = t("cnn.final." + buf.name());
                    float[] a = m.read(buf.name());
                    for (int i = 0; i < e.length; i++) {
                        assertEquals(e[i], a[i], 2 * 10 * 1e-3 + 1e-6, where + " " + buf.name());
                    }
                    continue;
                }
                near(
                        t("cnn.final." + buf.name()),
                        m.read(buf.name()),
                        where + " final " + buf.name());
            }
            // Eval mode reads the running means, so it inherits the bias noise above (the
            // training-mode losses, which do not, matched to 2e-5 at every step).
            float[] e = t("cnn.final_eval_logits");
            float[] a = evalLogits(m, b, tr.input().firstRows(8));
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], 3e-3, where + " eval logits");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pyTorchFinalStateDictLoadsStrictlyAndGivesItsLogits(String backend, int threads) {
        Shape in = Shape.of(1, 8, 8);
        try (Backend b = Backends.create(backend, threads).backend();
                Model m = Model.build(Layers.fromSpec(CNN, in), in, 8, b, 0);
                Storage s = b.allocate(8L * 64)) {
            Pretrained.loadStrict(m, resource("torch_cnn_final.safetensors"));
            Tensor x = Tensor.of(s, 0, 8, 64);
            b.upload(t("cnn.x"), 0, x);
            near(t("cnn.final_eval_logits"), evalLogits(m, b, x), "eval logits on " + backend);
        }
        try (Backend b = Backends.create(backend, threads).backend();
                Model other =
                        Model.build(
                                Layers.fromSpec("conv2d(4,3,padding=1),flatten,linear(10)", in),
                                in,
                                8,
                                b,
                                0)) {
            SafetensorsException e =
                    assertThrows(
                            SafetensorsException.class,
                            () -> Pretrained.loadStrict(other, resource("torch_cnn.safetensors")));
            if (!e.getMessage().contains("unexpected keys [1.weight")) {
                throw new AssertionError(e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void vtrainCnnFileLoadedStrictlyByPyTorchGaveTheseLogits(String backend, int threads)
            throws IOException {
        // vtrain_cnn.safetensors was written by `vtrain train --model ... --save`; the fixture
        // script loaded it into the equivalent nn.Sequential with strict=True (int64
        // num_batches_tracked included) and recorded its eval logits on x, unscaled.
        Map<String, List<String>> torch = FixtureFile.read("vtrain_cnn_torch.txt");
        dev.vtrain.io.ModelFile.Saved saved =
                dev.vtrain.io.ModelFile.load(resource("vtrain_cnn.safetensors"));
        assertEquals(Shape.of(1, 8, 8), saved.inputShape());
        try (Backend b = Backends.create(backend, threads).backend();
                Model m = saved.build(b, 6);
                Storage s = b.allocate(6L * 64)) {
            Tensor x = Tensor.of(s, 0, 6, 64);
            b.upload(FixtureFile.floats(torch.get("x"), 1), 0, x);
            near(
                    FixtureFile.floats(torch.get("logits"), 1),
                    evalLogits(m, b, x),
                    "vtrain file in PyTorch, " + backend + "/" + threads);
        }
    }
}
