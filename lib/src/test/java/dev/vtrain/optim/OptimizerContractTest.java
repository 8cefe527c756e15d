package dev.vtrain.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.Tanh;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.Trainer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties every optimizer must have, checked on each. */
class OptimizerContractTest {
    /** name, factory over (model, groups). */
    static Stream<Arguments> optimizers() {
        List<Map.Entry<String, BiFunction<Model, List<ParamGroup>, Optimizer>>> all =
                List.of(
                        Map.entry("SGD", (m, g) -> new SGD(m, 0.1f, 0f, 0f, false, g)),
                        Map.entry("SGD-nesterov", (m, g) -> new SGD(m, 0.1f, 0.9f, 0f, true, g)),
                        Map.entry(
                                "Adam",
                                (m, g) -> new Adam(m, 0.01f, 0.9f, 0.999f, 1e-8f, false, g)),
                        Map.entry("AdamW", (m, g) -> new AdamW(m, 0.01f, 0.9f, 0.999f, 1e-8f, g)),
                        Map.entry(
                                "RMSprop",
                                (m, g) -> new RMSprop(m, 0.01f, 0.99f, 1e-8f, 0.5f, true, g)),
                        Map.entry(
                                "Adagrad",
                                (m, g) -> new Adagrad(m, 0.05f, 0.01f, 0.1f, 1e-10f, g)));
        return all.stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    private static Model model(Backend b) {
        return Model.build(
                new Sequential(new Linear(6, 5), new Tanh(), new Linear(5, 3)), 6, 8, b, 3);
    }

    private static void loadBatch(Backend b, Trainer t) {
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[8 * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        b.upload(x, 0, t.input());
        b.upload(new float[] {0, 1, 2, 0, 1, 2, 0, 1}, 0, t.target());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void parametersOutsideEveryGroupStayUnchanged(
            String name, BiFunction<Model, List<ParamGroup>, Optimizer> make) {
        try (CpuBackend b = new CpuBackend(1);
                Model m = model(b);
                Optimizer opt =
                        make.apply(
                                m,
                                List.of(
                                        new ParamGroup(
                                                "first",
                                                List.of("0.weight", "0.bias"),
                                                1f,
                                                0.01f)));
                Trainer t = new Trainer(m, new CrossEntropyLoss(), opt)) {
            loadBatch(b, t);
            float[] before = m.read("2.weight");
            float[] firstBefore = m.read("0.weight");
            for (int i = 0; i < 5; i++) {
                t.step(8, opt.learningRate(), false);
            }
            assertArrayEquals(
                    before, m.read("2.weight"), name + ": a parameter in no group changed");
            assertEquals(
                    false,
                    java.util.Arrays.equals(firstBefore, m.read("0.weight")),
                    name + ": group 'first' did not train");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void zeroGradientWithoutDecayLeavesParametersUnchanged(
            String name, BiFunction<Model, List<ParamGroup>, Optimizer> make) {
        try (CpuBackend b = new CpuBackend(1);
                Model m = model(b);
                Optimizer opt = make.apply(m, ParamGroup.single(m, 0f))) {
            Map<String, float[]> before = new HashMap<>();
            for (Parameter p : m.parameters()) {
                before.put(p.name(), m.read(p.name()));
            }
            m.zeroGrad();
            for (int i = 0; i < 3; i++) {
                opt.step();
            }
            for (Parameter p : m.parameters()) {
                assertArrayEquals(
                        before.get(p.name()),
                        m.read(p.name()),
                        name + ": " + p + " moved without gradient");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void stateRoundTripContinuesBitForBit(
            String name, BiFunction<Model, List<ParamGroup>, Optimizer> make) {
        try (CpuBackend b = new CpuBackend(2);
                Model straight = model(b);
                Model resumed = model(b);
                Optimizer o1 = make.apply(straight, ParamGroup.defaults(straight, 0.01f));
                Trainer t1 = new Trainer(straight, new CrossEntropyLoss(), o1)) {
            loadBatch(b, t1);
            for (int i = 0; i < 4; i++) {
                t1.step(8, o1.learningRate(), false);
            }
            Map<String, float[]> saved = new HashMap<>();
            for (Map.Entry<String, Tensor> e : o1.state().entrySet()) {
                float[] v = new float[(int) e.getValue().size()];
                b.download(e.getValue(), v, 0);
                saved.put(e.getKey(), v);
            }
            for (Parameter p : straight.parameters()) {
                resumed.write(p.name(), straight.read(p.name()));
            }
            try (Optimizer o2 = make.apply(resumed, ParamGroup.defaults(resumed, 0.01f));
                    Trainer t2 = new Trainer(resumed, new CrossEntropyLoss(), o2)) {
                o2.restore(o1.steps(), saved);
                loadBatch(b, t2);
                for (int i = 0; i < 3; i++) {
                    t1.step(8, o1.learningRate(), false);
                    t2.step(8, o2.learningRate(), false);
                }
                for (Parameter p : straight.parameters()) {
                    assertArrayEquals(
                            straight.read(p.name()), resumed.read(p.name()), name + ": " + p);
                }
                assertEquals(o1.steps(), o2.steps());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void foldedGradScaleEqualsScalingTheGradientsFirst(
            String name, BiFunction<Model, List<ParamGroup>, Optimizer> make) {
        for (Backend b : new Backend[] {new ScalarBackend(), new CpuBackend(2)}) {
            try (b;
                    Model scaledFirst = model(b);
                    Model folded = model(b);
                    Optimizer o1 =
                            make.apply(scaledFirst, ParamGroup.defaults(scaledFirst, 0.01f));
                    Optimizer o2 = make.apply(folded, ParamGroup.defaults(folded, 0.01f))) {
                Tensor g1 = scaledFirst.gradientSlab();
                Tensor g2 = folded.gradientSlab();
                SplittableRandom rng = new SplittableRandom(7);
                float[] grad = new float[Math.toIntExact(g1.size())];
                float[] after = new float[grad.length];
                for (int step = 0; step < 3; step++) {
                    for (int i = 0; i < grad.length; i++) {
                        grad[i] = (float) rng.nextGaussian();
                    }
                    b.upload(grad, 0, g1);
                    b.upload(grad, 0, g2);
                    float s = 0.25f + 0.2f * step;
                    b.scale(g1, s);
                    o1.step(o1.learningRate());
                    o2.step(o2.learningRate(), s);
                    b.download(g2, after, 0);
                    assertArrayEquals(grad, after, name + ": the folded step wrote the gradients");
                }
                for (Parameter p : scaledFirst.parameters()) {
                    assertArrayEquals(
                            scaledFirst.read(p.name()),
                            folded.read(p.name()),
                            name + " on " + b.name() + ": " + p);
                }
            }
        }
    }

    @Test
    void hyperparametersAreValidatedWithClearMessages() {
        try (CpuBackend b = new CpuBackend(1);
                Model m = model(b)) {
            assertMessage(
                    "Invalid learning rate: -1.0 (must be a finite value ≥ 0)",
                    () -> new SGD(m, -1f));
            assertMessage(
                    "Invalid momentum: -0.5 (must be a finite value ≥ 0)",
                    () -> new SGD(m, 0.1f, -0.5f, 0, 0, false));
            assertMessage(
                    "Nesterov momentum requires a momentum > 0 and zero dampening (got momentum=0.0, dampening=0.0)",
                    () -> new SGD(m, 0.1f, 0f, 0f, 0f, true));
            assertMessage(
                    "Invalid beta1: 1.2 (must be in [0, 1))",
                    () -> new Adam(m, 0.1f, 1.2f, 0.999f, 1e-8f, 0f, false));
            assertMessage(
                    "Invalid beta2: 1.0 (must be in [0, 1))",
                    () -> new Adam(m, 0.1f, 0.9f, 1f, 1e-8f, 0f, false));
            assertMessage(
                    "Invalid epsilon: NaN (must be a finite value ≥ 0)",
                    () -> new AdamW(m, 0.1f, 0.9f, 0.99f, Float.NaN, 0f));
            assertMessage(
                    "Invalid weight_decay of group weights: -0.1 (must be a finite value ≥ 0)",
                    () -> new Adam(m, 0.1f, 0.9f, 0.99f, 1e-8f, -0.1f, false));
            assertMessage(
                    "Invalid alpha: 1.5 (must be in [0, 1])",
                    () -> new RMSprop(m, 0.1f, 1.5f, 1e-8f, 0f, 0f, false));
            assertMessage(
                    "Invalid lr_decay: -1.0 (must be a finite value ≥ 0)",
                    () -> new Adagrad(m, 0.1f, -1f, 0f, 0f, 1e-10f));
            assertMessage(
                    "Invalid initial_accumulator_value: -1.0 (must be a finite value ≥ 0)",
                    () -> new Adagrad(m, 0.1f, 0f, 0f, -1f, 1e-10f));
            assertMessage(
                    "Parameter group 'g' names '9.weight', which the model does not have; it has [0.weight, 0.bias, 2.weight, 2.bias]",
                    () ->
                            new SGD(
                                    m,
                                    0.1f,
                                    0f,
                                    0f,
                                    false,
                                    List.of(new ParamGroup("g", List.of("9.weight"), 1f, 0f))));
            assertMessage(
                    "Parameter '0.bias' appears in more than one group",
                    () ->
                            new SGD(
                                    m,
                                    0.1f,
                                    0f,
                                    0f,
                                    false,
                                    List.of(
                                            new ParamGroup("a", List.of("0.bias"), 1f, 0f),
                                            new ParamGroup("b", List.of("0.bias"), 1f, 0f))));
        }
    }

    @Test
    void uniformSettingsMakeOneFusedPass() {
        try (CpuBackend b = new CpuBackend(1);
                Model m = model(b);
                Adam uniform = new Adam(m, 0.01f);
                Adam decayed = new Adam(m, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, false)) {
            assertEquals(
                    1,
                    uniform.passesPerStep(),
                    "no weight decay: weights and biases share settings");
            assertEquals(
                    4, decayed.passesPerStep(), "weights decay, biases do not: alternating ranges");
        }
    }

    private static void assertMessage(
            String expected, org.junit.jupiter.api.function.Executable e) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
    }
}
