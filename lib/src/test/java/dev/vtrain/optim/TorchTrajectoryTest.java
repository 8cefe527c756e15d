package dev.vtrain.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.ActivationLayer;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A small MLP trained for 10 full-batch steps from PyTorch's initial weights follows PyTorch's loss
 * and parameter trajectory (fixtures from {@code tools/fixtures/make_fixtures.py}).
 *
 * <p>Tolerance: every loss and parameter within 2e-5 absolute + 1e-4 relative of PyTorch's float32
 * values; the differences come only from summation order and fused multiply-adds.
 */
class TorchTrajectoryTest {
    private static final double ABS = 2e-5;
    private static final double REL = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> args = new ArrayList<>();
        for (String fixture :
                new String[] {"sgd_momentum", "sgd_nesterov_wd_mse", "adam", "adamw"}) {
            for (String backend : new String[] {"scalar", "cpu"}) {
                args.add(Arguments.of(fixture, backend));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void followsPyTorch(String name, String backendName) throws IOException {
        TorchFixture f = TorchFixture.load(name);
        float[] sizesF = f.tensor("meta.sizes");
        int[] sizes = new int[sizesF.length];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (int) sizesF[i];
        }
        String[] acts = f.meta.get("activations").split(",", -1);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.length; i++) {
            layers.add(new Linear(sizes[i], sizes[i + 1]));
            if (i < acts.length) {
                layers.add(
                        ActivationLayer.of(Activation.valueOf(acts[i].toUpperCase(Locale.ROOT))));
            }
        }
        boolean ce = f.meta.get("loss").equals("cross_entropy");
        Loss loss = ce ? new CrossEntropyLoss() : new MSELoss();
        float[] x = f.tensor("x");
        float[] y = f.tensor("y");
        int batch = x.length / sizes[0];
        try (Backend backend = Backends.create(backendName, 2).backend();
                Model model = Model.build(new Sequential(layers), sizes[0], batch, backend, 123);
                Optimizer opt = optimizer(f, model);
                Trainer trainer = new Trainer(model, loss, opt)) {
            for (Parameter p : model.parameters()) {
                model.write(p.name(), f.tensor("init." + p.name()));
            }
            backend.upload(x, 0, trainer.input());
            backend.upload(y, 0, trainer.target());
            for (int step = 1; step <= 10; step++) {
                trainer.step(batch, opt.learningRate(), false);
                for (Parameter p : model.parameters()) {
                    assertClose(
                            f.tensor("step" + step + "." + p.name()),
                            model.read(p.name()),
                            name + " step " + step + " " + p);
                }
            }
            // Loss at each step: replay from the initial weights with a fresh optimizer, reading it
            // back per step.
            for (Parameter p : model.parameters()) {
                model.write(p.name(), f.tensor("init." + p.name()));
            }
            try (Optimizer fresh = optimizer(f, model);
                    Trainer replay = new Trainer(model, loss, fresh)) {
                backend.upload(x, 0, replay.input());
                backend.upload(y, 0, replay.target());
                for (int step = 1; step <= 10; step++) {
                    double before = replay.evaluateLoaded(batch);
                    assertEquals(
                            f.tensor("step" + step + ".loss")[0],
                            before,
                            ABS + REL * Math.abs(before),
                            name + " loss at step " + step);
                    replay.step(batch, fresh.learningRate(), false);
                }
            }
        }
    }

    private static Optimizer optimizer(TorchFixture f, Model model) {
        float lr = f.number("lr");
        if (f.meta.get("optimizer").equals("sgd")) {
            return new SGD(
                    model,
                    lr,
                    f.number("momentum"),
                    f.number("dampening"),
                    f.number("weight_decay"),
                    Boolean.parseBoolean(f.meta.get("nesterov")));
        }
        return new Adam(
                model,
                lr,
                f.number("beta1"),
                f.number("beta2"),
                f.number("eps"),
                f.number("weight_decay"),
                Boolean.parseBoolean(f.meta.get("decoupled")));
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = ABS + REL * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
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
}
