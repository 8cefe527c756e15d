package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.FixtureFile;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.io.Json;
import dev.vtrain.nn.loss.SequenceCrossEntropyLoss;
import dev.vtrain.optim.AdamW;
import dev.vtrain.optim.ParamGroup;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with PyTorch by the method of llm.c's {@code test_gpt2}: {@code
 * tools/fixtures/make_sequence_fixtures.py} writes a tiny GPT's weights, one batch, the logits, the
 * loss, every parameter's gradient and the losses of 10 AdamW steps; vtrain, loaded with the same
 * weights, matches the logits and loss within 1e-5, every gradient within 1e-4 and the 10 losses
 * within 1e-5 (relative to the element, with a floor at the tensor's RMS), on the scalar reference
 * and on the CPU backend with 1 and 2 threads.
 */
class SequenceParityTest {
    private static Map<String, List<String>> fixture;

    static Stream<Arguments> cases() throws IOException {
        fixture = FixtureFile.read("gpt_parity.txt");
        return Stream.of("gpt", "gpt_bias", "lstm_lm", "gru_lm")
                .flatMap(
                        c ->
                                Stream.of(
                                        Arguments.of(c, "scalar", 1),
                                        Arguments.of(c, "cpu", 1),
                                        Arguments.of(c, "cpu", 2)));
    }

    private static float[] values(String name) {
        List<String> t = fixture.get(name);
        if (t == null) {
            throw new AssertionError("fixture lacks " + name);
        }
        return FixtureFile.floats(t, 1);
    }

    static void near(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double ss = 0;
        for (float e : expected) {
            ss += (double) e * e;
        }
        double rms = Math.sqrt(ss / Math.max(1, expected.length));
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= tol * (Math.abs(expected[i]) + rms))) {
                throw new AssertionError(
                        what + "[" + i + "]: PyTorch " + expected[i] + ", vtrain " + actual[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1} with {2} threads")
    @MethodSource("cases")
    void matchesPyTorch(String c, String backend, int threads) {
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(String.join(" ", fixture.get(c + ".cfg")));
        int vocab = ((Number) cfg.get("vocab")).intValue();
        int block = ((Number) cfg.get("block")).intValue();
        int batch = ((Number) cfg.get("batch")).intValue();
        Layer net =
                switch ((String) cfg.get("type")) {
                    case "gpt" ->
                            new Gpt(
                                    vocab,
                                    block,
                                    ((Number) cfg.get("layers")).intValue(),
                                    ((Number) cfg.get("heads")).intValue(),
                                    ((Number) cfg.get("embd")).intValue(),
                                    (Boolean) cfg.get("bias"));
                    default ->
                            new RecurrentLanguageModel(
                                    cfg.get("type").equals("lstm_lm")
                                            ? Recurrent.Cell.LSTM
                                            : Recurrent.Cell.GRU,
                                    vocab,
                                    ((Number) cfg.get("embd")).intValue(),
                                    ((Number) cfg.get("hidden")).intValue(),
                                    ((Number) cfg.get("layers")).intValue());
                };
        List<?> betas = (List<?>) cfg.get("betas");
        try (Backend b = Backends.create(backend, threads).backend();
                Model m = Model.build(net, Shape.of(block), batch, b, 0)) {
            for (Parameter p : m.parameters()) {
                m.write(p.name(), values(c + ".init." + p.name()));
            }
            SequenceCrossEntropyLoss loss = new SequenceCrossEntropyLoss(vocab);
            try (AdamW opt =
                            new AdamW(
                                    m,
                                    ((Number) cfg.get("lr")).floatValue(),
                                    ((Number) betas.get(0)).floatValue(),
                                    ((Number) betas.get(1)).floatValue(),
                                    ((Number) cfg.get("eps")).floatValue(),
                                    ParamGroup.defaults(
                                            m, ((Number) cfg.get("weight_decay")).floatValue()));
                    Trainer trainer = new Trainer(m, loss, opt);
                    Storage s = b.allocate(64)) {
                b.upload(values(c + ".x"), 0, trainer.input().firstRows(batch));
                b.upload(values(c + ".y"), 0, trainer.target().firstRows(batch));
                Tensor x = trainer.input().firstRows(batch);
                Tensor out = m.forward(x, true);
                float[] logits = new float[(int) out.size()];
                b.download(out, logits, 0);
                near(values(c + ".logits"), logits, 1e-5, c + " logits");
                Tensor lossSum = Tensor.of(s, 0, 1);
                b.fill(lossSum, 0f);
                loss.compute(
                        b,
                        out,
                        trainer.target().firstRows(batch),
                        m.outputGradient(batch),
                        lossSum);
                float[] l = new float[1];
                b.download(lossSum, l, 0);
                near(values(c + ".loss"), new float[] {l[0] / (batch * block)}, 1e-5, c + " loss");
                m.backward(x, false);
                for (Parameter p : m.parameters()) {
                    near(
                            values(c + ".grad." + p.name()),
                            m.readGradient(p.name()),
                            1e-4,
                            c + " grad " + p.name());
                }
                for (int k = 1; k <= 10; k++) {
                    trainer.step(batch, opt.learningRate(), false);
                    near(
                            values(c + ".step" + k + ".loss"),
                            new float[] {(float) trainer.lastLoss()},
                            1e-5,
                            c + " loss before update " + k);
                }
                int embd = ((Number) cfg.get("embd")).intValue();
                boolean gpt = cfg.get("type").equals("gpt");
                for (Parameter p : m.parameters()) {
                    float[] want = values(c + ".final." + p.name());
                    float[] got = m.read(p.name());
                    if (gpt && p.name().endsWith("attn.c_attn.bias")) {
                        // The key bias adds q·b to every score of a query, which softmax cancels:
                        // its exact gradient is 0, both sides hold rounding noise, and Adam's
                        // normalisation amplifies that noise to the size of a step. Compare q, v.
                        System.arraycopy(want, embd, got, embd, embd);
                    }
                    near(want, got, 1e-4, c + " final " + p.name());
                }
            }
        }
    }

    private static java.nio.file.Path resource(String name) {
        try {
            return java.nio.file.Path.of(
                    SequenceParityTest.class.getResource("/fixtures/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] evalLogits(Model m, Backend b, float[] ids, int rows) {
        try (Storage s = b.allocate(ids.length)) {
            Tensor x = Tensor.of(s, 0, rows, ids.length / rows);
            b.upload(ids, 0, x);
            Tensor out = m.forward(x, false);
            float[] logits = new float[(int) out.size()];
            b.download(out, logits, 0);
            return logits;
        }
    }

    @org.junit.jupiter.api.Test
    void pyTorchStateDictLoadsStrictlyIntoVtrain() throws IOException {
        fixture = FixtureFile.read("gpt_parity.txt");
        // torch_gpt.safetensors: the "gpt" case's initial state_dict, saved by PyTorch without
        // the tied lm_head.weight.
        try (Backend b = Backends.create("cpu", 2).backend();
                Model m = Model.build(new Gpt(13, 8, 2, 2, 16, false), Shape.of(8), 3, b, 99)) {
            dev.vtrain.io.Pretrained.loadStrict(m, resource("torch_gpt.safetensors"));
            near(
                    values("gpt.logits"),
                    evalLogits(m, b, values("gpt.x"), 3),
                    1e-5,
                    "PyTorch weights in vtrain");
        }
    }

    @org.junit.jupiter.api.Test
    void vtrainGptFileLoadedStrictlyByPyTorchGaveTheseLogits() throws IOException {
        // vtrain_gpt.safetensors was written by `vtrain train --data … --model gpt(…) --save`; the
        // fixture script loaded it into its GPT with load_state_dict(strict=True) (lm_head tied)
        // and recorded eval logits on x.
        Map<String, List<String>> torch = FixtureFile.read("vtrain_gpt_torch.txt");
        dev.vtrain.io.ModelFile.Saved saved =
                dev.vtrain.io.ModelFile.load(resource("vtrain_gpt.safetensors"));
        assertEquals("language-model", saved.metadata().get("vtrain.task"));
        try (Backend b = Backends.create("cpu", 1).backend();
                Model m = saved.build(b, 2)) {
            near(
                    FixtureFile.floats(torch.get("logits"), 1),
                    evalLogits(m, b, FixtureFile.floats(torch.get("x"), 1), 2),
                    1e-5,
                    "vtrain file in PyTorch");
        }
    }
}
